"""The relation vocabulary: which frontmatter property makes which typed edge, each relation's inverse, and which
relations count as dependencies. One table, so every question reads edges the same way."""

from __future__ import annotations

import functools

__all__ = [
    "DEPENDENCY_RELATIONS",
    "INVERSE",
    "KIND_BY_FOLDER",
    "LINKS_TO",
    "PROPERTY_RELATION",
    "inverse",
    "kind_of",
    "relation_for",
]

LINKS_TO = "links_to"

# relation -> its inverse, for every typed edge orgmap names; both directions are listed.
_PAIRS = {
    "owned_by": "owns",
    "depends_on": "dependency_of",
    "uses": "used_by",
    "integrates_with": "integrated_by",
    "part_of": "has_part",
    "member_of": "has_member",
    "model": "model_of",
    LINKS_TO: "linked_from",
}
INVERSE: dict[str, str] = {**_PAIRS, **{inv: rel for rel, inv in _PAIRS.items()}}

# property names (case-insensitive) -> the stored relation. A property naming an inverse (`members`, `owns`) is
# stored as the forward edge in the other direction, so `members: [[Ann]]` on a team and `member_of: [[Team]]` on Ann
# are the same fact.
PROPERTY_RELATION: dict[str, str] = {
    "owner": "owned_by",
    "owners": "owned_by",
    "members": "has_member",
    "member": "has_member",
    "parts": "has_part",
    "models": "model",
    "dependencies": "depends_on",
    "dependents": "dependency_of",
}

DEPENDENCY_RELATIONS = frozenset({"depends_on", "uses", "integrates_with", "model"})

KIND_BY_FOLDER = {
    "agent": "agent",
    "tool": "tool",
    "integration": "integration",
    "model": "model",
    "person": "person",
    "people": "person",
    "team": "team",
    "system": "system",
}


def inverse(relation: str) -> str:
    """The inverse of a relation; an unknown relation's inverse is `<relation>_of` (`reviewer` -> `reviewer_of`).

    >>> inverse("owned_by"), inverse("has_member"), inverse("reviewer")
    ('owns', 'member_of', 'reviewer_of')
    """
    return INVERSE.get(relation, relation[:-3] if relation.endswith("_of") else f"{relation}_of")


@functools.cache
def relation_for(prop: str) -> tuple[str, bool]:
    """The stored relation for a frontmatter property, and whether the edge runs from the target to the note.

    >>> relation_for("owner"), relation_for("members"), relation_for("Reviewer")
    (('owned_by', False), ('member_of', True), ('reviewer', False))
    """
    name = prop.strip().lower().replace(" ", "_").replace("-", "_")
    relation = PROPERTY_RELATION.get(name, name)
    if relation in INVERSE and relation not in _PAIRS:
        return INVERSE[relation], True
    return relation, False


def kind_of(node_id: str, frontmatter: dict[str, object]) -> str:
    """A note's kind: its `type` property, else its folders' names (nearest first: Agents/, People/...), else `note`.

    >>> kind_of("Agents/Support", {}), kind_of("x/Team/Ann", {"type": "Person"}), kind_of("Ideas/x", {})
    ('agent', 'person', 'note')
    """
    declared = frontmatter.get("type")
    if isinstance(declared, str) and declared.strip():
        return declared.strip().lower()
    for folder in reversed(node_id.split("/")[:-1]):
        key = folder.lower()
        key = key[:-1] if key.endswith("s") and key[:-1] in KIND_BY_FOLDER else key
        if key in KIND_BY_FOLDER:
            return KIND_BY_FOLDER[key]
    return "note"
