"""OpenTelemetry GenAI spans: OTLP JSON lines files and live OTLP/HTTP bodies, JSON and protobuf."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from importers import otel
from importers.base import RowError
from importers.file_rows import records

T1 = "5b8efff798038103d269b633813fc60c"


def _read(path: Path) -> list:
    return list(otel.events(records(path), str(path)))


def test_sample_file_gives_one_event_per_billable_span(data: Path, valid) -> None:
    out = _read(data / "otel_traces.jsonl")
    events = [e for e in out if isinstance(e, dict)]
    errors = [e for e in out if isinstance(e, RowError)]
    for event in events:
        valid(event)
    # the invoke_agent wrappers without usage, or whose children carry usage, and the HTTP span are skipped
    assert [e["id"].split(":")[-1] for e in events] == [
        "0000000000000a02", "0000000000000a03", "eee19b7ec3c1b174", "00000000000c0002", "00000000000c0003",
        "00000000000d0001",
    ]
    # tokens by hand: 1500 + 800 + 5000 + 700 + 2000 in, 400 + 120 + 200 + 50 out
    assert sum(e.get("input_tokens", 0) for e in events) == 10_000
    assert sum(e.get("output_tokens", 0) for e in events) == 770
    assert len(errors) == 1 and errors[0].line == 5 and "truncated" in errors[0].message


def test_chat_span_carries_agent_from_its_invoke_agent_ancestor(data: Path) -> None:
    chat = _read(data / "otel_traces.jsonl")[0]
    assert chat == {
        "id": f"otel:{T1}:0000000000000a02",
        "ts": "2024-11-01T00:00:00+00:00",
        "agent": "Support Agent",
        "kind": "llm",
        "model": "claude-sonnet-4-5-20250929",  # the response model wins over the requested one
        "provider": "anthropic",
        "input_tokens": 1500,
        "output_tokens": 400,
        "cache_read_tokens": 1000,
        "cache_write_tokens": 200,
        "reasoning_tokens": 150,
        "run_id": T1,
        "duration_ms": 2500.0,
        "status": "ok",
        "source": "otel",
        "attributes": {
            "operation": "chat",
            "span_name": "chat claude-sonnet-4-5",
            "agent_id": "asst_support_1",
            "conversation_id": "conv-42",
            "service": "support-svc",
        },
    }


def test_tool_span_and_older_attribute_names(data: Path) -> None:
    out = _read(data / "otel_traces.jsonl")
    tool, legacy = out[1], out[2]
    assert (tool["kind"], tool["tool"], tool["agent"]) == ("tool", "zendesk.search", "Support Agent")
    assert tool["run_id"] == T1
    assert "input_tokens" not in tool
    # base64 ids, gen_ai.system, prompt/completion tokens as a number and as a string, error status
    assert legacy["id"] == f"otel:{T1}:eee19b7ec3c1b174"
    assert (legacy["agent"], legacy["provider"], legacy["model"]) == ("billing-bot", "openai", "gpt-4o")
    assert (legacy["input_tokens"], legacy["output_tokens"], legacy["status"]) == (800, 120, "error")


def _traces(*spans: dict, service: str = "svc") -> dict:
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": list(spans)}]}]}


def _span(span_id: str, **attrs: object) -> dict:
    def value(v: object) -> dict:
        return {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}

    return {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": span_id,
        "name": "chat",
        "startTimeUnixNano": "1730419200000000000",
        "endTimeUnixNano": "1730419201000000000",
        "attributes": [{"key": k, "value": value(v)} for k, v in attrs.items()],
    }


def test_input_that_excludes_cache_is_made_to_include_it() -> None:
    body = _traces(_span("00f067aa0ba902b7", **{
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.input_tokens": 50,
        "gen_ai.usage.cache_read.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 10,
    }))
    [event] = otel.events_from_otlp(json.dumps(body).encode(), "application/json; charset=utf-8")
    assert (event["input_tokens"], event["cache_read_tokens"]) == (1050, 1000)


def test_a_bad_span_is_reported_and_its_neighbours_kept() -> None:
    good = _span("00f067aa0ba902b7", **{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 5})
    bad_id = {**_span("xyz", **{"gen_ai.operation.name": "chat"})}
    bad_tokens = _span("00f067aa0ba902b8", **{"gen_ai.operation.name": "chat", "gen_ai.usage.output_tokens": -3})
    out = otel.events_from_traces_data(_traces(good, bad_tokens), "f.jsonl", 7)
    assert out[0]["input_tokens"] == 5
    message = "span 00f067aa0ba902b8: negative token count: -3"
    assert out[1] == RowError("f.jsonl", 7, "gen_ai.usage.output_tokens", message)
    [error] = otel.events_from_traces_data(_traces(good, bad_id), "f.jsonl", 8)
    assert (error.line, error.field) == (8, "spanId")  # an unreadable id spoils the batch's tree: nothing half-read


def test_live_bodies_that_are_not_traces() -> None:
    [wrong] = otel.events_from_otlp(b'{"resourceMetrics": []}', "application/json")
    assert wrong.field == "resourceSpans"
    [media] = otel.events_from_otlp(b"x", "text/plain")
    assert media.field == "content-type"
    [broken] = otel.events_from_otlp(b"\x0a\xff\xff", "application/x-protobuf")
    assert broken.field == "body" and "protobuf" in broken.message


class _Capture(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[tuple[bytes, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).bodies.append((body, self.headers["Content-Type"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[bytes, str]]]]:
    _Capture.bodies = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces", _Capture.bodies
    server.shutdown()
    server.server_close()


def test_protobuf_from_the_official_exporter(collector) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    endpoint, bodies = collector
    provider = TracerProvider(resource=Resource.create({"service.name": "pb-svc"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("chat gpt-4o-mini") as span:
        span.set_attributes({
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.agent.name": "Refund Agent",
            "gen_ai.usage.input_tokens": 1234,
            "gen_ai.usage.output_tokens": 56,
            "gen_ai.usage.cache_read.input_tokens": 1024,
        })
        context = span.get_span_context()
    provider.shutdown()
    [(body, content_type)] = bodies
    assert content_type == "application/x-protobuf"
    [event] = otel.events_from_otlp(body, content_type)
    trace_id, span_id = f"{context.trace_id:032x}", f"{context.span_id:016x}"
    assert event["id"] == f"otel:{trace_id}:{span_id}" and event["run_id"] == trace_id
    assert (event["agent"], event["model"], event["provider"]) == ("Refund Agent", "gpt-4o-mini", "openai")
    assert (event["input_tokens"], event["output_tokens"], event["cache_read_tokens"]) == (1234, 56, 1024)
    assert event["attributes"]["service"] == "pb-svc"


def test_a_wrapper_with_usage_in_the_same_batch_as_its_children_is_not_counted_twice() -> None:
    wrapper = _span("00000000000000a1", **{
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Planner", "gen_ai.usage.input_tokens": 900,
    })
    tool = _span("00000000000000a2", **{"gen_ai.operation.name": "execute_tool"})
    tool["parentSpanId"] = "00000000000000a1"
    chat = {**_span("00000000000000a3", **{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 900}),
            "parentSpanId": "00000000000000a2"}
    out = otel.events_from_traces_data(_traces(wrapper, tool, chat), "f", 1)
    found = [(e["id"][-2:], e["agent"], e.get("input_tokens")) for e in out]
    assert found == [("a2", "Planner", None), ("a3", "Planner", 900)]


def test_a_live_json_body_is_one_export_object_and_an_empty_one_is_no_spans() -> None:
    """OTLP/HTTP JSON: `{}` is an empty export (proto3 JSON leaves empty lists out); a list or a string is no export
    at all, which the receiver answers with a 400."""
    assert otel.events_from_otlp(b"{}", "application/json") == []
    for body in (b"[null, null]", b'"spans"', b"3"):
        [wrong] = otel.events_from_otlp(body, "application/json")
        assert wrong.field == "body" and "ExportTraceServiceRequest" in wrong.message
