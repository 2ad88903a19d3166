"""The message a budget alert carries: which budget, the spend, who owns it, the agents behind it, when it runs out
at the current burn, what its pause policy does now, and a link to the dashboard. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .budgets import BudgetSpec, PeriodStatus, pause_stage

__all__ = ["LEVEL_WORDS", "budget_message", "threshold_of"]

# What a pause stage of each level pauses, in words.
LEVEL_WORDS = {"low": "low-criticality agents", "normal": "every agent that is not critical", "all": "every agent"}


def threshold_of(dedupe: str, prefix: str) -> float:
    """The highest threshold a budget alert's dedupe key names (its tail after `prefix`); 0 when unreadable.

    >>> threshold_of("budget|agent|a|day|2025-10-15|0.75", "budget|agent|a|day|2025-10-15|")
    0.75
    """
    try:
        return float(dedupe[len(prefix):])
    except ValueError:
        return 0.0


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _pcts(thresholds: Sequence[float]) -> str:
    return ", ".join(f"{t:.0%}" for t in thresholds)


def budget_message(spec: BudgetSpec, period: PeriodStatus, crossed: Sequence[float],
                   top: Sequence[tuple[str, float]], dashboard_url: str | None) -> tuple[str, dict[str, Any]]:
    """The headline and the evidence of an alert for `crossed` thresholds; the evidence's `details` are the lines
    the delivered text adds under the headline (`Alert.text`).

    >>> spec = BudgetSpec("agent", "Agents/Bot", daily_usd=10.0, label="Bot", owners=("Maya",))
    >>> status = PeriodStatus("day", 9.5, 10.0, 95.0, 0.5, burn_usd_per_day=12.0, burn_window="7d")
    >>> headline, evidence = budget_message(spec, status, [0.75, 0.9], [("Bot", 9.5)], "http://127.0.0.1:8000/")
    >>> print(headline, *evidence["details"], sep=chr(10))
    Budget agent Bot: day spend $9.50 is 95% of $10.00 (crossed 75%, 90%)
    Owner: Maya. Top agents: Bot $9.50.
    At $12.00/day (7d burn) it lasts the period.
    Paused from 90%: every agent that is not critical.
    Dashboard: http://127.0.0.1:8000/#budgets
    """
    lines = [f"Budget {spec.name}: {period.period} spend {_usd(period.spent)} is {period.used_pct:.0f}% of "
             f"{_usd(period.limit)} (crossed {_pcts(crossed)})"]
    who = f"Owner: {', '.join(spec.owners)}." if spec.owners else "Owner: none in the vault."
    agents = ", ".join(f"{name} {_usd(cost)}" for name, cost in top)
    lines.append(f"{who} Top agents: {agents}." if agents else who)
    if period.burn_usd_per_day is not None:
        pace = f"At {_usd(period.burn_usd_per_day)}/day ({period.burn_window} burn)"
        if period.remaining <= 0:
            lines.append(f"It has run out; {pace.lower()} the period ends at {_usd(period.projected_usd or 0)}.")
        elif period.runs_out_at is not None:
            lines.append(f"Runs out {period.runs_out_at:%Y-%m-%d %H:%M} UTC at {_usd(period.burn_usd_per_day)}/day "
                         f"({period.burn_window} burn).")
        else:
            lines.append(f"{pace} it lasts the period.")
    stage = pause_stage(spec, period)
    if stage is not None:
        lines.append(f"Paused from {stage[0]:.0%}: {LEVEL_WORDS[stage[1]]}.")
    link = None if dashboard_url is None else f"{dashboard_url}#budgets"
    if link:
        lines.append(f"Dashboard: {link}")
    evidence: dict[str, Any] = {
        "scope": spec.scope, "key": spec.key, "period": period.period, "spent": period.spent, "limit": period.limit,
        "threshold": crossed[-1], "thresholds": list(crossed), "owners": list(spec.owners),
        "top_agents": [{"agent": name, "spent": cost} for name, cost in top],
        "burn_usd_per_day": period.burn_usd_per_day, "burn_window": period.burn_window,
        "projected_usd": period.projected_usd,
        "runs_out_at": None if period.runs_out_at is None else period.runs_out_at.isoformat(),
        "paused": None if stage is None else {"stage": stage[0], "level": stage[1]}, "link": link,
    }
    evidence["details"] = lines[1:]
    return lines[0], evidence
