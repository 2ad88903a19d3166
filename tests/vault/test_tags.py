"""Tags from frontmatter and inline `#tags`; headings, code, URLs and numbers are not tags."""

from __future__ import annotations

from vault.note import parse_note
from vault.tags import inline_tags


def test_inline_tags_skip_headings_code_urls_and_numbers() -> None:
    body = (
        "# Heading\n## Sub heading\n"
        "Tagged #prod and #team/support and #cost-center_7 here.\n"
        "`#in-span` and see https://example.com/page#section and [x](http://a.io/#frag)\n"
        "```\n#in-fence\n```\n"
        "#123 is an issue number; #v2 is a tag; a#b is not; [[Note#Heading]] is a link.\n"
    )
    assert inline_tags(body) == ["prod", "team/support", "cost-center_7", "v2"]


def test_frontmatter_and_inline_tags_merge_case_insensitively() -> None:
    note = parse_note("A.md", b"---\ntags: [Prod, '#ops']\n---\nMore #prod and #new\n")
    assert note.tags == ("Prod", "ops", "new")


def test_tags_as_a_string_and_aliases() -> None:
    note = parse_note("A.md", b"---\ntags: a, b c\naliases: bot\n---\n")
    assert note.tags == ("a", "b", "c")
    assert note.aliases == ("bot",)
