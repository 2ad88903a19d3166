"""One sentence a person understands: what moved, from what to what, since when, and after which change."""

from __future__ import annotations

from ledger.anomaly.model import Anomaly, ChangeEvent

__all__ = ["describe", "number"]


def number(value: float | None) -> str:
    """A figure as people write it.

    >>> number(4.0), number(96.2), number(2104.6), number(0.0421), number(None)
    ('4', '96', '2,105', '0.042', '?')
    """
    if value is None:
        return "?"
    if abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.2g}"


def _times(new: float | None, old: float | None) -> str:
    return f"{new / old:.1f}x" if new and old else "up"


def _change(change: ChangeEvent) -> str:
    """A change as a person looks it up: its kind, its ref (commit, deploy id) or summary, and where it happened."""
    label = {"deploy": "deploy", "vault_edit": "vault edit"}.get(change.kind, f"{change.kind} change")
    what = f"{label} {change.ref}" if change.ref else f"{label} '{change.summary}'"
    where = "" if change.graph_distance == 0 else f" on {change.target}"
    planned = " (planned)" if change.planned else ""
    return f"{what}{where}{planned}"


def _cause(anomaly: Anomaly) -> str:
    if anomaly.abstained or not anomaly.candidates:
        return "; no recorded change explains this"
    return f" after {_change(anomaly.candidates[0].change)}"


def _ending(anomaly: Anomaly) -> str:
    """How it ended, for one that did: back within its old level from when, and after which change."""
    if anomaly.end is None:
        return ""
    fix = f", likely fixed by {_change(anomaly.fix)}" if anomaly.fix else ""
    return f"; ended {anomaly.end.strftime('%H:%M UTC on %b %d')} (back within its baseline){fix}"


def describe(anomaly: Anomaly) -> str:
    """The anomaly's sentence, from its decomposition and its best candidate."""
    b, o = anomaly.baseline, anomaly.observed
    when = anomaly.onset.strftime("%H:%M UTC on %b %d")
    if anomaly.per_outcome is not None:
        old, new = anomaly.per_outcome
        core = f"cost per outcome rose {_times(new, old)} (${number(old)} -> ${number(new)}) from {when}"
    elif anomaly.factor == "volume":
        core = f"runs/hour went from {number(b.runs_per_hour)} to {number(o.runs_per_hour)} starting {when}"
    elif anomaly.factor == "tokens":
        core = (
            f"cost per run rose {_times(o.cost_per_run, b.cost_per_run)} (tokens per run "
            f"{number(b.tokens_per_run)} -> {number(o.tokens_per_run)}) from {when}"
        )
    elif anomaly.factor == "price":
        top = max(o.model_mix.items(), key=lambda kv: kv[1], default=None)
        mix = f", now {top[1]:.0%} {top[0]}" if top else ""
        core = (
            f"price per token rose {_times(o.usd_per_1k_tokens, b.usd_per_1k_tokens)} (${b.usd_per_1k_tokens or 0:.4f}"
            f" -> ${o.usd_per_1k_tokens or 0:.4f} per 1k tokens{mix}) from {when}"
        )
    elif (o.retry_share or 0) > (b.retry_share or 0):
        core = (
            f"retries took over: calls per run went from {number(b.calls_per_run)} to {number(o.calls_per_run)} "
            f"(retry share {b.retry_share or 0:.0%} -> {o.retry_share or 0:.0%}) starting {when}"
        )
    else:  # more calls per run with no more retries: the agent's own work per run grew (fan-out, more tool calls)
        core = f"calls per run went from {number(b.calls_per_run)} to {number(o.calls_per_run)} starting {when}"
    size = f" (cost {anomaly.ratio:.1f}x, +${anomaly.excess_usd:,.2f})"
    return f"{anomaly.agent}: {core}{size}{_cause(anomaly)}{_ending(anomaly)}"
