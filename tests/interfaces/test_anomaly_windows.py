"""An anomaly still going is answered whatever its onset, at every door: a short window narrows only the ones that
ended. Each answer names the change it blames by id and ref (the commit, the deploy id), so it can be followed."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgmap.cli.commands.anomalies import _show_list
from orgmap.service import Service
from tests.interfaces.conftest import NOW, on_both_stores

pytestmark = on_both_stores

TRIAGE = "Agents/Support Triage Agent"  # its calls per run doubled ~6.7 days before NOW, after a retriever change


def _going(items: list[dict]) -> list[dict]:
    return [a for a in items if a["agent"] == TRIAGE and a["end"] is None]


def test_an_open_anomaly_older_than_the_window_is_listed_by_http_and_mcp(api, mcp) -> None:
    by_http = api.get("/v1/anomalies", params={"since": "24h", "limit": 50}).json()
    by_mcp = mcp.call("anomalies", window="24h")
    [triage] = _going(by_http["items"])
    assert triage["onset"] < "2026-03-01"  # days before the 24 h window
    assert [a["id"] for a in by_mcp["items"]] == [a["id"] for a in by_http["items"]]
    assert "still going" in by_http["summary"]
    # the window narrows the ones that ended: the retry loop ended days ago, within 7 days but not 24 hours
    ended = [a["id"] for a in api.get("/v1/anomalies", params={"since": "7d"}).json()["items"] if a["end"]]
    assert ended and not set(ended) & {a["id"] for a in by_http["items"]}


def test_explain_cost_change_considers_every_open_anomaly(api, mcp) -> None:
    answer = mcp.call("explain_cost_change", agent="Support Triage Agent", window="24h")
    assert "follows its own history" not in answer["summary"]
    assert answer["anomalies"][0]["agent"] == TRIAGE and answer["anomalies"][0]["end"] is None
    assert api.get("/v1/agents/Support Triage Agent/anomalies", params={"since": "24h"}).json() == answer


def test_the_blamed_change_is_named_by_id_and_ref_in_every_door(api, mcp, demo_vault: Path, demo_store: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    [triage] = _going(api.get("/v1/anomalies", params={"since": "24h"}).json()["items"])
    changes = {c["id"]: c for c in api.get("/v1/changes", params={"limit": 200}).json()["items"]}
    blamed = changes[triage["cause_id"]]
    assert triage["cause_ref"] == blamed["ref"] is not None and triage["cause"] == blamed["summary"]
    assert _going(mcp.call("anomalies", window="24h")["items"])[0]["cause_id"] == blamed["id"]
    with Service.open(demo_vault, db=demo_store, clock=lambda: NOW) as svc:
        _show_list(svc.anomalies("24h", None, None, 50))
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(f"- [{TRIAGE}@"))
    assert f"cause [{blamed['id']} ref {blamed['ref']}]" in line
