"""OpenTelemetry GenAI spans (OTLP JSON lines from the file exporter, or a live OTLP/HTTP body) -> cost events.

One event per GenAI span that did billable work: chat/completion spans, tools, embeddings and
retrievals. Token counts follow the GenAI semantic conventions (input includes cache, output
includes reasoning); older attribute names (`gen_ai.system`, `prompt_tokens`...) are read too.
The agent is `gen_ai.agent.name` on the span or its nearest ancestor in the same export batch,
else the resource's `service.name`; a trace is one run. An `invoke_agent` wrapper span is skipped
when it has no usage of its own, or when spans under it carry usage (seen in the same batch, or
earlier in the file: children usually end, and so are exported, before their parent).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from importers.base import (
    JSON_ERRORS,
    Event,
    FieldError,
    RowError,
    as_tokens,
    epoch_to_iso,
    event_id,
    prune,
    token_fields,
)
from importers.file_rows import Row

__all__ = ["FORMAT", "MAX_BODY", "events", "events_from_otlp", "events_from_traces_data"]

MAX_BODY = 64 * 2**20  # the most one OTLP export may inflate to; a gzip bomb is refused, not expanded

FORMAT = "otel"
_KINDS = {
    "chat": "llm",
    "generate_content": "llm",
    "text_completion": "llm",
    "embeddings": "embedding",
    "retrieval": "retrieval",
    "execute_tool": "tool",
}
_WRAPPERS = {"invoke_agent", "invoke_workflow", "create_agent"}
_TOKENS = {
    "input": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens"),
    "output": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.usage.completion_tokens"),
    "cache_read": ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"),
    "cache_write": ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"),
    "reasoning": ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
}
OUTCOME_EVENT = "orgmap.outcome"  # a span event (or attribute) saying a unit of work was delivered (docs/events.md)
_REMEMBERED = 20_000  # parents, in later batches, of spans with usage: kept across batches of one file


@dataclass(frozen=True, slots=True)
class _Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    start_ns: int
    end_ns: int
    attrs: Mapping[str, Any]
    error: bool
    service: str | None
    resource: Mapping[str, Any]
    outcomes: tuple[tuple[int, Mapping[str, Any]], ...]  # `orgmap.outcome` span events: (time in ns, attributes)


class _UsageParents:
    """A bounded memory of span ids known to have usage-carrying spans under them."""

    def __init__(self) -> None:
        self.ids: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> None:
        self.ids[key] = None
        self.ids.move_to_end(key)
        if len(self.ids) > _REMEMBERED:
            self.ids.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        return key in self.ids


def _pick(obj: Mapping[str, Any], camel: str, snake: str) -> Any:
    return obj.get(camel, obj.get(snake))


def _any_value(value: Any, key: str) -> Any:
    """An OTLP AnyValue (camelCase or snake_case keys) as a plain Python value; a malformed one is a FieldError."""
    if not isinstance(value, Mapping):
        raise FieldError(key, f"not an OTLP AnyValue object: {value!r}")
    if "stringValue" in value:  # the common case first
        return value["stringValue"]
    for kind_key, inner in value.items():
        kind = kind_key.replace("_", "").lower()
        try:
            if kind == "intvalue":
                return int(inner)
            if kind == "doublevalue":
                return float(inner)
        except (TypeError, ValueError):
            raise FieldError(key, f"{kind_key} is not a number: {inner!r}") from None
        if kind in ("arrayvalue", "kvlistvalue"):
            if not isinstance(inner, Mapping | None):
                raise FieldError(key, f"{kind_key} is not an object: {inner!r}")
            values = (inner or {}).get("values")
            if kind == "kvlistvalue":
                return _attributes(values, key)
            return [_any_value(v, key) for v in _objects(values, key)]
        if kind in ("stringvalue", "boolvalue", "bytesvalue"):
            return inner
    return None


def _objects(value: Any, field: str) -> list[Mapping[str, Any]]:
    """An OTLP repeated message (a list of objects; absent is empty); anything else is a FieldError."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise FieldError(field, f"expected a list of objects, got {str(value)[:80]}")
    return value


def _attributes(items: Any, field: str) -> dict[str, Any]:
    found = {}
    for item in _objects(items, field):
        if "key" in item:
            found[str(item["key"])] = _any_value(item.get("value") or {}, f"{field}.{item['key']}")
    return found


def _hex_id(value: Any, field: str, size: int) -> str:
    """A trace/span id, hex or base64 (protobuf JSON mapping), as lowercase hex."""
    if isinstance(value, str) and len(value) == 2 * size:
        try:
            int(value, 16)
            return value.lower()
        except ValueError:
            pass
    try:
        raw = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    except binascii.Error:
        raw = b""
    if len(raw) != size:
        raise FieldError(field, f"not a {size}-byte id in hex or base64: {value!r}")
    return raw.hex()


_MAX_NANOS = 253_402_300_799 * 10**9  # 9999-12-31T23:59:59Z


def _nanos(value: Any, field: str, *, required: bool = True) -> int:
    """A Unix time in nanoseconds (int or digit string) up to the year 9999; 0 when absent and not `required`."""
    if not value and not required:
        return 0
    try:
        nanos = int(value)
    except (TypeError, ValueError, OverflowError):
        raise FieldError(field, f"not a Unix time in nanoseconds: {value!r}") from None
    if nanos <= 0:
        raise FieldError(field, f"missing or zero time: {value!r}")
    if nanos > _MAX_NANOS:
        raise FieldError(field, f"a Unix time in nanoseconds after the year 9999: {value!r}")
    return nanos


def _span(span: Mapping[str, Any], resource: Mapping[str, Any]) -> _Span:
    """One OTLP span object; a malformed field is a FieldError naming it."""
    parent = _pick(span, "parentSpanId", "parent_span_id")
    status = span.get("status")
    outcomes = tuple((_nanos(_pick(e, "timeUnixNano", "time_unix_nano"), "events.timeUnixNano", required=False),
                      _attributes(e.get("attributes"), "events.attributes"))
                     for e in _objects(span.get("events"), "events") if e.get("name") == OUTCOME_EVENT)
    return _Span(
        trace_id=_hex_id(_pick(span, "traceId", "trace_id"), "traceId", 16),
        span_id=_hex_id(_pick(span, "spanId", "span_id"), "spanId", 8),
        parent_id=_hex_id(parent, "parentSpanId", 8) if parent else None,
        name=str(span.get("name", "")),
        start_ns=_nanos(_pick(span, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano"),
        end_ns=_nanos(_pick(span, "endTimeUnixNano", "end_time_unix_nano"), "endTimeUnixNano", required=False),
        attrs=_attributes(span.get("attributes"), "attributes"),
        error=isinstance(status, Mapping) and status.get("code") in (2, "STATUS_CODE_ERROR"),
        service=resource.get("service.name"),
        resource=resource,
        outcomes=outcomes,
    )


def _spans(traces_data: Mapping[str, Any]) -> Iterator[_Span]:
    """The spans of a TracesData object; a malformed one is a FieldError (it spoils the batch's tree)."""
    if not isinstance(traces_data, Mapping) or _pick(traces_data, "resourceSpans", "resource_spans") is None:
        raise FieldError("resourceSpans", "not an OTLP TracesData object (no resourceSpans)")
    for rs in _objects(_pick(traces_data, "resourceSpans", "resource_spans"), "resourceSpans"):
        resource = rs.get("resource") or {}
        if not isinstance(resource, Mapping):
            raise FieldError("resource", f"expected an object, got {str(resource)[:80]}")
        attributes = _attributes(resource.get("attributes"), "resource.attributes")
        for ss in _objects(_pick(rs, "scopeSpans", "scope_spans"), "scopeSpans"):
            for span in _objects(ss.get("spans"), "spans"):
                yield _span(span, attributes)


def _usage(span: _Span) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for part, names in _TOKENS.items():
        key = next((n for n in names if span.attrs.get(n) is not None), names[0])
        found[part] = as_tokens(span.attrs.get(key), key)
    return found


def _ancestors(span: _Span, by_id: Mapping[str, _Span]) -> Iterator[_Span]:
    seen: set[str] = set()
    while span.parent_id and span.parent_id in by_id and span.parent_id not in seen:
        seen.add(span.parent_id)
        span = by_id[span.parent_id]
        yield span


def events_from_traces_data(
    traces_data: Mapping[str, Any], file: str, line: int, memory: _UsageParents | None = None
) -> list[Event | RowError]:
    """Events of one TracesData object (a file line or a request body); a bad span gives a RowError."""
    memory = memory if memory is not None else _UsageParents()
    try:
        spans = list(_spans(traces_data))
    except FieldError as exc:
        return [RowError(file, line, exc.field, exc.message)]
    by_id = {s.span_id: s for s in spans}
    usages: dict[str, dict[str, int | None]] = {}
    bad: dict[str, RowError] = {}
    for span in spans:
        try:
            usages[span.span_id] = _usage(span)
        except FieldError as exc:
            bad[span.span_id] = RowError(file, line, exc.field, f"span {span.span_id}: {exc.message}")
    covered: set[str] = set()  # spans of this batch with usage under them
    for span in spans:
        if any(v is not None for v in usages.get(span.span_id, {}).values()):
            covered.update(above.span_id for above in _ancestors(span, by_id))
            if span.parent_id and span.parent_id not in by_id:  # the parent comes in a later batch
                memory.add(f"{span.trace_id}:{span.parent_id}")
    out: list[Event | RowError] = []
    for span in spans:
        if span.span_id in bad:
            out.append(bad[span.span_id])
            continue
        try:
            wrapped = span.span_id in covered or f"{span.trace_id}:{span.span_id}" in memory
            event = _event(span, usages[span.span_id], by_id, wrapped)
        except FieldError as exc:
            out.append(RowError(file, line, exc.field, f"span {span.span_id}: {exc.message}"))
            continue
        if event is not None:
            out.append(event)
        try:
            out += _outcomes(span, by_id)
        except FieldError as exc:
            out.append(RowError(file, line, exc.field, f"span {span.span_id}: {exc.message}"))
    return out


def _agent(span: _Span, by_id: Mapping[str, _Span]) -> tuple[str, _Span | None]:
    """The agent of a span (`gen_ai.agent.name` on it or its nearest ancestor, else the service) and that span."""
    named = next((a for a in (span, *_ancestors(span, by_id)) if a.attrs.get("gen_ai.agent.name")), None)
    agent = named.attrs["gen_ai.agent.name"] if named else span.service
    if not agent:
        raise FieldError("gen_ai.agent.name", "no agent: neither gen_ai.agent.name nor resource service.name is set")
    return str(agent), named


def _first(span: _Span, by_id: Mapping[str, _Span], *names: str) -> Any:
    """The first of attributes `names` set on the span, its ancestors, then its resource."""
    for holder in (*(s.attrs for s in (span, *_ancestors(span, by_id))), span.resource):
        for name in names:
            if holder.get(name) not in (None, ""):
                return holder[name]
    return None


def _hash(span: _Span, by_id: Mapping[str, _Span], name: str, content: str) -> str | None:
    """A hash the span sends (`name`), else the SHA-256 (16 hex digits) of the content it records (`content`, an
    opt-in GenAI attribute such as the system instructions), else None."""
    given = _first(span, by_id, name)
    if given is not None:
        return str(given)
    text = span.attrs.get(content)
    if text in (None, ""):
        return None
    raw = text if isinstance(text, str) else json.dumps(text, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _outcomes(span: _Span, by_id: Mapping[str, _Span]) -> list[Event]:
    """Outcome events of a span: each `orgmap.outcome` span event, and an `orgmap.outcome` attribute on the span
    (delivered when the span ended); both name the outcome and may carry `orgmap.outcome.value_usd`."""
    found = [(ns or span.start_ns, attrs.get(f"{OUTCOME_EVENT}.name"), attrs) for ns, attrs in span.outcomes]
    if span.attrs.get(OUTCOME_EVENT):
        found.append((span.end_ns or span.start_ns, span.attrs[OUTCOME_EVENT], span.attrs))
    if not found:
        return []
    agent, _ = _agent(span, by_id)
    return [prune({"id": event_id(FORMAT, span.trace_id, span.span_id, "outcome", i), "kind": "outcome",
                   "ts": epoch_to_iso(Decimal(ns) / 1_000_000_000), "agent": agent, "outcome": name,
                   "run_id": span.trace_id, "value_usd": attrs.get(f"{OUTCOME_EVENT}.value_usd"), "source": FORMAT})
            for i, (ns, name, attrs) in enumerate(found)]


def _event(span: _Span, usage: dict[str, int | None], by_id: Mapping[str, _Span], wrapped: bool) -> Event | None:
    attrs = span.attrs
    if not any(key.startswith(("gen_ai.", "llm.")) for key in attrs):
        return None
    operation = attrs.get("gen_ai.operation.name")
    has_usage = any(v is not None for v in usage.values())
    if operation in _WRAPPERS and (not has_usage or wrapped):
        return None
    if not has_usage and operation not in _KINDS:
        return None
    agent, named = _agent(span, by_id)
    tokens = token_fields(
        usage["input"],
        usage["output"],
        cache_read=usage["cache_read"],
        cache_write=usage["cache_write"],
        reasoning=usage["reasoning"],
    )
    return prune(
        {
            "id": event_id(FORMAT, span.trace_id, span.span_id),
            "ts": epoch_to_iso(Decimal(span.start_ns) / 1_000_000_000),
            "agent": agent,
            "kind": _KINDS.get(operation or "", "llm"),
            "model": attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model"),
            "provider": attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system"),
            **tokens,
            "tool": attrs.get("gen_ai.tool.name"),
            "run_id": span.trace_id,
            "duration_ms": (span.end_ns - span.start_ns) / 1e6 if span.end_ns >= span.start_ns else None,
            "status": "error" if span.error or attrs.get("error.type") else "ok",
            "source": FORMAT,
            "agent_version": _first(span, by_id, "gen_ai.agent.version", "service.version"),
            "deploy_id": _first(span, by_id, "deployment.id", "orgmap.deploy_id"),
            "prompt_hash": _hash(span, by_id, "orgmap.prompt_hash", "gen_ai.system_instructions"),
            "tools_hash": _hash(span, by_id, "orgmap.tools_hash", "gen_ai.tool.definitions"),
            "attributes": {
                "operation": operation,
                "span_name": span.name,
                "agent_id": (named or span).attrs.get("gen_ai.agent.id"),
                "conversation_id": attrs.get("gen_ai.conversation.id"),
                "service": span.service,
            },
        }
    )


def events(rows: Iterable[Row], file: str) -> Iterator[Event | RowError]:
    """Events of an OTLP JSON lines file: one TracesData object per line."""
    memory = _UsageParents()
    for line, value in rows:
        if isinstance(value, RowError):
            yield value
        else:
            yield from events_from_traces_data(value, file, line, memory)


def events_from_otlp(body: bytes, content_type: str) -> list[Event | RowError]:
    """Events of one OTLP/HTTP trace export body: JSON, or protobuf (`application/x-protobuf`); gzip accepted."""
    where = "<otlp>"
    if body[:2] == b"\x1f\x8b":
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflate.decompress(body, MAX_BODY)
        except zlib.error as exc:
            return [RowError(where, 1, "body", f"bad gzip body: {exc}")]
        if inflate.unconsumed_tail:
            return [RowError(where, 1, "body", f"gzip body inflates past {MAX_BODY // 2**20} MiB")]
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json":
        try:
            data = json.loads(body)
        except JSON_ERRORS as exc:
            return [RowError(where, 1, "body", f"invalid JSON: {exc}")]
        if not isinstance(data, dict):
            return [RowError(where, 1, "body", "an OTLP/JSON body is one ExportTraceServiceRequest object")]
        if not data:
            data["resourceSpans"] = []  # proto3 JSON leaves an empty list out: `{}` is an empty export
    elif media in ("application/x-protobuf", "application/protobuf"):
        from google.protobuf.json_format import MessageToDict
        from google.protobuf.message import DecodeError
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        try:
            data = MessageToDict(ExportTraceServiceRequest.FromString(body))
        except DecodeError as exc:
            return [RowError(where, 1, "body", f"invalid OTLP protobuf: {exc}")]
        data.setdefault("resourceSpans", [])
    else:
        message = f"unsupported {content_type!r}; send application/json or application/x-protobuf"
        return [RowError(where, 1, "content-type", message)]
    return events_from_traces_data(data, where, 1)
