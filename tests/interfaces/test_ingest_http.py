"""Request bodies: POST /v1/events/cost over real HTTP (the raw body goes to the ledger's own validation, per-item
results kept), and the error a body pydantic refuses gets."""

from __future__ import annotations

import httpx

from api.app import create_app
from orgmap.answer_types import IngestAnswer, RunRateAnswer


def test_a_posted_batch_with_a_duplicate_and_a_bad_row_keeps_the_good_rows_once(doors, fresh_company) -> None:
    batch = [
        {"id": "h-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5},
        {"id": "h-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5},
        {"id": "h-2", "ts": "2026-03-02T10:05:00Z", "agent": "support-bot", "input_tokens": "lots"},
        {"id": "h-3", "ts": "2026-03-02T10:10:00Z", "agent": "pr-reviewer", "model": "gpt-4o", "provider": "openai",
         "input_tokens": 10_000, "cache_read_tokens": 4_000, "output_tokens": 2_000},
    ]
    with doors.live_server(create_app(fresh_company)) as base, httpx.Client(base_url=base) as http:
        answer = http.post("/v1/events/cost", json=batch)
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        first = IngestAnswer.model_validate(answer.json())
        assert (first.accepted, first.duplicates) == (2, 1)
        assert [(i.row, i.status, i.id) for i in first.items] == [
            (1, "stored", "h-1"), (2, "duplicate", "h-1"), (3, "rejected", None), (4, "stored", "h-3")]
        assert first.items[2].message.startswith("input_tokens:")
        assert [(r.row, r.field) for r in first.rejected] == [(3, "input_tokens")]
        # 6,000 uncached x $2.50/M + 4,000 cached x $1.25/M + 2,000 out x $10/M = $0.04, plus the $0.50 event
        assert round(first.total_cost_usd, 4) == 0.54
        again = IngestAnswer.model_validate(http.post("/v1/events/cost", json=batch).json())
        assert (again.accepted, again.duplicates, len(again.rejected)) == (0, 3, 1)
        single = IngestAnswer.model_validate(http.post("/v1/events/cost", json=batch[0]).json())
        assert [(i.row, i.status) for i in single.items] == [(1, "duplicate")]
        rate = RunRateAnswer.model_validate(http.get("/v1/run-rate", params={"window": "1d"}).json())
        assert round(rate.total_cost_per_day, 4) == 0.54


def test_a_body_pydantic_refuses_names_its_field(api) -> None:
    route = "/v1/anomalies/any@2020-01-01T00:00Z/state"
    answer = api.post(route, json={"note": "no state"})
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "state"
    bad = api.post(route, content=b"{", headers={"content-type": "application/json"})
    assert bad.json()["error"] == {"message": "the body is not valid JSON", "field": "body"}


def test_a_write_not_sent_as_json_is_refused_and_nothing_is_stored(doors, fresh_company) -> None:
    """A browser posts text/plain, a form, or a body with no Content-Type to another site without a CORS preflight:
    no such body may become events, through any write route (415 naming the content type); JSON is stored."""
    event = b'{"id": "ct-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5}'
    writes = ("/v1/events/cost", "/v1/events/change", "/v1/traces", "/v1/litellm", "/v1/anomalies/x@1/state")
    with doors.api_client(fresh_company) as api:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                             None):
            for route in writes:
                headers = {} if content_type is None else {"content-type": content_type}
                answer = api.post(route, content=event, headers=headers)
                assert answer.status_code == 415, (route, content_type, answer.text)
                assert answer.json()["error"]["field"] == "content-type"
        assert api.get("/v1/changes", params={"since": "3650d"}).json()["items"] == []
        assert api.get("/v1/run-rate", params={"window": "3650d"}).json()["total_cost_usd"] == 0
        json_type = {"content-type": "application/json; charset=utf-8"}
        assert api.post("/v1/events/cost", content=event, headers=json_type).json()["accepted"] == 1
        assert api.post("/v1/events/cost", content=event,
                        headers={"content-type": "application/vnd.orgmap+json"}).json()["duplicates"] == 1


def test_a_write_from_another_origin_is_refused(doors, fresh_company) -> None:
    """A page of another site that got past the content type (it cannot without a preflight, but a bug in a browser
    or an extension might) is still refused by its Origin; the dashboard's own origin and tools without one write."""
    event = {"id": "o-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5}
    with doors.api_client(fresh_company) as api:
        for origin in ("http://evil.example", "null", "http://127.0.0.1:9999", "https://127.0.0.1:8000"):
            answer = api.post("/v1/events/cost", json=event, headers={"origin": origin})
            assert answer.status_code == 403, (origin, answer.text)
            assert answer.json()["error"]["field"] == "origin"
        assert api.post("/v1/events/cost", json=event, headers={"origin": "http://127.0.0.1:8000"}).json()[
            "accepted"] == 1
        assert api.post("/v1/events/cost", json=event).json()["duplicates"] == 1
        assert api.get("/v1/run-rate", headers={"origin": "http://evil.example"}).status_code == 200  # reads: CORS


def test_a_configured_origin_may_write(doors, tmp_path) -> None:
    event = {"id": "o-2", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5}
    vault = doors.copy_company(tmp_path)
    with doors.api_client(doors.opener(vault), allowed_origins=["https://tools.example.com/"]) as api:
        assert api.post("/v1/events/cost", json=event, headers={"origin": "https://tools.example.com"}).json()[
            "accepted"] == 1
        assert api.post("/v1/events/cost", json=event,
                        headers={"origin": "https://other.example.com"}).status_code == 403


def test_every_route_refuses_a_host_name_it_does_not_answer_to(doors, tmp_path) -> None:
    """DNS rebinding: evil.example resolving to 127.0.0.1 makes the browser send `Host: evil.example`; reads,
    writes, the dashboard and /mcp all refuse it (421), and answer the names they are reached by."""
    event = {"id": "h-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5}
    vault = doors.copy_company(tmp_path)
    with doors.api_client(doors.opener(vault), base_url="http://evil.example:8000") as api:
        for method, path in (("GET", "/v1/run-rate"), ("GET", "/"), ("GET", "/v1/nodes"), ("POST", "/mcp"),
                             ("POST", "/v1/events/cost")):
            answer = api.request(method, path, json=event)
            assert answer.status_code == 421, (method, path, answer.text)
        for name in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
            assert api.get("/v1/run-rate", headers={"host": name}).status_code == 200, name
        assert api.post("/v1/events/cost", json=event, headers={"host": "localhost:8000"}).json()["accepted"] == 1
    with doors.api_client(doors.opener(vault), base_url="http://orgmap.internal:8000",
                          allowed_hosts=["orgmap.internal"]) as api:
        assert api.get("/v1/run-rate").status_code == 200


def test_numeric_ids_beyond_64_bits_keep_every_digit(doors, fresh_company) -> None:
    """An id may be a number (it is stored as its digits): two ids differing past a float's precision are two
    events, each stored under the id a JSONL import of the same event would give it."""
    ids = [123456789012345678901234567890, 123456789012345678901234567891]
    batch = [{"id": i, "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5} for i in ids]
    with doors.api_client(fresh_company) as api:
        answer = IngestAnswer.model_validate(api.post("/v1/events/cost", json=batch).json())
    assert [(i.status, i.id) for i in answer.items] == [("stored", str(i)) for i in ids]


def test_a_body_saved_with_a_utf8_byte_order_mark_is_read(doors, fresh_company) -> None:
    """A JSON file written by Notepad or PowerShell starts with a BOM; posted as it is (curl --data-binary @file),
    it was read before the routes parsed their own bodies (RFC 8259 lets a parser ignore it), and still is."""
    body = '\ufeff{"id": "bom-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5}'.encode()
    with doors.api_client(fresh_company) as api:
        answer = api.post("/v1/events/cost", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1


def test_a_time_no_datetime_can_hold_in_utc_is_rejected_and_cannot_break_the_reads(doors, fresh_company) -> None:
    """9999-12-31T23:59:59-05:00 is a valid ISO string but year 10000 in UTC: once stored, every read of the changes
    failed with a 500. It is rejected by its field; the good event of the same batch is kept."""
    far = "9999-12-31T23:59:59-05:00"
    costs = [{"id": "far-1", "ts": far, "agent": "support-bot", "cost_usd": 1},
             {"id": "near-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 1}]
    changes = [{"ts": far, "target": "Support Reply Agent", "kind": "deploy", "summary": "far"},
               {"ts": "0001-01-01T00:00:00+05:00", "target": "Support Reply Agent", "kind": "deploy", "summary": "x"},
               {"ts": "2026-03-02T09:00:00Z", "target": "Support Reply Agent", "kind": "deploy", "summary": "near"}]
    with doors.api_client(fresh_company) as api:
        cost = api.post("/v1/events/cost", json=costs).json()
        change = api.post("/v1/events/change", json=changes).json()
        listed = api.get("/v1/changes")
    assert (cost["accepted"], [(r["row"], r["field"]) for r in cost["rejected"]]) == (1, [(1, "ts")])
    assert (change["accepted"], [(r["row"], r["field"]) for r in change["rejected"]]) == (1, [(1, "ts"), (2, "ts")])
    assert listed.status_code == 200 and [c["summary"] for c in listed.json()["items"]] == ["near"]


def test_a_body_nested_too_deeply_to_parse_is_a_422_not_a_500(doors, tmp_path) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    with doors.api_client(doors.opener(doors.copy_company(tmp_path))) as api:
        for route in ("/v1/events/cost", "/v1/events/change"):
            answer = api.post(route, content=body, headers={"content-type": "application/json"})
            assert (answer.status_code, answer.json()["error"]["field"]) == (422, "body")


def test_a_cost_too_large_to_sum_is_rejected_by_its_field_and_the_totals_stay_numbers(doors, fresh_company) -> None:
    """Two events of $1e308 were stored, after which every total was inf: `$inf` in text, null in JSON, for good. A
    cost has an upper bound per event (docs/events.md): such an event is rejected naming `cost_usd`, the good one of
    the batch is kept, and the totals are its own."""
    huge = {"ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 1e308}
    costs = [{**huge, "id": "huge-1"}, {**huge, "id": "huge-2"},
             {"id": "fine-1", "ts": "2026-03-02T10:05:00Z", "agent": "support-bot", "cost_usd": 1.5}]
    with doors.api_client(fresh_company) as api:
        answer = api.post("/v1/events/cost", json=costs).json()
        rate = api.get("/v1/run-rate", params={"window": "1d"}).json()
    rejected = [(r["row"], r["field"]) for r in answer["rejected"]]
    assert (answer["accepted"], rejected) == (1, [(1, "cost_usd"), (2, "cost_usd")])
    assert answer["rejected"][0]["message"] == "1e+308 is more than $1,000,000 in one call"
    assert answer["total_cost_usd"] == 1.5 and rate["total_cost_per_day"] == 1.5
