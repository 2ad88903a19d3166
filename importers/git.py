"""Change history from git: commits and tags -> change events on the nodes whose paths they touched.

A node claims files by `repo_paths` globs (from its frontmatter, plus a path-map file). A commit
touching a node's files is a `commit` change on it; a tag is a `release` change on every node
whose files changed since the previous tag (all files in its tree for the first tag). `git log`
runs as a subprocess whose output is read line by line, so long histories stream.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import yaml

from importers.base import Event, to_iso

__all__ = ["compile_globs", "git_changes", "load_path_map", "merge_targets"]

SOURCE = "git"
_RS, _US = "\x1e", "\x1f"
_MAX_FILES = 20  # files listed in a change's details


def compile_globs(globs: Sequence[str]) -> re.Pattern[str]:
    """One regex for repo-relative path globs: `*` and `?` stay within a folder, `**` crosses folders,
    and a plain path (no wildcard) matches itself and everything under it.

    >>> bool(compile_globs(["services/support/**"]).fullmatch("services/support/app/main.py"))
    True
    >>> bool(compile_globs(["prompts/*.md"]).fullmatch("prompts/sub/x.md"))
    False
    >>> bool(compile_globs(["infra/terraform"]).fullmatch("infra/terraform/main.tf"))
    True
    """
    parts = []
    for glob in globs:
        pattern = glob.strip().removeprefix("./").lstrip("/")
        if not any(c in pattern for c in "*?["):
            parts.append(re.escape(pattern.rstrip("/")) + "(?:/.*)?")
            continue
        if pattern.endswith("/"):
            pattern += "**"
        out, i = [], 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
            elif pattern.startswith("**", i):
                out.append(".*")
                i += 2
            elif pattern[i] == "*":
                out.append("[^/]*")
                i += 1
            elif pattern[i] == "?":
                out.append("[^/]")
                i += 1
            elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
                end = pattern.index("]", i + 1)
                out.append("[" + pattern[i + 1 : end].replace("!", "^", 1) + "]")
                i = end + 1
            else:
                out.append(re.escape(pattern[i]))
                i += 1
        parts.append("".join(out))
    return re.compile("|".join(f"(?:{p})" for p in parts) or "(?!)")


def load_path_map(path: Path) -> dict[str, list[str]]:
    """A path-map file (YAML or JSON `{glob: node}` or `{glob: [nodes]}`) -> {node: [globs]}."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: not valid YAML/JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping of glob: node, got {type(data).__name__}")
    targets: dict[str, list[str]] = {}
    for glob, nodes in data.items():
        for node in [nodes] if isinstance(nodes, str) else nodes if isinstance(nodes, list) else [None]:
            if not isinstance(node, str) or not node.strip():
                raise ValueError(f"{path}: glob {glob!r} must map to a node name or a list of them, got {nodes!r}")
            targets.setdefault(node.strip(), []).append(str(glob))
    return targets


def merge_targets(*maps: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Union of several {node: [globs]} maps (frontmatter `repo_paths` and path-map files)."""
    merged: dict[str, list[str]] = {}
    for mapping in maps:
        for node, globs in mapping.items():
            merged.setdefault(node, []).extend(g for g in globs if g not in merged.get(node, []))
    return merged


def _git(repo: Path, *args: str) -> list[str]:
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "core.quotepath=off", *args], capture_output=True, text=True, encoding="utf-8"
    )
    if result.returncode != 0:
        raise ValueError(f"{repo}: git {args[0]} failed: {result.stderr.strip()}")
    return result.stdout.splitlines()


def _change(node: str, files: list[str], *, id: str, ts: str, kind: str, summary: str, ref: str, author: str) -> Event:
    event: Event = {"id": id, "ts": ts, "target": node, "kind": kind, "summary": summary or "(no message)", "ref": ref}
    if author:
        event["author"] = author
    event.update(source=SOURCE, details={"files": files[:_MAX_FILES], "files_count": len(files)})
    return event


def _touched(matchers: Mapping[str, re.Pattern[str]], files: list[str]) -> Iterator[tuple[str, list[str]]]:
    for node, matcher in matchers.items():
        hit = [f for f in files if matcher.fullmatch(f)]
        if hit:
            yield node, hit


def _commits(repo: Path, since: str | None) -> Iterator[tuple[list[str], list[str]]]:
    """(header fields, files) per commit, read from a streamed `git log`."""
    args = ["git", "-C", str(repo), "-c", "core.quotepath=off", "log", "--no-color", "--name-only"]
    args += [f"--format={_RS}%H{_US}%cI{_US}%an{_US}%s"] + ([f"--since={since}"] if since else [])
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8") as proc:
        assert proc.stdout is not None
        header: list[str] | None = None
        files: list[str] = []
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith(_RS):
                if header:
                    yield header, files
                header, files = line[1:].split(_US, 3), []
            elif line:
                files.append(line)
        if header:
            yield header, files
        error = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0 and "does not have any commits" not in error:
        raise ValueError(f"{repo}: git log failed: {error.strip()}")


def git_changes(
    repo: Path, targets: Mapping[str, Sequence[str]], *, since: str | datetime | None = None
) -> Iterator[Event]:
    """Change events from a repository's history: `commit` per (commit, node touched), `release` per (tag, node)."""
    repo = Path(repo)
    matchers = {node: compile_globs(globs) for node, globs in targets.items() if globs}
    since_iso = to_iso(since.isoformat() if isinstance(since, datetime) else since, "since") if since else None
    for (sha, ts, author, subject), files in _commits(repo, since_iso):
        for node, hit in _touched(matchers, files):
            yield _change(
                node,
                hit,
                id=f"git:{sha}:{node}",
                ts=to_iso(ts, "ts"),
                kind="commit",
                summary=subject,
                ref=sha,
                author=author,
            )
    fmt = _US.join(
        [
            "%(refname:short)",
            "%(objectname)",
            "%(*objectname)",
            "%(creatordate:iso-strict)",
            "%(taggername)%(authorname)",
            "%(subject)",
        ]
    )
    previous: str | None = None
    for line in _git(repo, "for-each-ref", "--sort=creatordate", f"--format={fmt}", "refs/tags"):
        tag, obj, peeled, ts, author, subject = line.split(_US, 5)
        commit = peeled or obj
        if not since_iso or datetime.fromisoformat(to_iso(ts, "ts")) >= datetime.fromisoformat(since_iso):
            diff = ["diff", "--name-only", previous, commit] if previous else ["ls-tree", "-r", "--name-only", commit]
            for node, hit in _touched(matchers, _git(repo, *diff)):
                yield _change(
                    node,
                    hit,
                    id=f"git:tag:{tag}:{node}",
                    ts=to_iso(ts, "ts"),
                    kind="release",
                    summary=f"{tag}: {subject}" if subject else tag,
                    ref=tag,
                    author=author,
                )
        previous = commit
