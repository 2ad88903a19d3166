"""The kind a change event stands for, whoever recorded it: a vault edit of the `model` property is a model change, a
release a deploy. Anomaly attribution ranks by it, and a change seen in telemetry merges with a recorded one of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["change_kind"]

_KIND_ALIASES = {"release": "deploy", "commit": "deploy"}
_PROPERTY_KINDS = {
    "model": "model",
    "depends_on": "dependency",
    "uses": "dependency",
    "integrates_with": "dependency",
    "schedule": "schedule",
    "cron": "schedule",
    "cadence": "schedule",
    "prompt": "prompt",
    "system_prompt": "prompt",
}


def change_kind(kind: str, details: Mapping[str, Any] | None) -> str:
    """The effective kind of a change of `kind` with `details`.

    >>> change_kind("vault_edit", {"property": "model", "old": "haiku", "new": "opus"}), change_kind("release", None)
    ('model', 'deploy')
    """
    kind = kind.lower()
    if kind == "vault_edit":
        prop = str((details or {}).get("property", "")).lower()
        return _PROPERTY_KINDS.get(prop, "config")
    return _KIND_ALIASES.get(kind, kind)
