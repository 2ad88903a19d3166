"""The company graph: built from vault notes, answers ownership, dependency and search questions."""
