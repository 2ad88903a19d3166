"""The orgmap demo: the example company vault with generated months of cost and change events."""

__all__ = ["MIN_DAYS"]

# The fewest days of history a demo may have: the planted incidents need a baseline before them. Here, not in
# `data`, so the CLI can state it without importing the generator on every command.
MIN_DAYS = 14
