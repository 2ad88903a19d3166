"""One note parsed from its bytes: frontmatter properties, links (body and properties, with lines), tags, aliases and
the problems met on the way. A broken note is kept as far as it can be read; the body itself is not kept."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vault.frontmatter import read_frontmatter, split_frontmatter
from vault.links import Link, mask_code, text_links, value_strings
from vault.problems import Problem
from vault.tags import frontmatter_aliases, frontmatter_tags, inline_tags, merge_tags

__all__ = ["Note", "note_id", "parse_note", "read_note"]


def note_id(path: str) -> str:
    """A note's node id: its vault-relative POSIX path without `.md`."""
    return path[:-3] if path.lower().endswith(".md") else path


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed note. `property_links` pairs each frontmatter key with a link found in its value."""

    path: str
    frontmatter: dict[str, object] = field(default_factory=dict)
    property_links: tuple[tuple[str, Link], ...] = ()
    links: tuple[Link, ...] = ()
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def id(self) -> str:
        return note_id(self.path)

    @property
    def name(self) -> str:
        return self.id.rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "frontmatter": self.frontmatter,
            "property_links": [[key, link.to_list()] for key, link in self.property_links],
            "links": [link.to_list() for link in self.links],
            "tags": list(self.tags),
            "aliases": list(self.aliases),
            "problems": [[p.line, p.severity, p.code, p.message] for p in self.problems],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Note:
        """The inverse of to_json; raises (KeyError, TypeError, ValueError) on malformed data."""
        path = data["path"]
        frontmatter = data["frontmatter"]
        if not isinstance(path, str) or not isinstance(frontmatter, dict):
            raise TypeError("malformed note record")
        return cls(
            path,
            frontmatter,
            tuple((str(key), Link.from_list(link)) for key, link in data["property_links"]),  # type: ignore[attr-defined]
            tuple(Link.from_list(link) for link in data["links"]),  # type: ignore[attr-defined]
            tuple(str(tag) for tag in data["tags"]),  # type: ignore[attr-defined]
            tuple(str(alias) for alias in data["aliases"]),  # type: ignore[attr-defined]
            tuple(Problem(path, int(line), sev, str(code), str(msg)) for line, sev, code, msg in data["problems"]),  # type: ignore[attr-defined]
        )


def _decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    if b"\x00" in data[:8192]:
        return None, [Problem(path, 0, "error", "binary_file", "binary file with a .md name: not read")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = Problem(path, line, "error", "undecodable",
                          f"bytes that are not UTF-8 at byte {exc.start}; read with replacement characters")
        return data.decode("utf-8-sig", "replace"), [problem]


def _key_lines(yaml_text: str, first_line: int) -> dict[str, int]:
    lines: dict[str, int] = {}
    for offset, line in enumerate(yaml_text.split("\n")):
        if line[:1] not in ("", " ", "\t", "-", "#"):
            lines.setdefault(line.split(":", 1)[0].strip().strip("'\""), first_line + offset)
    return lines


def _is_unquoted_link(value: object) -> bool:
    """`key: [[X]]` or `- [[X]]` unquoted: YAML reads a nested list of one string, which Obsidian shows as no link."""
    if not isinstance(value, list):
        return False
    return any(isinstance(item, list) and ((len(item) == 1 and isinstance(item[0], str)) or _is_unquoted_link(item))
               for item in value)


def _property_links(path: str, frontmatter: dict[str, object], yaml_text: str,
                    first_line: int) -> tuple[list[tuple[str, Link]], list[Problem]]:
    lines_of: dict[tuple[str, bool], deque[int]] = {}
    for raw in text_links(yaml_text, first_line):
        lines_of.setdefault((raw.target, raw.embed), deque()).append(raw.line)
    key_lines: dict[str, int] | None = None
    found: list[tuple[str, Link]] = []
    problems: list[Problem] = []
    for key, value in frontmatter.items():
        if isinstance(value, str):
            if "[[" not in value:
                continue
            strings: Iterable[str] = (value,)
        elif isinstance(value, list | dict):
            if _is_unquoted_link(value):
                key_lines = key_lines or _key_lines(yaml_text, first_line)
                problems.append(Problem(path, key_lines.get(key, first_line), "warning", "unquoted_link",
                                        f'property "{key}" holds an unquoted [[link]]: YAML reads it as a nested '
                                        f'list, not a link; quote it: {key}: "[[...]]"'))
            strings = value_strings(value)
        else:
            continue
        for text in strings:
            for link in text_links(text, 0):
                pending = lines_of.get((link.target, link.embed))
                if pending:
                    line = pending.popleft()
                else:
                    key_lines = key_lines or _key_lines(yaml_text, first_line)
                    line = key_lines.get(key, first_line)
                found.append((key, Link(link.target, line, link.heading, link.block, link.display, link.embed)))
    return found, problems


def parse_note(path: str, data: bytes) -> Note:
    """Parse a note's bytes; never raises: what cannot be read becomes a Problem and the rest is kept."""
    text, problems = _decode(path, data)
    if text is None:
        return Note(path, problems=tuple(problems))
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    split = split_frontmatter(text)
    frontmatter: dict[str, object] = {}
    property_links: list[tuple[str, Link]] = []
    if split.unclosed:
        problems.append(Problem(path, 1, "warning", "unclosed_frontmatter",
                                "frontmatter starts with --- but has no closing --- line; read as body text"))
    if split.yaml_text is not None:
        data_or_none, error = read_frontmatter(split.yaml_text, 2)
        if error is not None:
            problems.append(Problem(path, error.line, "error", "bad_yaml", error.message))
        elif isinstance(data_or_none, dict):
            frontmatter = data_or_none
            property_links, link_problems = _property_links(path, frontmatter, split.yaml_text, 2)
            problems.extend(link_problems)
        elif data_or_none is not None:
            problems.append(Problem(path, 2, "error", "frontmatter_not_mapping",
                                    f"frontmatter is a {type(data_or_none).__name__}, not a mapping of properties"))
    body = mask_code(split.body)
    return Note(
        path,
        frontmatter,
        tuple(property_links),
        tuple(text_links(body, split.body_line) if "[[" in body else ()),
        tuple(merge_tags(frontmatter_tags(frontmatter), inline_tags(body, code_masked=True))),
        tuple(frontmatter_aliases(frontmatter)),
        tuple(problems),
    )


def read_note(root: Path | str, path: str) -> Note:
    """Read and parse one note; an unreadable file becomes a note carrying the error. (A string join, not pathlib's:
    joining was 5% of a cold load.)"""
    try:
        with open(os.path.join(root, path), "rb") as file:
            data = file.read()
    except OSError as exc:
        return Note(path, problems=(Problem(path, 0, "error", "unreadable", f"not readable: {exc}"),))
    return parse_note(path, data)
