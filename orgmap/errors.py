"""Domain errors raised by the service; each interface turns them into its own error shape at the edge."""

from __future__ import annotations

from ledger import StoreUnavailable  # the event store's database cannot be reached: the doors answer "try later"

__all__ = ["InvalidArgument", "NotAnAgent", "NotFound", "OrgmapError", "StoreUnavailable", "UnreadableBody"]


class OrgmapError(Exception):
    """Base of orgmap's domain errors: a message for people, and the field it concerns when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(OrgmapError):
    """A name that resolves to nothing; carries close matches so a person (or a model) can retry."""

    def __init__(self, what: str, name: str, suggestions: list[str] | None = None, *, field: str = "name") -> None:
        self.name = name
        self.suggestions = suggestions or []
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no {what} named {name!r}{hint}", field=field)


class NotAnAgent(NotFound):
    """A name that means a node, but not an agent, where an agent is asked for: no agent has that name."""

    def __init__(self, name: str, node: str, kind: str, *, field: str = "agent") -> None:
        OrgmapError.__init__(self, f"{name!r} is {node} (kind {kind}), not an agent: spend, budgets, runs and "
                                   "anomalies are per agent", field=field)
        self.name = name
        self.suggestions = []


class InvalidArgument(OrgmapError):
    """An argument outside what the question accepts (a bad window, an unknown grouping, a bad cursor)."""


class UnreadableBody(OrgmapError):
    """A request body that cannot be decoded at all (not JSON, bad protobuf, bad gzip), or of a type the route does
    not read (`field` is then "content-type")."""
