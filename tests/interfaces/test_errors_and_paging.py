"""Every error path through both doors (a 404/422 naming the field, a tool error a model can act on), paging that
walks whole lists, and answers small enough for a model's context."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from mcp_server.tools import PAGE
from tests.interfaces.conftest import on_both_stores


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    return response.json()["error"]


@pytest.mark.parametrize(("path", "tool", "arguments", "field"), [
    ("/v1/nodes/Suport Reply Agnt", "describe_node", {"name": "Suport Reply Agnt"}, "name"),
    ("/v1/nodes/Suport Reply Agnt/owners", "who_owns", {"name": "Suport Reply Agnt"}, "name"),
    ("/v1/agents/Suport Reply Agnt/spend", "agent_cost", {"agent": "Suport Reply Agnt"}, "agent"),
    ("/v1/owners/Platfrom Team/portfolio", "owner_portfolio", {"owner": "Platfrom Team"}, "owner"),
])
def test_unknown_names_come_back_with_close_matches(api, mcp, path, tool, arguments, field) -> None:
    error = error_of(api.get(quote(path)), 404)
    assert error["field"] == field
    assert error["suggestions"], "a near miss must suggest the note it probably meant"
    assert any("Support Reply Agent" in s or "Platform Team" in s for s in error["suggestions"])
    with pytest.raises(mcp.Failed) as failed:
        mcp.call(tool, **arguments)
    for suggestion in error["suggestions"]:
        assert suggestion in str(failed.value)


@pytest.mark.parametrize(("path", "query", "tool", "arguments", "field", "says"), [
    ("/v1/run-rate", {"window": "a week"}, "top_spenders", {"window": "a week"}, "window", "7d"),
    ("/v1/run-rate", {"window": "0d"}, "top_spenders", {"window": "0d"}, "window", "7d"),
    ("/v1/run-rate", {"window": "30m"}, "top_spenders", {"window": "30m"}, "window", "1h to 3650d"),
    ("/v1/run-rate", {"window": "99999999999d"}, "top_spenders", {"window": "99999999999d"}, "window", "7d"),
    ("/v1/nodes/Zendesk/dependents", {"window": "4000d"}, "what_depends_on", {"name": "Zendesk", "window": "4000d"},
     "window", "1h to 3650d"),
    ("/v1/changes", {"cursor": "abc"}, "recent_changes", {"cursor": "abc"}, "cursor", "not one"),
    ("/v1/run-rate", {"by": "colour"}, "top_spenders", {"by": "colour"}, "by", "owner"),
    ("/v1/nodes/Vector Store/dependents", {"depth": 9}, "what_depends_on", {"name": "Vector Store", "depth": 9},
     "depth", "between 1 and 6"),
    ("/v1/nodes/Vector Store/dependencies", {"depth": 0}, "dependencies_of", {"name": "Vector Store", "depth": 0},
     "depth", "between 1 and 6"),
    ("/v1/agents/pr-reviewer/spend", {"bucket": "week"}, "agent_cost", {"agent": "pr-reviewer", "bucket": "week"},
     "bucket", "hour"),
    ("/v1/changes", {"since": "yesterday"}, "recent_changes", {"window": "yesterday"}, "since", "7d"),
    ("/v1/run-rate", {"cursor": "Zm9yZ2Vk"}, "top_spenders", {"cursor": "Zm9yZ2Vk"}, "cursor", "not one"),
    ("/v1/nodes", {"cursor": "!!!"}, "find_nodes", {"cursor": "!!!"}, "cursor", "not one"),
    ("/v1/runs", {"cursor": "bzotNQ"}, "expensive_runs", {"cursor": "bzotNQ"}, "cursor", "not one"),
])
def test_bad_arguments_name_the_field(api, mcp, path, query, tool, arguments, field, says) -> None:
    error = error_of(api.get(quote(path), params=query), 422)
    assert error["field"] == field
    assert says in error["message"]
    with pytest.raises(mcp.Failed, match=says):
        mcp.call(tool, **arguments)


NUL = "is not valid text: it holds a NUL character"
SURROGATE = "is not valid text: it holds a lone UTF-16 surrogate"


@on_both_stores
@pytest.mark.parametrize(("path", "query", "tool", "arguments", "field", "says"), [
    ("/v1/agents/support-bot/allowance", {"run_id": "run-1\x00"}, "check_allowance",
     {"agent": "support-bot", "run_id": "run-1\x00"}, "run_id", NUL),
    ("/v1/agents/support-bot/allowance", {"project": "acme\x00"}, "check_allowance",
     {"agent": "support-bot", "project": "acme\x00"}, "project", NUL),
    ("/v1/agents/support-bot/allowance", {"client": "\x00"}, "check_allowance",
     {"agent": "support-bot", "client": "\x00"}, "client", NUL),
    ("/v1/changes", {"kind": "deploy\x00"}, "recent_changes", {"kind": "deploy\x00"}, "kind", NUL),
    ("/v1/changes", {"cursor": "1772445600000000:chg\x00"}, "recent_changes",
     {"cursor": "1772445600000000:chg\x00"}, "cursor", NUL),
    ("/v1/spend/series", {"project": "acme\x00"}, None, None, "project", NUL),
    ("/v1/spend/series", {"client": "Acme\x00Corp"}, None, None, "client", NUL),
    ("/v1/run-rate", {"model": "gpt-4o\x00"}, "top_spenders", {"model": "gpt-4o\x00"}, "model", NUL),
    (None, None, "check_allowance", {"agent": "support-bot", "run_id": "run-\ud800"}, "run_id", SURROGATE),
    (None, None, "recent_changes", {"kind": "\udfff"}, "kind", SURROGATE),
], ids=["run_id", "project", "client", "kind", "cursor", "series project", "series client", "run-rate model",
        "mcp run_id", "mcp kind"])
def test_text_no_store_can_look_up_is_refused_by_its_field(api, mcp, path, query, tool, arguments, field,
                                                           says) -> None:
    """PostgreSQL refuses a NUL character anywhere in a query (a 500 it was, on that store only), and UTF-8 holds
    no lone surrogate (JSON, so MCP, can carry one; a URL cannot): such an argument is a 422 naming its field, on
    both stores, through both doors. No stored text holds either, so nothing it could have matched is lost."""
    if path is not None:
        error = error_of(api.get(path, params=query), 422)
        assert (error["field"], says in error["message"]) == (field, True), error
    if tool is not None:
        with pytest.raises(mcp.Failed, match=f"{field} {says}"):
            mcp.call(tool, **arguments)


@on_both_stores
def test_an_anomaly_note_no_store_can_keep_is_refused_and_the_state_kept(api, mcp) -> None:
    [anomaly] = api.get("/v1/anomalies", params={"since": "21d", "limit": 1}).json()["items"]
    route = f"/v1/anomalies/{quote(anomaly['id'], safe='')}/state"
    error = error_of(api.post(route, json={"state": "acknowledged", "note": "seen\x00"}), 422)
    assert error["field"] == "note" and NUL in error["message"]
    with pytest.raises(mcp.Failed, match=f"note {SURROGATE}"):
        mcp.call("set_anomaly_state", anomaly_id=anomaly["id"], state="acknowledged", note="seen \ud800")
    [again] = api.get("/v1/anomalies", params={"since": "21d", "limit": 1}).json()["items"]
    assert (again["id"], again["state"]) == (anomaly["id"], anomaly["state"])


def test_a_bad_event_in_a_batch_is_rejected_by_row_and_field_and_the_good_ones_kept(doors, fresh_company) -> None:
    batch = [
        {"id": "ok-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 0.5},
        {"id": "bad-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "input_tokens": -3},
        {"id": "bad-2", "agent": "support-bot", "cost_usd": 1},
        {"id": "ok-2", "ts": "2026-03-02T11:00:00Z", "agent": "pr-reviewer", "cost_usd": 0.25},
    ]
    with doors.api_client(fresh_company) as api, doors.mcp_in_memory(fresh_company) as mcp:
        report = api.post("/v1/events/cost", json=batch).json()
        assert report["accepted"] == 2
        assert [(r["row"], r["field"]) for r in report["rejected"]] == [(2, "input_tokens"), (3, "ts")]
        assert report["total_cost_usd"] == 0.75
        rate = api.get("/v1/run-rate", params={"window": "1d"}).json()
        assert rate["total_cost_per_day"] == 0.75
        # the same bad rows through MCP: rejected the same way, nothing stored twice
        again = mcp.call("record_cost_events", events=batch)
        assert (again["accepted"], again["duplicates"]) == (0, 2)
        assert [(r["row"], r["field"]) for r in again["rejected"]] == [(2, "input_tokens"), (3, "ts")]
        bad_change = api.post("/v1/events/change", json=[{"ts": "2026-03-02T09:00:00Z", "kind": "deploy",
                                                         "summary": "no target"}]).json()
        assert [(r["row"], r["field"]) for r in bad_change["rejected"]] == [(1, "target")]


@pytest.mark.parametrize(("body", "field"), [
    ("just text", "body"),
    (42, "body"),
    ([{"ts": "2026-03-02T10:00:00Z", "agent": "a", "cost_usd": 1}, 7], "body[1]"),
])
def test_a_body_that_is_not_an_object_or_a_list_of_objects_is_a_422(api, body, field) -> None:
    for route in ("/v1/events/cost", "/v1/events/change"):
        error = error_of(api.post(route, json=body), 422)
        assert error["field"] == field
        assert "object" in error["message"]
    error = error_of(api.post("/v1/events/cost", content=b"{not json", headers={"content-type": "application/json"}),
                     422)
    assert error["field"] == "body"


def test_mcp_rejects_events_that_are_not_a_list(mcp) -> None:
    with pytest.raises(mcp.Failed, match="events"):
        mcp.call("record_cost_events", events="not a list")


@on_both_stores
@pytest.mark.parametrize(("path", "tool"), [("/v1/nodes", "find_nodes"), ("/v1/run-rate", "top_spenders"),
                                            ("/v1/runs?since=3d", "expensive_runs")])
def test_cursors_walk_the_whole_list_without_overlap_or_gaps(api, mcp, path, tool) -> None:
    path, _, query = path.partition("?")
    params = dict(p.split("=") for p in query.split("&") if p)
    everything = api.get(path, params={**params, "limit": 500}).json()
    assert everything["next_cursor"] is None
    expected = [json.dumps(i, sort_keys=True) for i in everything["items"]]
    assert len(expected) > PAGE[tool], "the list must span pages"
    seen: list[str] = []
    cursor = None
    for _ in range(len(expected)):
        answer = api.get(path, params={**params, "limit": PAGE[tool], **({"cursor": cursor} if cursor else {})}).json()
        assert answer == mcp.call(tool, **({"window": "3d"} if tool == "expensive_runs" else {}),
                                  **({"cursor": cursor} if cursor else {}))
        seen += [json.dumps(i, sort_keys=True) for i in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_a_cursor_past_the_end_gives_an_empty_last_page(api) -> None:
    first = api.get("/v1/nodes", params={"limit": 2}).json()
    total = first["total"]
    from orgmap.paging import encode_cursor

    answer = api.get("/v1/nodes", params={"limit": 2, "cursor": encode_cursor(total + 10)}).json()
    assert (answer["items"], answer["next_cursor"]) == ([], None)


SIZE_CALLS = [
    ("who_owns", {"name": "Support Reply Agent"}),
    ("what_depends_on", {"name": "claude-haiku-4-5"}),
    ("dependencies_of", {"name": "Support Reply Agent"}),
    ("describe_node", {"name": "Platform Team"}),
    ("describe_node", {"name": "Support Reply Agent"}),
    ("find_nodes", {}),
    ("owner_portfolio", {"owner": "Platform Team"}),
    ("agent_cost", {"agent": "Code Review Agent"}),
    ("top_spenders", {}),
    ("budget_status", {}),
    ("check_allowance", {"agent": "Support Reply Agent"}),
    ("paused_agents", {}),
    ("unattributed_spend", {}),
    ("recent_changes", {}),
    ("expensive_runs", {}),
    ("recent_alerts", {}),
    ("vault_problems", {}),
    ("anomalies", {"window": "21d"}),
    ("explain_cost_change", {"agent": "Code Review Agent", "window": "21d"}),
    ("costs", {"period": "2026-02"}),
    ("costs", {"period": "2026-02", "by": "model"}),
    ("costs", {"period": "2026-02", "reconcile": True}),
]


def test_each_tools_default_answer_fits_in_about_2000_tokens(mcp) -> None:
    assert {tool for tool, _ in SIZE_CALLS} | {"record_cost_events", "record_change", "set_anomaly_state"} == {
        t.name for t in mcp.tools()}
    sizes = {f"{tool}{arguments}": len(mcp.text(tool, **arguments).encode()) / 4 for tool, arguments in SIZE_CALLS}
    too_big = {call: size for call, size in sizes.items() if size > 2000}
    assert not too_big, f"answers over ~2,000 tokens (bytes/4): {too_big}"


@on_both_stores
@pytest.mark.parametrize(("anomaly_id", "state", "status", "field", "says"), [
    ("Agents/Code Review Agent@2020-01-01T00:00Z", "acknowledged", 404, "id", "no anomaly named"),
    ("Agents/Code Review Agent@2020-01-01T00:00Z", "done", 422, "state", "resolved_expected"),
    ("Nobody@2020-01-01T00:00Z", "acknowledged", 404, "id", "no agent named 'Nobody'"),
])
def test_setting_an_anomaly_state_fails_the_same_way_through_both_doors(api, mcp, anomaly_id, state, status, field,
                                                                       says) -> None:
    error = error_of(api.post(f"/v1/anomalies/{quote(anomaly_id)}/state", json={"state": state}), status)
    assert error["field"] == field
    assert says in error["message"]
    with pytest.raises(mcp.Failed, match=says):
        mcp.call("set_anomaly_state", anomaly_id=anomaly_id, state=state)


def test_an_agents_anomalies_answer_by_node_id_as_by_name(api) -> None:
    by_id = api.get(quote("/v1/agents/Agents/Code Review Agent/anomalies"), params={"since": "21d"})
    by_name = api.get(quote("/v1/agents/Code Review Agent/anomalies"), params={"since": "21d"})
    assert by_id.status_code == by_name.status_code == 200
    assert by_id.json() == by_name.json()


def test_a_binary_note_is_not_served_as_markdown(doors, tmp_path) -> None:
    """`check` calls it unreadable; the markdown route and the note resource refuse it rather than serve mojibake."""
    vault = doors.copy_company(tmp_path)
    (vault / "Agents" / "Blob Agent.md").write_bytes(b"---\ntype: agent\n---\n\x00\xff\xfe binary")
    with doors.api_client(doors.opener(vault)) as api:
        answer = api.get("/v1/nodes/Blob Agent/markdown")
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == "name"
        assert "not a text note" in answer.json()["error"]["message"]
        assert api.get("/v1/nodes/Refund Agent/markdown").status_code == 200
