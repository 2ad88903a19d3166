"""Find a vault's notes: Markdown files only, dot-folders (.obsidian, .trash, .orgmap...) skipped, symlinks followed
only while they stay inside the vault root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vault.problems import Problem

__all__ = ["NoteFile", "is_inside", "is_note_path", "scan_vault"]


@dataclass(frozen=True, slots=True)
class NoteFile:
    """A note file found on disk: vault-relative POSIX path, size and modification time (ns)."""

    path: str
    size: int
    mtime_ns: int


def is_note_path(relative: str) -> bool:
    """True for a vault-relative path orgmap reads: a `.md` file outside every dot-folder.

    >>> [is_note_path(p) for p in ("A/b.md", ".obsidian/x.md", "A/.trash/c.md", "img.png", "Notes/x.MD")]
    [True, False, False, False, True]
    """
    parts = relative.split("/")
    return relative.lower().endswith(".md") and not any(part.startswith(".") or not part for part in parts)


def is_inside(root: Path, path: str | Path) -> bool:
    """True when `path`, symlinks resolved, is `root` (already real) or inside it."""
    real = os.path.realpath(path)
    return real == str(root) or real.startswith(str(root) + os.sep)


def scan_vault(root: Path) -> tuple[list[NoteFile], list[Problem]]:
    """Every note file under `root` (sorted by path), and the problems met (links out of the vault, unreadable, a
    `.md` that is a broken symlink or a named pipe: reported, never opened, so a pipe cannot hang the scan)."""
    root = Path(os.path.realpath(root))
    files: list[NoteFile] = []
    problems: list[Problem] = []
    seen_dirs = {str(root)}
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            problems.append(Problem(prefix.rstrip("/") or ".", 0, "error", "unreadable", f"folder not readable: {exc}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            relative = prefix + entry.name
            try:
                if entry.is_symlink() and not is_inside(root, entry.path):
                    problems.append(Problem(relative, 0, "warning", "symlink_outside",
                                            "symlink pointing outside the vault: not followed"))
                    continue
                if entry.is_dir():
                    real = os.path.realpath(entry.path)
                    if real not in seen_dirs:
                        seen_dirs.add(real)
                        stack.append((entry.path, relative + "/"))
                elif entry.name.lower().endswith(".md") and entry.is_file():
                    stat = entry.stat()
                    files.append(NoteFile(relative, stat.st_size, stat.st_mtime_ns))
                elif entry.name.lower().endswith(".md"):
                    what = "a symlink to nothing" if entry.is_symlink() else \
                        "not a regular file (a named pipe, a socket or a device)"
                    problems.append(Problem(relative, 0, "warning", "not_a_file", f"{what}: not read"))
            except OSError as exc:
                problems.append(Problem(relative, 0, "error", "unreadable", f"not readable: {exc}"))
    files.sort(key=lambda f: f.path)
    return files, problems
