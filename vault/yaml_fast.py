"""A small parser for the simple frontmatter most notes have (flat `key: value`, inline lists, block lists of
scalars). It returns None for anything else, and the caller falls back to PyYAML; tests keep the two equal."""

from __future__ import annotations

import datetime as dt
import re
import sys

__all__ = ["parse_simple"]

_KEY = re.compile(r"([A-Za-z_][\w .-]*?)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_ITEM = re.compile(r"( *)-(?:[ \t]+(.*?))?[ \t]*$")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_RISKY_START = frozenset("-?:,[]{}#&*!|>'\"%@`<=+.0123456789")


class _GiveUp(Exception):
    """The text needs the full YAML parser."""


def _scalar(text: str) -> object:
    """A plain or quoted scalar as the YAML 1.2-leaning loader reads it; _GiveUp when unsure."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    first = text[0]
    if first not in _RISKY_START:  # the common plain string: no number, date or quote starts this way
        if ": " in text or " #" in text or text.endswith(":") or "\t" in text:
            raise _GiveUp
        return sys.intern(text)  # `type: agent`, `status: active`... repeat across notes: keep one copy
    if first == '"':
        if len(text) < 2 or text[-1] != '"' or '"' in text[1:-1] or "\\" in text:
            raise _GiveUp
        return text[1:-1]
    if first == "'":
        if len(text) < 2 or text[-1] != "'" or "'" in text[1:-1]:
            raise _GiveUp
        return text[1:-1]
    if _INT.fullmatch(text):
        if len(text.lstrip("+-")) > 1 and text.lstrip("+-")[0] == "0":
            raise _GiveUp
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise _GiveUp from None
    if first in _RISKY_START or ": " in text or " #" in text or text.endswith(":") or "\t" in text:
        raise _GiveUp
    return text


_LIST_ITEM = re.compile(r"""[ \t]*("[^"\\]*"|'[^']*'|[^,\[\]{}"'#]*?)[ \t]*(,|\]$)""")


def _inline_list(text: str) -> list[object]:
    """`[a, "b", 'c']` of scalars; nested collections and comments give up."""
    items: list[object] = []
    pos = 1
    while pos < len(text):
        m = _LIST_ITEM.match(text, pos)
        if m is None:
            raise _GiveUp
        token, pos = m.group(1), m.end()
        if token:
            items.append(_scalar(token))
        elif m.group(2) == "," or items:
            raise _GiveUp  # `[,]` and `[a, , b]` are YAML errors or nulls: let PyYAML decide
    if not text.endswith("]") or pos != len(text):
        raise _GiveUp
    return items


def parse_simple(text: str) -> dict[str, object] | None:
    """Parse simple frontmatter, or None when it holds anything this parser does not handle exactly.

    >>> parse_simple("type: agent\\ntags: [a, b]\\nowner: '[[Team]]'\\nlive: on\\nsince: 2024-01-05\\nn: 3")
    {'type': 'agent', 'tags': ['a', 'b'], 'owner': '[[Team]]', 'live': 'on', 'since': '2024-01-05', 'n': 3}
    >>> parse_simple("budget: {monthly: 3}") is None
    True
    """
    try:
        return _parse(text)
    except _GiveUp:
        return None


def _parse(text: str) -> dict[str, object] | None:
    result: dict[str, object] = {}
    open_list: list[object] | None = None
    list_indent = -1
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if "\t" in line:
                raise _GiveUp
            continue
        if line[0] != " " and line[0] != "-":
            key_match = _KEY.fullmatch(line)
            if key_match is None:
                raise _GiveUp
            key, value = key_match.group(1), key_match.group(2) or ""
            if key in _BOOLS or key in _NULLS or key == "<<" or key.endswith((" ", ".")):
                raise _GiveUp
            key = sys.intern(key)
            open_list, list_indent = None, -1
            if not value:
                open_list = []
                result[key] = None
                last_key = key
            elif value.startswith("["):
                result[key] = _inline_list(value)
            else:
                result[key] = _scalar(value)
            continue
        item = _ITEM.fullmatch(line)
        if item is None or open_list is None or "\t" in line:
            raise _GiveUp
        indent = len(item.group(1))
        if list_indent == -1:
            list_indent = indent
            result[last_key] = open_list
        elif indent != list_indent:
            raise _GiveUp
        value = item.group(2) or ""
        if value.startswith("["):
            raise _GiveUp
        open_list.append(_scalar(value))
    if text.startswith(("\ufeff", "%", "---")):
        raise _GiveUp
    return result
