"""Markdown I/O: parse notes, resolve wikilinks the way Obsidian does, scan and watch a vault."""
