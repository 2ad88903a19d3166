"""Live receivers for outside formats: OTLP/HTTP traces (OpenTelemetry GenAI spans) and LiteLLM's logging callback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.answers import Svc
from api.openapi import ERRORS, WRITE_ERRORS
from orgmap.answer_types import IngestAnswer

__all__ = ["router"]

router = APIRouter(responses={**ERRORS, **WRITE_ERRORS})

_OTLP = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "description": "ExportTraceServiceRequest, OTLP JSON"}},
    "application/x-protobuf": {"schema": {"type": "string", "format": "binary",
                                          "description": "ExportTraceServiceRequest, OTLP protobuf"}}}},
    "responses": {"200": {"description": "ExportTraceServiceResponse: empty, or a partialSuccess naming the spans "
                                         "rejected", "content": {
        "application/json": {"schema": {"type": "object", "properties": {"partialSuccess": {"type": "object"}}}},
        "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}}}}

_LITELLM_EXAMPLE = {"id": "chatcmpl-1", "call_type": "acompletion", "model": "gpt-4o-mini", "response_cost": 0.00042,
                    "prompt_tokens": 1200, "completion_tokens": 80, "startTime": 1763906400.0,
                    "metadata": {"user_api_key_alias": "support-bot"}}


@router.post("/v1/traces", tags=["receivers"], response_model=None, openapi_extra=_OTLP,
             summary="OTLP/HTTP traces: GenAI spans as cost events")
async def otlp_traces(svc: Svc, request: Request) -> Response:
    """OTLP/HTTP trace export (`application/json` or `application/x-protobuf`, gzip accepted): GenAI spans become
    cost events (a trace is a run). Point an OpenTelemetry exporter's traces endpoint here. Answers with OTLP's
    `partialSuccess` when some spans were rejected; 400 for a body that cannot be decoded, 415 for another type."""
    body = await request.body()  # at most api.limits.MAX_BODY
    content_type = request.headers.get("content-type", "application/json")
    # SQLite work off the event loop; a body that cannot be decoded raises UnreadableBody: 400 (415 for its type)
    rejected = (await run_in_threadpool(svc.receive_otlp, body, content_type)).rejected
    partial: dict[str, Any] = {}
    if rejected:
        partial = {"partialSuccess": {"rejectedSpans": len(rejected),
                                      "errorMessage": "; ".join(f"{r.field}: {r.message}" for r in rejected[:5])}}
    if "protobuf" in content_type:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

        message = ExportTraceServiceResponse()
        if rejected:
            message.partial_success.rejected_spans = len(rejected)
            message.partial_success.error_message = partial["partialSuccess"]["errorMessage"]
        return Response(message.SerializeToString(), media_type="application/x-protobuf")
    return JSONResponse(partial)


@router.post("/v1/litellm", tags=["receivers"], summary="LiteLLM's logging callback: calls as cost events")
def litellm_callback(svc: Svc, payload: Annotated[Any, Body(examples=[_LITELLM_EXAMPLE])]) -> IngestAnswer:
    """LiteLLM's generic logging callback (StandardLoggingPayload; one object or a list) as cost events."""
    return svc.receive_litellm(payload)
