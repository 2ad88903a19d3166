"""Packages whose exports are imported when first used, so importing one light part (`ledger.events`,
`ledger.anomaly.model`) does not import the heavy ones (numpy, httpx, the price data): `orgmap mcp` answers its
first questions without them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

__all__ = ["lazy_exports"]


class _LazyPackage(ModuleType):
    """A package module that imports an export from its submodule on first access."""

    _lazy_exports: Mapping[str, str]

    def __getattr__(self, name: str) -> Any:
        where = self.__dict__.get("_lazy_exports", {}).get(name)
        if where is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where), name)
        ModuleType.__setattr__(self, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        # Importing a submodule named like an export (`ledger.anomaly.detect`) must not hide the export.
        if not (isinstance(value, ModuleType) and name in self.__dict__.get("_lazy_exports", {})
                and value.__name__ == f"{self.__name__}.{name}"):
            ModuleType.__setattr__(self, name, value)


def lazy_exports(package: str, exports: Mapping[str, str]) -> None:
    """Make `package` (a package's `__name__`) import each export `name` from the module `exports[name]` when first
    used. Call it at the end of the package's `__init__`, with the same imports under `TYPE_CHECKING` for checkers."""
    module = sys.modules[package]
    module.__class__ = _LazyPackage
    ModuleType.__setattr__(module, "_lazy_exports", dict(exports))
