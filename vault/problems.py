"""Diagnostics about a vault: one frozen record per problem, naming the file and line, for `check` and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Problem", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong in the vault. `path` is vault-relative (POSIX); `line` is 1-based, 0 when not tied to a line."""

    path: str
    line: int
    severity: Severity
    code: str
    message: str

    def to_dict(self) -> dict[str, str | int]:
        return {"path": self.path, "line": self.line, "severity": self.severity, "code": self.code,
                "message": self.message}

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message} [{self.code}]"
