"""Broken notes are reported with path and line and kept as far as they can be read."""

from __future__ import annotations

from vault.links import Link
from vault.note import Note, parse_note


def codes(note: Note) -> list[tuple[str, int, str]]:
    return [(p.code, p.line, p.severity) for p in note.problems]


def test_bad_yaml_keeps_body_links_and_reports_the_line() -> None:
    note = parse_note("A.md", b"---\ntype: agent\nowner: [oops\n---\nSee [[B]]\n")
    assert note.frontmatter == {}
    assert note.links == (Link("B", 5),)
    assert codes(note) == [("bad_yaml", 4, "error")]


def test_binary_file() -> None:
    note = parse_note("img.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    assert codes(note) == [("binary_file", 0, "error")]
    assert note.links == () and note.frontmatter == {}


def test_undecodable_bytes_are_replaced_and_reported_with_line() -> None:
    note = parse_note("A.md", b"---\ntype: agent\n---\nline four\ncaf\xe9 [[B]]\n")
    assert codes(note) == [("undecodable", 5, "error")]
    assert note.frontmatter == {"type": "agent"}
    assert note.links == (Link("B", 5),)


def test_empty_file_is_a_plain_note() -> None:
    note = parse_note("Empty.md", b"")
    assert note == Note("Empty.md")


def test_frontmatter_not_a_mapping() -> None:
    note = parse_note("A.md", b"---\n- a\n- b\n---\n[[C]]\n")
    assert codes(note) == [("frontmatter_not_mapping", 2, "error")]
    assert note.links == (Link("C", 5),)


def test_unclosed_frontmatter_is_body() -> None:
    note = parse_note("A.md", b"---\ntype: agent\n[[C]]\n")
    assert codes(note) == [("unclosed_frontmatter", 1, "warning")]
    assert note.frontmatter == {} and note.links == (Link("C", 3),)


def test_bom_and_crlf() -> None:
    note = parse_note("A.md", b"\xef\xbb\xbf---\r\ntype: agent\r\n---\r\n[[C]]\r\n")
    assert note.frontmatter == {"type": "agent"} and note.links == (Link("C", 4),)
    assert note.problems == ()


def test_note_json_round_trip() -> None:
    note = parse_note("A/B.md", b"---\nowner: \"[[T|t]]\"\nx: [[bad]]\ntags: [a]\n---\n![[E#^b]] #tag\n")
    assert Note.from_json(note.to_json()) == note


def test_yaml_alias_bombs_are_refused_not_expanded() -> None:
    """A "billion laughs" frontmatter: each level lists the one above nine times. Expanding it to JSON data walked
    9**levels values (a vault with one such note never finished loading); a self-referring alias recursed forever."""
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 8)]
    bomb = parse_note("Bomb.md", ("---\ntype: agent\n" + "\n".join(levels) + "\n---\n[[B]]\n").encode())
    assert codes(bomb) == [("bad_yaml", 2, "error")] and "aliases expand" in bomb.problems[0].message
    assert bomb.links == (Link("B", 12),)
    itself = parse_note("Self.md", b"---\ntype: agent\na: &a [x, *a]\n---\n")
    assert codes(itself) == [("bad_yaml", 2, "error")] and "refers to the value" in itself.problems[0].message
