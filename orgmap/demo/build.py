"""Build the demo: copy the example company vault into a fresh folder, generate its cost and change events ending at
`now` (same seed and `now`, same data), store them through the service's intake and find the anomalies."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from orgmap.demo.data import generate
from orgmap.service import Service

__all__ = ["EXAMPLE_VAULT", "DemoBuilt", "build_demo"]

EXAMPLE_VAULT = Path(__file__).resolve().with_name("vault")  # inside the package: pyproject ships its notes
_MARKER = ".orgmap/demo.json"


@dataclass(frozen=True, slots=True)
class DemoBuilt:
    """What `build_demo` made: the counts a person reads, and the run-rate headline."""

    cost_events: int
    change_events: int
    total_cost_usd: float
    agents: int
    incidents: list[str]
    anomalies: int
    headline: str


def _fresh_folder(target: Path) -> None:
    """Replace an earlier demo folder (recognised by its marker); never touch a folder orgmap did not make."""
    if target.exists():
        if not (target / _MARKER).is_file():
            raise SystemExit(f"orgmap: {target} exists and is not an orgmap demo folder; choose another --dir")
        shutil.rmtree(target)
    if not EXAMPLE_VAULT.is_dir():
        raise SystemExit(f"orgmap: the example vault is missing at {EXAMPLE_VAULT}")
    shutil.copytree(EXAMPLE_VAULT, target)


def build_demo(target: Path, *, seed: int, days: int, scale: float, now: datetime,
               on_progress: Callable[[int, int | None], None] | None = None) -> DemoBuilt:
    """Make the demo vault at `target` with its generated events stored; `on_progress` follows the cost events."""
    _fresh_folder(target)
    data = generate(seed=seed, days=days, now=now, scale=scale)
    with Service.open(target, clock=lambda: now) as svc:
        cost = svc.intake.cost(data.cost_events, source="demo", on_progress=on_progress)
        changes = svc.intake.changes(data.change_events, source="demo")
        headline = svc.run_rate("7d", "agent", 5).summary
        found = svc.scan_anomalies(timedelta(days=days))
    built = DemoBuilt(cost.accepted, changes.accepted, round(cost.total_cost_usd, 2), len(data.agents),
                      [i.name for i in data.incidents], len(found), headline)
    marker = {"seed": seed, "days": days, "scale": scale, "now": now.isoformat(), "cost_events": built.cost_events,
              "change_events": built.change_events, "total_cost_usd": built.total_cost_usd,
              "incidents": built.incidents, "anomalies": built.anomalies}
    (target / _MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
    return built
