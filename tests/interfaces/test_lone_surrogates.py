"""A malformed unicode escape (`"\\ud800"`, a lone UTF-16 surrogate, which JSON parsers accept and UTF-8 cannot hold)
in one event: that row is rejected by its field, the good rows in the same body or file are kept, nothing is a 500.
Through every way events come in: the event routes, the LiteLLM and OTLP receivers, `orgmap import` and `ingest`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgmap.cli import main

BAD = "\\ud800"  # as it appears in the JSON text
GOOD_COST = {"id": "s-ok", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5}
GOOD_CHANGE = {"id": "c-ok", "ts": "2026-03-02T09:00:00Z", "target": "support-bot", "kind": "deploy",
               "summary": "a good deploy"}


def _body(bad: dict[str, str], good: dict[str, object]) -> bytes:
    """A JSON list of the bad event (its string fields carrying the escape) and the good one."""
    text = json.dumps([bad, good])
    return text.replace("SURROGATE", BAD).encode()


@pytest.mark.parametrize(("route", "bad", "good", "field"), [
    ("/v1/events/cost", {"id": "s-bad", "ts": "2026-03-02T10:00:00Z", "agent": "support-botSURROGATE",
                         "cost_usd": 0.5}, GOOD_COST, "agent"),
    ("/v1/events/cost", {"id": "s-bad2", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5,
                         "model": "gpt-4oSURROGATE"}, GOOD_COST, "model"),
    ("/v1/events/change", {"id": "c-bad", "ts": "2026-03-02T09:00:00Z", "target": "support-bot", "kind": "deploy",
                           "summary": "brokenSURROGATE"}, GOOD_CHANGE, "summary"),
])
def test_an_event_route_rejects_the_row_and_keeps_the_rest(doors, fresh_company, route: str, bad: dict[str, str],
                                                           good: dict[str, object], field: str) -> None:
    with doors.api_client(fresh_company) as api:
        answer = api.post(route, content=_body(bad, good), headers={"content-type": "application/json"})
        assert answer.status_code == 200, answer.text
        report = answer.json()
    assert report["accepted"] == 1
    assert [(r["row"], r["field"]) for r in report["rejected"]] == [(1, field)]
    assert "surrogate" in report["rejected"][0]["message"]


def test_the_receivers_reject_the_row_and_keep_the_rest(doors, fresh_company) -> None:
    litellm = [{"id": "l-bad", "call_type": "completion", "model": "gpt-4o-mini", "response_cost": 0.1,
                "startTime": 1772445600.0, "metadata": {"user_api_key_alias": "support-botSURROGATE"}},
               {"id": "l-ok", "call_type": "completion", "model": "gpt-4o-mini", "response_cost": 0.2,
                "startTime": 1772445600.0, "metadata": {"user_api_key_alias": "support-bot"}}]
    with doors.api_client(fresh_company) as api:
        body = json.dumps(litellm).replace("SURROGATE", BAD).encode()
        answer = api.post("/v1/litellm", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["accepted"] == 1 and len(answer.json()["rejected"]) == 1
        spans = {"resourceSpans": [{"resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "support-botSURROGATE"}}]}, "scopeSpans": [{"spans": [
                {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "chat",
                 "startTimeUnixNano": "1772445600000000000", "endTimeUnixNano": "1772445601000000000",
                 "attributes": [{"key": "gen_ai.usage.input_tokens", "value": {"intValue": "10"}},
                                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}}]}]}]}]}
        body = json.dumps(spans).replace("SURROGATE", BAD).encode()
        answer = api.post("/v1/traces", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["partialSuccess"]["rejectedSpans"] == 1
        assert api.get("/v1/run-rate", params={"window": "3650d"}).json()["total_cost_usd"] > 0


def test_import_and_ingest_keep_the_good_rows_of_a_file(doors, tmp_path: Path, store_for,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    vault = doors.copy_company(tmp_path)
    db = ["--db", store_for(vault)]
    changes = tmp_path / "changes.jsonl"
    changes.write_text("\n".join(json.dumps(c) for c in (
        {**GOOD_CHANGE, "id": "c-bad", "summary": "brokenSURROGATE"}, GOOD_CHANGE)).replace("SURROGATE", BAD) + "\n")
    assert main(["ingest", "--changes", str(changes), "--vault", str(vault), *db]) == 1  # a row was rejected
    out = capsys.readouterr().out
    assert "1 events stored (0 cost, 1 change)" in out
    assert f"{changes}:1" in out and "summary" in out
    calls = tmp_path / "litellm.json"
    calls.write_text(json.dumps([
        {"id": "l-bad", "call_type": "completion", "model": "gpt-4o-miniSURROGATE", "response_cost": 0.1,
         "startTime": 1772445600.0, "metadata": {"user_api_key_alias": "support-bot"}},
        {"id": "l-ok", "call_type": "completion", "model": "gpt-4o-mini", "response_cost": 0.2,
         "startTime": 1772445600.0, "metadata": {"user_api_key_alias": "support-bot"}}]).replace("SURROGATE", BAD))
    assert main(["import", "litellm", str(calls), "--vault", str(vault), *db]) == 1
    out = capsys.readouterr().out
    assert "1 events stored (1 cost, 0 change)" in out and "model" in out
