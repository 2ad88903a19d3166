"""Vault edits as change events: a note's frontmatter property that changed while orgmap watched is a change to
that node (a `model` switched is a model change, `depends_on` edited is a dependency change...)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from graph.company import NoteChange

__all__ = ["change_events_from", "kind_of_property"]

_KIND_BY_PROPERTY = {
    "model": "model",
    "models": "model",
    "depends_on": "dependency",
    "uses": "dependency",
    "integrates_with": "dependency",
    "schedule": "schedule",
    "cron": "schedule",
    "prompt": "prompt",
    "system_prompt": "prompt",
}
# Bookkeeping properties whose edits change nothing an agent does.
_IGNORED = frozenset({"aliases", "tags", "cost_keys", "repo_paths", "updated", "modified", "created"})


def kind_of_property(prop: str) -> str:
    """The change kind an edit of `prop` stands for.

    >>> kind_of_property("model"), kind_of_property("depends_on"), kind_of_property("budget")
    ('model', 'dependency', 'config')
    """
    return _KIND_BY_PROPERTY.get(prop.lower(), "config")


def _show(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def change_events_from(changes: Iterable[NoteChange], now: datetime) -> list[dict[str, Any]]:
    """One change event per property that differs between a note's old and new frontmatter (edits only)."""
    events: list[dict[str, Any]] = []
    for change in changes:
        old, new = change.old_frontmatter, change.new_frontmatter
        if old is None or new is None:
            continue
        for prop in sorted(set(old) | set(new)):
            if prop in _IGNORED or old.get(prop) == new.get(prop):
                continue
            before, after = old.get(prop), new.get(prop)
            events.append({
                "ts": now.isoformat(),
                "target": change.node_id,
                "kind": kind_of_property(prop),
                "summary": f"{prop} changed from {_show(before)} to {_show(after)} in the vault",
                "source": "vault",
                "details": {"property": prop, "old": before, "new": after},
            })
    return events
