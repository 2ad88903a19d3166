"""A sorted multiset of floats with the i-th smallest at hand, a change costing O(load + log n), not O(n).

The run-cost outlier check keeps each agent's run costs in one and asks for the median as runs come and go. A plain
sorted list moves half its items on every insert or delete, which grows with the history; here the values live in
sorted parts of at most 2 x `load` items, with the parts' sizes in a Fenwick tree, so a change moves one part and
finding a rank walks the tree. Splitting or merging parts rebuilds the tree (O(n / load)), once in about `load`
changes.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable

__all__ = ["SortedBag"]


class SortedBag:
    """Floats kept in order, duplicates allowed: `add`, `remove`, `bag[i]` (the i-th smallest) and `rank`.

    >>> bag = SortedBag([3.0, 1.0, 2.0], load=2)
    >>> bag.add(2.0); bag.remove(3.0)
    >>> [bag[i] for i in range(len(bag))], bag.rank(2.0)
    ([1.0, 2.0, 2.0], 1)
    """

    def __init__(self, values: Iterable[float] = (), load: int = 256) -> None:
        ordered = sorted(values)
        self._load = load
        self._parts = [ordered[i : i + load] for i in range(0, len(ordered), load)]
        self._maxes = [part[-1] for part in self._parts]
        self._len = len(ordered)
        self._tree: list[int] = []
        self._reindex()

    def __len__(self) -> int:
        return self._len

    def add(self, value: float) -> None:
        """Insert one `value`."""
        if not self._parts:
            self._parts, self._maxes, self._tree, self._len = [[value]], [value], [0, 1], 1
            return
        i = min(bisect_left(self._maxes, value), len(self._parts) - 1)
        insort(self._parts[i], value)
        self._len += 1
        self._changed(i, 1)

    def remove(self, value: float) -> None:
        """Remove one `value` (it must be there): the first part whose largest is >= `value` holds it."""
        i = bisect_left(self._maxes, value)
        part = self._parts[i]
        del part[bisect_left(part, value)]
        self._len -= 1
        self._changed(i, -1)

    def __getitem__(self, index: int) -> float:
        """The `index`-th smallest value (0-based, 0 <= index < len)."""
        part, offset = self._locate(index)
        return self._parts[part][offset]

    def rank(self, value: float) -> int:
        """How many values are smaller than `value`."""
        i = bisect_left(self._maxes, value)
        if i == len(self._parts):
            return self._len
        before, j = 0, i  # the sizes of parts 0..i-1, summed up the Fenwick tree
        while j:
            before += self._tree[j]
            j &= j - 1
        return before + bisect_left(self._parts[i], value)

    def _changed(self, i: int, delta: int) -> None:
        """Part `i` grew or shrank by `delta`: split it when too long, fold it into a neighbour when too short."""
        parts, load = self._parts, self._load
        part = parts[i]
        short = len(part) < max(1, load // 4)
        if len(part) <= 2 * load and not (short and (len(parts) > 1 or not part)):
            self._maxes[i] = part[-1]
            tree, j, size = self._tree, i + 1, len(self._tree)
            while j < size:
                tree[j] += delta
                j += j & -j
            return
        if short and len(parts) > 1:
            i = max(i - 1, 0)
            parts[i : i + 2] = [parts[i] + parts[i + 1]]
        elif not part:
            parts.clear()  # the last value went
        if parts and len(parts[i]) > 2 * load:
            part = parts[i]
            parts[i : i + 1] = [part[:load], part[load:]]
        self._maxes = [part[-1] for part in parts]
        self._reindex()

    def _reindex(self) -> None:
        """Rebuild the Fenwick tree of the parts' sizes (after parts split or merge: once in ~`load` changes)."""
        tree = [0, *map(len, self._parts)]
        for i in range(1, len(tree)):
            parent = i + (i & -i)
            if parent < len(tree):
                tree[parent] += tree[i]
        self._tree = tree

    def _locate(self, index: int) -> tuple[int, int]:
        """(part, offset) of the `index`-th smallest value, by descending the Fenwick tree."""
        if not 0 <= index < self._len:
            raise IndexError(index)
        tree, pos = self._tree, 0
        size = len(tree)
        step = 1 << (size - 1).bit_length()
        while step:
            nxt = pos + step
            if nxt < size and tree[nxt] <= index:
                pos = nxt
                index -= tree[nxt]
            step >>= 1
        return pos, index
