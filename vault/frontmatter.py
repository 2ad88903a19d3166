"""Frontmatter: split it from the body and read it as Obsidian does (YAML 1.2-leaning: `on`/`yes`/`no` stay strings,
dates become ISO strings), fast path first, PyYAML's C loader for the rest; the result is JSON-safe."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import yaml

from vault.yaml_fast import parse_simple

__all__ = ["Frontmatter", "YamlError", "json_safe", "load_yaml", "read_frontmatter", "split_frontmatter"]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CLOSE = re.compile(r"^---[ \t]*\r?$", re.M)
_BOOL_TAG = "tag:yaml.org,2002:bool"


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader whose booleans are only true/false (YAML 1.2); `yes`, `no`, `on`, `off` stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@dataclass(frozen=True, slots=True)
class YamlError:
    """Why frontmatter could not be read, and on which line of the file."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Frontmatter:
    """The split of a note: the raw YAML (None when the note has none), the body, and their first lines."""

    yaml_text: str | None
    body: str
    body_line: int
    unclosed: bool = False


def split_frontmatter(text: str) -> Frontmatter:
    """Frontmatter is a `---` first line up to the next `---` line; without the closing line it is body text.

    >>> split_frontmatter("---\\na: 1\\n---\\n# T\\n")
    Frontmatter(yaml_text='a: 1', body='# T\\n', body_line=4, unclosed=False)
    """
    if not text.startswith("---"):
        return Frontmatter(None, text, 1)
    first_end = text.find("\n")
    if first_end == -1 or text[3:first_end].strip():
        return Frontmatter(None, text, 1, unclosed=first_end == -1 and not text[3:].strip())
    close = _CLOSE.search(text, first_end + 1)
    if close is None:
        return Frontmatter(None, text, 1, unclosed=True)
    yaml_text = text[first_end + 1 : max(close.start() - 1, first_end + 1)]
    body_start = close.end() + 1
    return Frontmatter(yaml_text, text[body_start:], text.count("\n", 0, body_start) + 1)


def json_safe(value: object) -> object:
    """YAML values as JSON data: dates to ISO strings, keys to strings, sets/tuples to lists, bytes to text."""
    if isinstance(value, str | bool | int) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(json_safe(k)) if not isinstance(k, str) else k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


_MAX_VALUES = 100_000  # values in one frontmatter, aliases expanded: a "billion laughs" note is refused, not walked


def _expanded_size(value: object, sizes: dict[int, int]) -> int:
    """How many values `value` holds with YAML aliases expanded, counting each shared object once (linear time);
    ValueError for an alias that refers to its own ancestor."""
    if not isinstance(value, dict | list | tuple | set | frozenset):
        return 1
    key = id(value)
    if key in sizes:
        if sizes[key] < 0:
            raise ValueError("a YAML alias refers to the value that contains it")
        return sizes[key]
    sizes[key] = -1
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    sizes[key] = 1 + sum(_expanded_size(item, sizes) for item in items)
    return sizes[key]


def load_yaml(text: str) -> object:
    """YAML text to JSON-safe data with the YAML 1.2-leaning loader; raises yaml.YAMLError or ValueError."""
    data = yaml.load(text, Loader=_Loader)
    if _expanded_size(data, {}) > _MAX_VALUES:
        raise ValueError(f"YAML aliases expand it past {_MAX_VALUES:,} values")
    return json_safe(data)


def read_frontmatter(yaml_text: str, first_line: int) -> tuple[object, YamlError | None]:
    """Parse frontmatter whose first line is file line `first_line`: (data, None) or (None, YamlError)."""
    simple = parse_simple(yaml_text)
    if simple is not None:
        return simple, None
    try:
        return load_yaml(yaml_text), None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        return None, YamlError(line, f"invalid YAML in frontmatter: {exc.problem or exc.context}")
    except (yaml.YAMLError, ValueError) as exc:
        return None, YamlError(first_line, f"invalid YAML in frontmatter: {exc}")
    except RecursionError:
        return None, YamlError(first_line, "invalid YAML in frontmatter: nested too deeply to read")
