"""The tools' parameters, described once: every one says what it takes and its default, closed sets are enums and
windows carry their pattern (from `orgmap.arguments`, the values the service checks). The schema only informs the
model; the service refuses a wrong value with the same message every door gives."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from orgmap.arguments import (
    ALERT_KINDS,
    ANOMALY_STATES,
    BUCKETS,
    BY,
    CHANGE_KINDS,
    CURSOR_PATTERN,
    DEPTH,
    KEYSET_CURSOR_PATTERN,
    SEVERITIES,
)

__all__ = ["AgentName", "AlertKind", "AnomalyState", "Bucket", "By", "ChangeKind", "Cursor", "Depth", "KeysetCursor",
           "NodeKind", "NodeName", "OfClient", "OfModel", "OfProject", "OwnerName", "Severity", "Window"]


def _described(text: str, **schema: Any) -> Any:
    return Field(description=text, json_schema_extra=schema or None)


NodeName = Annotated[str, _described("a note's name, alias or vault path, any case")]
AgentName = Annotated[str, _described("an agent's name, alias, vault path or cost key, any case")]
OwnerName = Annotated[str, _described("a person's or team's name, alias or vault path")]
# The exact pattern (orgmap.arguments.WINDOW_PATTERN, which OpenAPI carries) spells out 1h-3650d digit by digit: 230
# bytes in each of a dozen tools. The tool list carries its shape and says the range in words; the service refuses
# the rest with the same message every door gives.
WINDOW_SHAPE = r"^\s*[1-9][0-9]{0,4}\s*[hdw]\s*$"
Window = Annotated[str, _described("how far back: 24h, 7d, 2w (1h to 3650d)", pattern=WINDOW_SHAPE)]
Cursor = Annotated[str | None, _described("next_cursor of the last answer: its next page", pattern=CURSOR_PATTERN)]
KeysetCursor = Annotated[str | None, _described("next_cursor of the last answer: its next page",
                                                pattern=KEYSET_CURSOR_PATTERN)]
Depth = Annotated[int, _described("hops to follow", minimum=DEPTH[0], maximum=DEPTH[1])]
By = Annotated[str, _described("what to group spend by", enum=list(BY))]
Bucket = Annotated[str, _described("one point per hour or per day", enum=list(BUCKETS))]
OfModel = Annotated[str | None, _described("only this model")]
OfClient = Annotated[str | None, _described("only this client")]
OfProject = Annotated[str | None, _described("only this project")]
AlertKind = Annotated[str | None, _described("only alerts of this kind; all when empty", enum=list(ALERT_KINDS))]
AnomalyState = Annotated[str | None, _described("only anomalies in this state; all when empty",
                                                enum=list(ANOMALY_STATES))]
Severity = Annotated[str | None, _described("only problems of this severity; all when empty", enum=list(SEVERITIES))]
ChangeKind = Annotated[str, _described("what changed", enum=list(CHANGE_KINDS))]
NodeKind = Annotated[str | None, _described("only nodes of this kind (agent, tool, integration, model, person, team, "
                                            "system...); all when empty")]
