"""The live receivers over real HTTP: OTLP/HTTP spans from the official exporter, and LiteLLM's callback."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from orgmap.service import Service

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "company"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, doors) -> Iterator[tuple[str, Path]]:
    vault = tmp_path_factory.mktemp("receivers") / "vault"
    shutil.copytree(EXAMPLE, vault)
    with doors.live_server(create_app(lambda: Service.open(vault, clock=lambda: NOW))) as base:
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
