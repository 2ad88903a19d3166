"""Tags and aliases of a note: inline `#tags` in the body (not in code, URLs or headings) and frontmatter lists."""

from __future__ import annotations

import re
import sys

from vault.links import mask_code

__all__ = ["frontmatter_aliases", "frontmatter_tags", "inline_tags", "merge_tags"]

# A tag starts after whitespace or at the text's start (so `# Title`, `url/#frag`, `a#b`, `[[N#H]]` are not tags);
# the regex starts with a literal for speed and the preceding character is checked by hand.
_TAG = re.compile(r"#([\w/-]+)")
_NUMERIC = re.compile(r"[\d/_-]+")  # a tag needs one character that is not a digit


def inline_tags(body: str, *, code_masked: bool = False) -> list[str]:
    """The `#tags` of a body, in order, without `#`; a tag needs one character that is not a digit.

    >>> inline_tags("# Title\\nSee #prod and #team/support, not #123 or http://x.io/#frag or `#code`.")
    ['prod', 'team/support']
    """
    if "#" not in body:
        return []
    text = body if code_masked else mask_code(body)
    tags: list[str] = []
    for m in _TAG.finditer(text):
        start, tag = m.start(), m.group(1)
        if (start == 0 or text[start - 1].isspace()) and not _NUMERIC.fullmatch(tag):
            tags.append(sys.intern(tag))
    return tags


def _string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int | float) and not isinstance(item, bool)]
    return []


def frontmatter_tags(frontmatter: dict[str, object]) -> list[str]:
    """Tags from `tags`/`tag`: a list, or a string of tags split by commas or spaces; a leading `#` is dropped."""
    found: list[str] = []
    for key in ("tags", "tag"):
        for item in _string_list(frontmatter.get(key)):
            found.extend(part.lstrip("#") for part in re.split(r"[,\s]+", item) if part.lstrip("#"))
    return found


def frontmatter_aliases(frontmatter: dict[str, object]) -> list[str]:
    """Aliases from `aliases`/`alias` (a list, or one string)."""
    found: list[str] = []
    for key in ("aliases", "alias"):
        found.extend(item.strip() for item in _string_list(frontmatter.get(key)) if item.strip())
    return found


def merge_tags(*groups: list[str]) -> list[str]:
    """Tags in first-seen order, deduplicated case-insensitively (Obsidian's tags ignore case)."""
    seen: dict[str, str] = {}
    for group in groups:
        for tag in group:
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())
