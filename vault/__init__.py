"""Markdown I/O: parse notes, resolve wikilinks the way Obsidian does, scan and watch a vault."""

from vault.links import Link
from vault.load import VaultNotes, load_notes
from vault.note import Note, parse_note
from vault.problems import Problem
from vault.resolve import Resolution, Resolver

__all__ = ["Link", "Note", "Problem", "Resolution", "Resolver", "VaultNotes", "load_notes", "parse_note"]
