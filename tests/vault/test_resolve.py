"""Link resolution, Obsidian's way."""

from __future__ import annotations

from vault.resolve import Resolver

IDS = ["Teams/Platform", "Archive/2023/Platform", "Agents/Support Agent", "Notes/Support", "Deep/a/b/Support"]


def test_case_insensitive_by_file_name() -> None:
    resolver = Resolver(IDS)
    assert resolver.resolve("support agent").node == "Agents/Support Agent"
    assert resolver.resolve("SUPPORT AGENT").node == "Agents/Support Agent"


def test_md_extension_is_optional() -> None:
    resolver = Resolver(IDS)
    assert resolver.resolve("Support Agent.md").node == "Agents/Support Agent"
    assert resolver.resolve("Agents/Support Agent.MD").node == "Agents/Support Agent"


def test_shortest_path_wins_and_reports_the_collision() -> None:
    found = Resolver(IDS).resolve("platform")
    assert found.node == "Teams/Platform"
    assert found.ambiguous and found.candidates == ("Teams/Platform", "Archive/2023/Platform")
    assert Resolver(IDS).resolve("Support").node == "Notes/Support"


def test_path_qualified_links_pick_by_path() -> None:
    resolver = Resolver(IDS)
    assert resolver.resolve("archive/2023/Platform").node == "Archive/2023/Platform"
    assert resolver.resolve("2023/Platform").node == "Archive/2023/Platform"  # a partial path suffix
    assert resolver.resolve("b/Support").node == "Deep/a/b/Support"
    assert not resolver.resolve("2023/Platform").ambiguous
    assert resolver.resolve("../Teams/Platform", source="Agents/Support Agent").node == "Teams/Platform"


def test_missing_and_updates() -> None:
    resolver = Resolver(IDS)
    assert resolver.resolve("Ghost").node is None
    assert resolver.resolve("Nope/Platform").node is None
    resolver.add("Ghost")
    assert resolver.resolve("ghost").node == "Ghost"
    resolver.remove("Teams/Platform")
    found = resolver.resolve("Platform")
    assert found.node == "Archive/2023/Platform" and not found.ambiguous


def test_an_alias_is_not_a_link_target() -> None:
    # Resolver only knows file paths: a bare [[alias]] stays unresolved, as in Obsidian.
    assert Resolver(["Agents/Support Agent"]).resolve("support-bot").node is None


def test_a_bare_name_goes_to_the_linking_notes_folder_first() -> None:
    resolver = Resolver(["Sync/Security", "Publish/Security", "Publish/Intro", "Security Deep/x/Security"])
    found = resolver.resolve("security", source="Publish/Intro")
    assert found.node == "Publish/Security" and found.ambiguous
    assert found.candidates == ("Publish/Security", "Sync/Security", "Security Deep/x/Security")
    assert resolver.resolve("Security", source="Sync/Intro").node == "Sync/Security"
    assert resolver.resolve("Security", source="Home").node == "Sync/Security"  # shortest path, then the shorter id
    assert resolver.resolve("Security", source="Other/Note").node == "Sync/Security"
    assert resolver.resolve("Security.md", source="Security Deep/x/Note").node == "Security Deep/x/Security"
