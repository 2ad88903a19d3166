"""The company graph: built from vault notes, answers ownership, dependency and search questions."""

from graph.company import MISSING, CompanyGraph, NoteChange

__all__ = ["MISSING", "CompanyGraph", "NoteChange"]
