"""Wikilinks: every Obsidian form (`[[N]]`, `[[N|text]]`, `[[N#H]]`, `[[N#^b]]`, `[[dir/N]]`, `![[N]]`), found in note
bodies (never inside code) and in frontmatter values, each with its line number."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator

import msgspec

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "Link",
    "body_links",
    "is_embed",
    "mask_code",
    "parse_link",
    "text_links",
    "value_strings",
]

WIKILINK = re.compile(r"\[\[([^\[\]\n]*)\]\]")  # a literal prefix keeps the scan fast; `!` is checked by hand
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})([^\n]*)$", re.M)
_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_NOT_NEWLINE = re.compile(r"[^\n]")

# Embeds of these are attachments, not notes: they never become nodes or dangling links.
ATTACHMENT_EXTENSIONS = frozenset({
    "png", "jpg", "jpeg", "gif", "bmp", "svg", "webp", "avif", "tif", "tiff", "ico", "pdf",
    "mp3", "wav", "ogg", "m4a", "flac", "webm", "mp4", "mkv", "mov", "avi", "ogv",
    "canvas", "base", "excalidraw", "csv", "json", "txt", "zip",
})


class Link(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One wikilink. `target` is the path part as written (no heading, block or display text; `.md` kept if typed).
    A msgspec struct, not a dataclass: a vault has ~16 links a note, and a struct is built faster, decoded from the
    parse cache in C, and (holding only strings, ints and bools, so outside the cycle collector) 40% smaller."""

    target: str
    line: int
    heading: str | None = None
    block: str | None = None
    display: str | None = None
    embed: bool = False

    def to_list(self) -> list[object]:
        return [self.target, self.line, self.heading, self.block, self.display, self.embed]

    @classmethod
    def from_list(cls, data: list[object]) -> Link:
        """The inverse of to_list; raises TypeError or ValueError on malformed data."""
        target, line, heading, block, display, embed = data
        if not isinstance(line, int | str) or not (heading is None or isinstance(heading, str)) or \
                not (block is None or isinstance(block, str)) or not (display is None or isinstance(display, str)):
            raise TypeError("malformed link record")
        return cls(str(target), int(line), heading, block, display, bool(embed))


@functools.lru_cache(maxsize=1 << 16)
def _parts(inner: str) -> tuple[str, str | None, str | None, str | None] | None:
    """(target, heading, block, display) of `[[inner]]`, or None; cached, as a vault names the same notes often."""
    target, _, display = inner.partition("|")
    target, hashed, sub = target.rstrip("\\").partition("#")  # `\|` escapes the pipe inside tables
    target = target.strip()
    if not target:
        return None
    _stem, dot, ext = target.rpartition(".")
    if dot and "/" not in ext and ext.lower() in ATTACHMENT_EXTENSIONS:
        return None
    block = sub[1:].strip() if hashed and sub.startswith("^") else None
    heading = sub.strip() if hashed and block is None else None
    return sys.intern(target), heading or None, block or None, display.strip() or None


def parse_link(inner: str, *, line: int = 0, embed: bool = False) -> Link | None:
    """The parts of `[[inner]]`; None for a link with no note target (`[[#Heading]]`) or to an attachment.

    >>> parse_link("Platform Team#Owners|the team", line=3)
    Link(target='Platform Team', line=3, heading='Owners', block=None, display='the team', embed=False)
    >>> parse_link("Runbook#^step-2").block
    'step-2'
    >>> parse_link("diagram.png", embed=True) is None
    True
    """
    parts = _parts(inner)
    return None if parts is None else Link(parts[0], line, parts[1], parts[2], parts[3], embed)


def _fence_lines(text: str) -> list[re.Match[str]]:
    """The fence lines of `text` in order: found with str.find (a line-anchored regex scan is far slower)."""
    starts: set[int] = set()
    for marker in ("```", "~~~"):
        at = text.find(marker)
        while at != -1:
            line_start = text.rfind("\n", 0, at) + 1
            if at - line_start <= 3:
                starts.add(line_start)
            line_end = text.find("\n", at)
            at = -1 if line_end == -1 else text.find(marker, line_end + 1)
    found = (_FENCE.match(text, start) for start in sorted(starts))
    return [m for m in found if m is not None]


def mask_code(text: str) -> str:
    """`text` with fenced code blocks and inline code spans blanked out (newlines kept, so offsets and lines hold)."""
    if "`" not in text and "~~~" not in text:
        return text
    ranges: list[tuple[int, int]] = []
    opened: tuple[int, str] | None = None
    for m in _fence_lines(text):
        fence, info = m.group(1), m.group(2)
        if opened is None:
            if not (fence[0] == "`" and "`" in info):
                opened = (m.start(), fence)
        elif fence[0] == opened[1][0] and len(fence) >= len(opened[1]) and not info.strip():
            ranges.append((opened[0], m.end()))
            opened = None
    if opened is not None:
        ranges.append((opened[0], len(text)))  # an unclosed fence runs to the end, as in CommonMark
    pieces: list[str] = []
    pos = 0
    for start, end in [*ranges, (len(text), len(text))]:
        outside = text[pos:start]
        if "`" in outside:
            outside = _SPAN.sub(lambda s: " " * len(s.group(0)), outside)
        pieces.append(outside)
        pieces.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        pos = end
    return "".join(pieces)


def is_embed(text: str, start: int) -> bool:
    """Whether the link starting at `start` is an embed (`![[...]]`)."""
    return start > 0 and text[start - 1] == "!"


def text_links(text: str, first_line: int = 1) -> list[Link]:
    """Every wikilink in `text` taken literally (no code masking), numbered from `first_line`."""
    links: list[Link] = []
    line, pos = first_line, 0
    for m in WIKILINK.finditer(text):
        parts = _parts(m.group(1))
        if parts is None:
            continue
        start = m.start()
        line += text.count("\n", pos, start)
        pos = start
        embed = start > 0 and text[start - 1] == "!"
        links.append(Link(parts[0], line, parts[1], parts[2], parts[3], embed))
    return links


def body_links(body: str, first_line: int = 1) -> list[Link]:
    """Every wikilink in a note body outside code, with line numbers counted from `first_line`.

    >>> [(link.target, link.line) for link in body_links("See [[A]]\\n`[[not]]`\\n```\\n[[no]]\\n```\\n![[B#^x]]")]
    [('A', 1), ('B', 6)]
    """
    if "[[" not in body:
        return []
    return text_links(mask_code(body), first_line)


def value_strings(value: object) -> Iterator[str]:
    """Every string inside a frontmatter value: itself, list items, dict values, recursively."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from value_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from value_strings(item)
