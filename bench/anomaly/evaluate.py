"""Score detections against the ground truth: recall (by type, size and history), false alarms per 100 clean
agent-weeks, precision at a given prevalence, time to detect, attribution top-1/top-3, abstention, factor."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from bench.anomaly.stream import AgentResult, Found

__all__ = ["Scores", "false_alarms", "score"]

EARLY, LATE = 6, 24  # a detection matches when its onset is 6 h before to 24 h after the true onset
AFTER = 24  # hours after a true anomaly's end where other detections count as duplicates, not false alarms


class Scores(dict):
    """Named figures (str -> float or str) in print order."""


def _size_class(kind: str, size: float) -> str:
    if kind == "retry_loop" or size >= 2:
        return ">=2x"
    return "+30-80%" if size <= 1.8 else "other"


def _rate(hits: list[bool]) -> str:
    return f"{np.mean(hits):.3f} ({sum(hits)}/{len(hits)})" if hits else "-"


def _pct(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q):.0f} h" if values else "-"


def _match(result: AgentResult, found: list[Found]) -> tuple[Found | None, int | None, int | None]:
    """The detection matching the agent's injected anomaly (the first seen near its onset), and the span of hours
    [lo, hi] around that anomaly where other detections are duplicates; all None on a clean agent."""
    truth, n = result.case.truth, len(result.case.series)
    if truth is None:
        return None, None, None
    near = [f for f in found if truth.onset - EARLY <= f.onset <= truth.onset + LATE]
    match = min(near, key=lambda f: f.seen) if near else None
    return match, truth.onset - EARLY, (truth.end if truth.end is not None else n) + AFTER


def _is_false(f: Found, match: Found | None, lo: int | None, hi: int | None) -> bool:
    return f is not match and not (lo is not None and hi is not None and lo <= f.onset <= hi)


def false_alarms(results: list[AgentResult], pick: Callable[[AgentResult], list[Found]]) -> list[tuple[str, Found]]:
    """Every false alarm (a detection neither matching nor duplicating an injected anomaly), with its agent."""
    out = []
    for result in results:
        found = pick(result)
        match, lo, hi = _match(result, found)
        out += [(result.case.name, f) for f in found if _is_false(f, match, lo, hi)]
    return out


def score(results: list[AgentResult], pick: Callable[[AgentResult], list[Found]], min_usd: float) -> Scores:
    """Scores for one detector (`pick` chooses its detections). Recall counts anomalies whose true 24 h excess
    is at least twice the dollar gate ("alert-worthy"); the overall figure counts every injected one."""
    recall: dict[str, list[bool]] = defaultdict(list)
    ttd: dict[str, list[float]] = defaultdict(list)
    top1, top3, abstain, factor = [], [], [], []
    false_count, duplicates, clean_hours = 0, 0, 0.0
    for result in results:
        case, truth, n = result.case, result.case.truth, len(result.case.series)
        found = pick(result)
        match, lo, hi = _match(result, found)
        if truth is not None:
            hit = match is not None and match.seen - truth.onset <= 24
            recall["all injected"].append(hit)
            if truth.excess24 >= 2 * min_usd:
                for key in ("alert-worthy", f"type {truth.kind}", f"size {_size_class(truth.kind, truth.size)}",
                            f"history {case.days} d"):
                    recall[key].append(hit)
            if match is not None:
                group = "spike+model" if truth.kind in ("retry_loop", "model_swap") else "shifts"
                ttd[group].append(max(0, match.seen - truth.onset))
                if truth.cause is None:
                    abstain.append(match.abstained)
                else:
                    top1.append(not match.abstained and match.ranked[:1] == [truth.cause])
                    top3.append(truth.cause in match.ranked[:3])
                if match.factor is not None:
                    want = {"retry_loop": "retries", "prompt_bloat": "tokens", "model_swap": "price"}
                    factor.append(match.factor == want.get(truth.kind, "volume"))
        wrong = sum(_is_false(f, match, lo, hi) for f in found)
        false_count += wrong
        duplicates += len(found) - wrong - (match is not None)
        evaluable = max(0, n - 48)
        if lo is not None:
            evaluable -= max(0, min(hi, n) - max(lo, 48))
        clean_hours += evaluable
    weeks = clean_hours / 168
    fa_rate = false_count / weeks if weeks else 0.0
    out = Scores()
    for key in sorted(recall, key=lambda k: (k.split()[0], k)):
        out[f"recall <=24h, {key}"] = _rate(recall[key])
    out["false alarms / 100 clean agent-weeks"] = f"{100 * fa_rate:.2f} ({false_count} in {weeks:.0f} weeks)"
    out["duplicates (extra incidents on a true anomaly)"] = str(duplicates)
    r = float(np.mean(recall["alert-worthy"])) if recall["alert-worthy"] else 0.0
    for p in (0.02, 0.05):
        precision = r * p / (r * p + fa_rate * (1 - p)) if r or fa_rate else 0.0
        out[f"precision at {p:.0%} prevalence (per agent-week)"] = f"{precision:.3f}"
    for group in ("spike+model", "shifts"):
        out[f"time to detect {group} median / p90"] = f"{_pct(ttd[group], 50)} / {_pct(ttd[group], 90)}"
    out["attribution top-1"] = _rate(top1)
    out["attribution top-3"] = _rate(top3)
    out["correct abstention (no recorded cause)"] = _rate(abstain)
    out["factor right"] = _rate(factor)
    return out
