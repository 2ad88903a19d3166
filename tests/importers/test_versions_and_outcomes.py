"""What an agent ran as (agent_version, deploy_id, prompt_hash, tools_hash) and outcome events, as each importer reads
them from its source (docs/events.md)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import importers
from importers import litellm, otel
from importers.langfuse import convert
from tests.importers.test_otel import _span, _traces


def _with_resource(body: dict, **attrs: str) -> dict:
    body["resourceSpans"][0]["resource"]["attributes"] += [{"key": k, "value": {"stringValue": v}} for k, v in
                                                           attrs.items()]
    return body


CHAT = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5}


def test_otel_reads_the_agent_version_before_the_service_version_and_the_deploy_id(valid) -> None:
    body = _with_resource(_traces(_span("00f067aa0ba902b7", **CHAT, **{"gen_ai.agent.version": "2.0.1"}),
                                  _span("00f067aa0ba902b8", **CHAT)),
                          **{"service.version": "1.9", "deployment.id": "dep-42"})
    first, second = otel.events_from_otlp(json.dumps(body).encode(), "application/json")
    valid(first)
    assert (first["agent_version"], first["deploy_id"]) == ("2.0.1", "dep-42")
    assert (second["agent_version"], second["deploy_id"]) == ("1.9", "dep-42")  # the resource's service.version
    assert "prompt_hash" not in second and "tools_hash" not in second


def test_otel_takes_a_sent_hash_or_hashes_the_recorded_instructions_and_tool_definitions() -> None:
    instructions = "You answer refund questions."
    body = _traces(_span("00f067aa0ba902b7", **CHAT, **{"orgmap.prompt_hash": "p-77", "orgmap.tools_hash": "t-3"}),
                   _span("00f067aa0ba902b8", **CHAT, **{"gen_ai.system_instructions": instructions}))
    first, second = otel.events_from_otlp(json.dumps(body).encode(), "application/json")
    assert (first["prompt_hash"], first["tools_hash"]) == ("p-77", "t-3")
    assert second["prompt_hash"] == hashlib.sha256(instructions.encode()).hexdigest()[:16]


def test_otel_outcomes_from_span_events_and_from_a_span_attribute(valid) -> None:
    resolved = _span("00f067aa0ba902b9", **{"gen_ai.agent.name": "Support Agent"})
    resolved["events"] = [
        {"name": "orgmap.outcome", "timeUnixNano": "1730419200500000000",
         "attributes": [{"key": "orgmap.outcome.name", "value": {"stringValue": "ticket_resolved"}},
                        {"key": "orgmap.outcome.value_usd", "value": {"doubleValue": 12.5}}]},
        {"name": "log", "timeUnixNano": "1730419200600000000"},  # other span events are not outcomes
    ]
    reviewed = _span("00f067aa0ba902ba", **{"orgmap.outcome": "pr_reviewed"})
    out = otel.events_from_otlp(json.dumps(_traces(resolved, reviewed, service="reviewer")).encode(),
                                "application/json")
    assert out == [
        {"id": "otel:0af7651916cd43dd8448eb211c80319c:00f067aa0ba902b9:outcome:0", "kind": "outcome",
         "ts": "2024-11-01T00:00:00.500000+00:00", "agent": "Support Agent", "outcome": "ticket_resolved",
         "run_id": "0af7651916cd43dd8448eb211c80319c", "value_usd": 12.5, "source": "otel"},
        {"id": "otel:0af7651916cd43dd8448eb211c80319c:00f067aa0ba902ba:outcome:0", "kind": "outcome",
         "ts": "2024-11-01T00:00:01+00:00", "agent": "reviewer", "outcome": "pr_reviewed",  # when the span ended
         "run_id": "0af7651916cd43dd8448eb211c80319c", "source": "otel"},
    ]


def test_litellm_reads_the_versions_from_the_metadata_and_the_callers_own(data: Path) -> None:
    payload = json.loads((data / "litellm_payloads.json").read_text())[0]
    payload = copy.deepcopy(payload)
    payload["metadata"]["agent_version"] = "3.1"
    payload["metadata"]["requester_metadata"].update({"agent_version": "ignored", "prompt_hash": "ph-1",
                                                      "deploy_id": 7})
    [event] = litellm.events_from_litellm_payload(payload)
    assert (event["agent_version"], event["deploy_id"], event["prompt_hash"]) == ("3.1", "7", "ph-1")
    assert "tools_hash" not in event


def test_langfuse_reads_the_release_a_managed_prompt_and_the_metadata() -> None:
    row = {"id": "o1", "type": "GENERATION", "trace_name": "Support Agent", "start_time": "2025-01-02T03:04:05Z",
           "usage_details": {"input": 10, "output": 5}, "release": "v9", "prompt_name": "triage",
           "prompt_version": 4, "metadata": {"tools_hash": "tools-v2"}}
    [event] = convert(row, "f", 1)
    assert (event["agent_version"], event["prompt_hash"], event["tools_hash"]) == ("v9", "triage@4", "tools-v2")
    [bare] = convert({**row, "release": None, "prompt_name": None, "metadata": None}, "f", 1)
    assert not {"agent_version", "prompt_hash", "tools_hash"} & set(bare)


def test_a_generic_csv_carries_the_versions_and_outcome_rows(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("ts,agent,kind,model,cost_usd,agent_version,prompt_hash,outcome,value_usd,run_id,note\n"
                    "2026-03-01T10:00:00Z,bot,llm,gpt-4o,0.5,1.2.0,p9,,,r1,first\n"
                    "2026-03-01T10:05:00Z,bot,outcome,,,,,ticket_resolved,12.5,r1,closed fast\n", encoding="utf-8")
    cost, done = importers.read(path, "csv")
    assert (cost["agent_version"], cost["prompt_hash"], cost["attributes"]) == ("1.2.0", "p9", {"note": "first"})
    assert done == {"ts": "2026-03-01T10:05:00+00:00", "agent": "bot", "kind": "outcome", "outcome": "ticket_resolved",
                    "run_id": "r1", "value_usd": 12.5, "source": "csv"}
