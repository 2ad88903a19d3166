"""The live receivers over real HTTP: OTLP/HTTP spans from the official exporter, and LiteLLM's callback."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from orgmap.service import Service

EXAMPLE = Path(__file__).resolve().parents[2] / "orgmap" / "demo" / "vault"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, doors, module_store_for) -> Iterator[tuple[str, Path]]:
    vault = tmp_path_factory.mktemp("receivers") / "vault"
    shutil.copytree(EXAMPLE, vault)
    db = module_store_for(vault)
    with doors.live_server(create_app(lambda: Service.open(vault, db=db, clock=lambda: NOW))) as base:
        yield base, vault


def _spend(base: str, agent: str) -> dict:
    return httpx.get(f"{base}/v1/nodes/{agent}").json()["spend"]


def test_official_otlp_exporter_span_becomes_a_cost_event(server: tuple[str, Path]) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    base, _ = server
    provider = TracerProvider(resource=Resource.create({"service.name": "some-service"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{base}/v1/traces")))
    tracer = provider.get_tracer("test")
    start = int(datetime(2026, 11, 20, 9, tzinfo=UTC).timestamp() * 1e9)
    span = tracer.start_span("chat gpt-4o-mini", start_time=start, attributes={
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.agent.name": "Docs Assistant", "gen_ai.usage.input_tokens": 1_000_000,
        "gen_ai.usage.output_tokens": 100_000})
    span.end(end_time=start + 2_000_000_000)
    provider.shutdown()
    # gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    answer = httpx.get(f"{base}/v1/agents/Docs Assistant/spend", params={"window": "1d", "bucket": "day"}).json()
    assert answer["total_cost_usd"] == pytest.approx(0.15 + 0.06, abs=1e-6)


def test_otlp_json_with_a_bad_span_reports_partial_success(server: tuple[str, Path]) -> None:
    base, _ = server
    body = {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "docs-assistant"}}]},
        "scopeSpans": [{"spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "chat",
            "startTimeUnixNano": "not-a-time", "endTimeUnixNano": "1763629200000000000",
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                           {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "10"}}]}]}]}]}
    response = httpx.post(f"{base}/v1/traces", json=body)
    assert response.status_code == 200
    assert response.json()["partialSuccess"]["rejectedSpans"] == 1


def test_litellm_callback_is_attributed_and_idempotent(server: tuple[str, Path]) -> None:
    base, _ = server
    payload = {"id": "chatcmpl-litellm-1", "call_type": "acompletion", "model": "gpt-4o-mini",
               "custom_llm_provider": "openai", "response_cost": 0.25, "prompt_tokens": 1200,
               "completion_tokens": 80, "startTime": datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp(),
               "endTime": datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp() + 1, "status": "success",
               "metadata": {"user_api_key_alias": "sql-analyst"}}
    first = httpx.post(f"{base}/v1/litellm", json=payload).json()
    again = httpx.post(f"{base}/v1/litellm", json=[payload]).json()
    assert (first["accepted"], again["accepted"], again["duplicates"]) == (1, 0, 1)
    assert first["total_cost_usd"] == pytest.approx(0.25)


def _otlp_span(**fields: object) -> dict:
    """One GenAI chat span of the Docs Assistant with 10 input tokens, `fields` replacing its own."""
    return {"traceId": "5b8efff798038103d269b633813fc60d", "spanId": "eee19b7ec3c1b175", "name": "chat",
            "startTimeUnixNano": "1763629200000000000",
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                           {"key": "gen_ai.agent.name", "value": {"stringValue": "Docs Assistant"}},
                           {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "10"}}], **fields}


@pytest.mark.parametrize(("resource_spans", "field"), [
    ([1, "x"], "resourceSpans"),
    ([{"resource": "svc", "scopeSpans": []}], "resource"),
    ([{"scopeSpans": [{"spans": [_otlp_span(attributes=["x", 1])]}]}], "attributes"),
    ([{"scopeSpans": [{"spans": [_otlp_span(attributes=[
        {"key": "tokens", "value": {"intValue": "ten"}}])]}]}], "attributes.tokens"),
    ([{"scopeSpans": [{"spans": [_otlp_span(attributes=[
        {"key": "tags", "value": {"arrayValue": [1]}}])]}]}], "attributes.tags"),
    ([{"scopeSpans": [{"spans": [_otlp_span(startTimeUnixNano="9" * 30)]}]}], "startTimeUnixNano"),
    ([{"scopeSpans": [{"spans": [_otlp_span(endTimeUnixNano="soon")]}]}], "endTimeUnixNano"),
])
def test_malformed_otlp_is_rejected_by_field_not_a_500(server: tuple[str, Path], resource_spans: list,
                                                        field: str) -> None:
    base, _ = server
    response = httpx.post(f"{base}/v1/traces", json={"resourceSpans": resource_spans})
    assert response.status_code == 200
    assert response.json()["partialSuccess"]["errorMessage"].startswith(f"{field}: ")


def test_an_otlp_file_with_a_malformed_line_keeps_its_other_lines(tmp_path: Path) -> None:
    good = {"resourceSpans": [{"scopeSpans": [{"spans": [_otlp_span()]}]}]}
    bad = {"resourceSpans": [{"scopeSpans": [{"spans": [_otlp_span(spanId="eee19b7ec3c1b176", attributes=[
        {"key": "n", "value": {"doubleValue": "x"}}])]}]}]}
    path = tmp_path / "traces.jsonl"
    path.write_text(f"{json.dumps(bad)}\n{json.dumps(good)}\n")
    (tmp_path / "vault").mkdir()
    with Service.open(tmp_path / "vault") as service:
        summary = service.import_files([path], format="otel")
    assert summary.cost.accepted == 1
    assert summary.rejected() == [f"{path}:1: attributes.n: doubleValue is not a number: 'x'"]


def test_a_litellm_start_time_beyond_year_9999_in_utc_is_rejected_not_a_500(server: tuple[str, Path]) -> None:
    base, _ = server
    payload = {"id": "chatcmpl-far", "response_cost": 0.1, "startTime": "9999-12-31T23:59:59-05:00",
               "metadata": {"user_api_key_alias": "sql-analyst"}}
    answer = httpx.post(f"{base}/v1/litellm", json=payload)
    assert answer.status_code == 200
    assert answer.json()["rejected"][0]["field"] == "startTime"


@pytest.mark.parametrize("route", ["/v1/traces", "/v1/litellm", "/v1/events/cost", "/v1/events/change"])
@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_past_the_limit_is_a_413_on_every_route(server: tuple[str, Path], route: str, chunked: bool) -> None:
    """The 32 MiB limit held only for /v1/traces: /v1/litellm and the event routes read any size whole."""
    from api.limits import MAX_BODY

    base, _ = server
    body = b"[" + b" " * MAX_BODY + b"]"
    content = (body[i:i + 2**20] for i in range(0, len(body), 2**20)) if chunked else body
    answer = httpx.post(f"{base}{route}", content=content, headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()["error"]["field"]) == (413, "body")


@pytest.mark.parametrize(("body", "content_type", "status", "field"), [
    (b"{not json", "application/json", 400, "body"),
    (b"\xff\xfe\x00", "application/x-protobuf", 400, "body"),
    (b"\x1f\x8bnot gzip", "application/json", 400, "body"),
    (b"{}", "text/plain", 415, "content-type"),
])
def test_an_otlp_body_that_cannot_be_decoded_is_a_4xx(server: tuple[str, Path], body: bytes, content_type: str,
                                                      status: int, field: str) -> None:
    """OTLP/HTTP says a request whose data cannot be decoded gets 400 Bad Request; it was a 200 'partial success'."""
    base, _ = server
    answer = httpx.post(f"{base}/v1/traces", content=body, headers={"content-type": content_type})
    assert (answer.status_code, answer.json()["error"]["field"]) == (status, field)


@pytest.mark.parametrize("body", [gzip.compress(b'{"id": "x"}'), b"[" * 100_000 + b"]" * 100_000],
                         ids=["gzip", "deep"])
def test_a_litellm_body_fastapi_cannot_parse_gets_our_error_shape(server: tuple[str, Path], body: bytes) -> None:
    """A gzip or too deeply nested body got FastAPI's bare `{"detail": ...}`, unlike every other error."""
    base, _ = server
    answer = httpx.post(f"{base}/v1/litellm", content=body, headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()["error"]["field"]) == (400, "body")
