"""One progress-bar style for every long CLI job: a bar on a terminal's stderr, silent when piped."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ProgressBar"]


class ProgressBar:
    """A callback `(done, total)` that drives a tqdm bar; library code only ever sees the callback."""

    def __init__(self, desc: str, unit: str = "it") -> None:
        from tqdm import tqdm  # imported with the first bar: commands that show none (`orgmap mcp`) start sooner

        self._bar = tqdm(desc=desc, unit=unit, disable=None, leave=False, dynamic_ncols=True)

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None and self._bar.total != total:
            self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()

    def __enter__(self) -> Callable[[int, int | None], None]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
