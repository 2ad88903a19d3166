"""Wikilinks in note bodies and frontmatter: every form, their line numbers, and what is not a link."""

from __future__ import annotations

from vault.links import Link, body_links, parse_link
from vault.note import parse_note


def test_every_link_form_in_a_body() -> None:
    body = (
        "[[Plain]] and [[Shown|the text]]\n"
        "[[Page#Some Heading]] [[Page#^block-1]]\n"
        "[[folder/Deep Note]] ![[Embedded]] [[Note.md]]\n"
        "[[Both#Head|alias text]] | [[Table\\|cell]] |\n"
    )
    links = body_links(body, first_line=5)
    assert links == [
        Link("Plain", 5),
        Link("Shown", 5, display="the text"),
        Link("Page", 6, heading="Some Heading"),
        Link("Page", 6, block="block-1"),
        Link("folder/Deep Note", 7),
        Link("Embedded", 7, embed=True),
        Link("Note.md", 7),
        Link("Both", 8, heading="Head", display="alias text"),
        Link("Table", 8, display="cell"),
    ]


def test_code_is_not_links() -> None:
    body = (
        "real [[A]] and `[[in span]]` and ``[[double `tick` span]]``\n"
        "```python\n[[in fence]]\n```\n"
        "~~~\n[[in tilde fence]]\n~~~\n"
        "````\n```\n[[inner fence is text]]\n```\n````\n"
        "after [[B]]\n"
    )
    assert [(link.target, link.line) for link in body_links(body)] == [("A", 1), ("B", 13)]


def test_unclosed_fence_hides_the_rest() -> None:
    assert [link.target for link in body_links("[[A]]\n```\n[[B]]\n")] == ["A"]


def test_no_target_or_attachment_is_no_link() -> None:
    assert parse_link("#Heading in this note") is None
    assert parse_link("diagram.PNG", embed=True) is None
    assert parse_link("gpt-4.1") == Link("gpt-4.1", 0)  # a dot in a name is not an attachment


def test_links_inside_frontmatter_values_with_lines() -> None:
    note = parse_note(
        "A.md",
        (
            b"---\n"
            b'owner: "[[Team|the team]]"\n'
            b"depends_on:\n"
            b'  - "[[X#^blk]]"\n'
            b'  - "![[Y]]"\n'
            b"contacts:\n"
            b'  escalation: "call [[Ann]] first"\n'
            b"plain: no link here\n"
            b"---\n"
            b"Body [[Z]]\n"
        ),
    )
    assert note.property_links == (
        ("owner", Link("Team", 2, display="the team")),
        ("depends_on", Link("X", 4, block="blk")),
        ("depends_on", Link("Y", 5, embed=True)),
        ("contacts", Link("Ann", 7)),
    )
    assert note.links == (Link("Z", 10),)


def test_unquoted_link_property_is_a_warning_not_a_link() -> None:
    note = parse_note("A.md", b"---\nowner: [[Team]]\nusers:\n  - [[Ann]]\n---\n")
    assert note.property_links == ()
    assert note.frontmatter == {"owner": [["Team"]], "users": [[["Ann"]]]}
    assert [(p.line, p.code, p.severity) for p in note.problems] == [
        (2, "unquoted_link", "warning"),
        (3, "unquoted_link", "warning"),
    ]
    assert 'owner: "[[...]]"' in note.problems[0].message
