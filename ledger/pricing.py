"""Event pricing: negotiated overrides first, else `genai-prices` at the event's own timestamp, memoised.

`genai-prices` takes ~90 µs per call; the ledger prices every event, so the price of a model is reduced once per
(model, provider, price period, input tier) to four per-token coefficients derived from the library itself
(uncached input, cache read, cache write, output; reasoning when priced apart) and applied in plain arithmetic.
Which of a model's dated prices applies is looked up once per UTC day (once per minute when a price depends on
the time of day, as off-peak rates do), not per event.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from genai_prices import Usage, data_snapshot
from genai_prices.types import ModelInfo, ModelPrice, Provider, StartDateConstraint, TieredPrices

from .timeutil import from_us

__all__ = ["PriceOverride", "Pricer", "load_overrides"]

_MILLION = 1_000_000
_MINUTE_US = 60_000_000
_DAY_US = 86_400 * 1_000_000
_SLOTS_KEPT = 100_000


@dataclass(frozen=True, slots=True)
class PriceOverride:
    """A negotiated rate in USD per million tokens; cache prices default to the input price."""

    model: str
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    provider: str | None = None

    def cost(self, inp: int, out: int, cache_read: int, cache_write: int) -> float:
        uncached = inp - cache_read - cache_write
        cr = self.input if self.cache_read is None else self.cache_read
        cw = self.input if self.cache_write is None else self.cache_write
        return (uncached * self.input + cache_read * cr + cache_write * cw + out * self.output) / _MILLION


def load_overrides(source: str | Path | Mapping[str, Any]) -> dict[tuple[str, str | None], PriceOverride]:
    """Read an override file (YAML or JSON: `{model: {input, output, cache_read?, cache_write?, provider?}}`)."""
    if isinstance(source, Mapping):
        data: Any = source
    else:
        text = Path(source).read_text(encoding="utf-8")
        data = json.loads(text) if str(source).endswith(".json") else yaml.safe_load(text)
    if not isinstance(data, Mapping):
        raise ValueError(f"{source}: expected a mapping of model -> prices")
    table: dict[tuple[str, str | None], PriceOverride] = {}
    for model, spec in data.items():
        if not isinstance(spec, Mapping) or "input" not in spec or "output" not in spec:
            raise ValueError(f"{source}: model {model!r} needs `input` and `output` (USD per million tokens)")
        try:
            override = PriceOverride(
                model=str(model),
                input=float(spec["input"]),
                output=float(spec["output"]),
                cache_read=None if spec.get("cache_read") is None else float(spec["cache_read"]),
                cache_write=None if spec.get("cache_write") is None else float(spec["cache_write"]),
                provider=spec.get("provider"),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source}: model {model!r}: {exc}") from None
        provider = override.provider.casefold() if override.provider else None
        table[(override.model.casefold(), provider)] = override
    return table


def _thresholds(price: ModelPrice) -> tuple[int, ...]:
    starts = {tier.start for value in vars(price).values() if isinstance(value, TieredPrices) for tier in value.tiers}
    return tuple(sorted(starts))


def _coefficients(price: ModelPrice, total_input: int) -> tuple[float, float, float, float, float]:
    """Per-token prices (uncached input, cache read, cache write, output, reasoning) in the tier of `total_input`."""
    n = max(total_input, 1)

    def total(**kw: int) -> Decimal:
        return price.calc_price(Usage(**kw))["total_price"]

    base = total(input_tokens=n)
    with_out = total(input_tokens=n, output_tokens=n)
    return (
        float(base / n),
        float(total(input_tokens=n, cache_read_tokens=n) / n),
        float(total(input_tokens=n, cache_write_tokens=n) / n),
        float((with_out - base) / n),
        float((total(input_tokens=n, output_tokens=n, output_reasoning_tokens=n) - base) / n),
    )


def _slot_us(info: ModelInfo) -> int | None:
    """How long one of the model's conditional prices surely holds: a UTC day when its prices change only on start
    dates, a minute when they also depend on whole-minute UTC times of day, else None (look up every event)."""
    slot = _DAY_US
    for conditional in info.prices:  # type: ignore[union-attr]
        constraint = conditional.constraint
        if constraint is None or isinstance(constraint, StartDateConstraint):
            continue
        bounds = [getattr(constraint, name, None) for name in ("start_time", "end_time")]
        if not all(isinstance(t, time) and t.second == t.microsecond == 0 and not t.utcoffset() for t in bounds):
            return None
        slot = _MINUTE_US
    return slot


class Pricer:
    """Prices events; `price()` returns (cost or None when unpriceable, how it was priced)."""

    def __init__(self, overrides: Mapping[tuple[str, str | None], PriceOverride] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._models: dict[tuple[str, str | None], tuple[Provider, ModelInfo] | None] = {}
        self._coef: dict[tuple[int, int], tuple[float, float, float, float, float]] = {}
        self._tiers: dict[int, tuple[tuple[int, ...], ModelPrice]] = {}
        self._slot: dict[int, int | None] = {}
        self._dated: dict[tuple[int, int], ModelPrice] = {}
        self._snapshot = data_snapshot.get_snapshot()

    def _model(self, model: str, provider: str | None) -> tuple[Provider, ModelInfo] | None:
        key = (model, provider)
        if key not in self._models:
            try:
                self._models[key] = self._snapshot.find_provider_model(model, None, provider, None)
            except LookupError:
                self._models[key] = None
        return self._models[key]

    def _override(self, model: str, provider: str | None) -> PriceOverride | None:
        folded = model.casefold()
        if provider:
            found = self._overrides.get((folded, provider.casefold()))
            if found:
                return found
        return self._overrides.get((folded, None))

    def _prices_at(self, info: ModelInfo, ts_us: int) -> ModelPrice:
        """The model's price in force at `ts_us`, memoised per time slot (see `_slot_us`)."""
        if isinstance(info.prices, ModelPrice):
            return info.prices
        iid = id(info)
        if iid not in self._slot:
            self._slot[iid] = _slot_us(info)
        slot = self._slot[iid]
        if slot is None:
            return info.get_prices(from_us(ts_us))
        key = (iid, ts_us // slot)
        prices = self._dated.get(key)
        if prices is None:
            if len(self._dated) >= _SLOTS_KEPT:
                self._dated.clear()
            prices = self._dated[key] = info.get_prices(from_us(ts_us))
        return prices

    def price(
        self, model: str | None, provider: str | None, ts_us: int,
        inp: int, out: int, cache_read: int, cache_write: int, reasoning: int,
    ) -> tuple[float | None, str | None]:
        """The cost of one event's tokens at its own time; (None, None) for an unknown model."""
        if not model:
            return None, None
        if self._overrides:
            override = self._override(model, provider)
            if override is not None:
                return override.cost(inp, out, cache_read, cache_write), "override"
        found = self._model(model, provider)
        if found is None:
            return None, None
        prices = self._prices_at(found[1], ts_us)
        pid = id(prices)
        tiers = self._tiers.get(pid)
        if tiers is None:
            tiers = self._tiers[pid] = (_thresholds(prices), prices)
        bucket = bisect_left(tiers[0], inp)  # the number of tier starts below `inp`
        coef = self._coef.get((pid, bucket))
        if coef is None:
            representative = tiers[0][bucket - 1] + 1 if bucket else 1
            coef = self._coef[(pid, bucket)] = _coefficients(prices, representative)
        uncached = inp - cache_read - cache_write
        cost = (
            uncached * coef[0] + cache_read * coef[1] + cache_write * coef[2]
            + (out - reasoning) * coef[3] + reasoning * coef[4]
        )
        return cost, "genai-prices"
