"""Union-find over face indices: the one grouping of touching faces that tier 1,
the rule-based recognizer and the training data generator all need.

Groups come back in the order their first member was added, members in the
order they were added, so callers that add faces in index order get stable,
reproducible feature instances.
"""

from __future__ import annotations

from collections.abc import Iterable


class DisjointSets:
    def __init__(self, items: Iterable[int] = ()) -> None:
        self._parent: dict[int, int] = {}
        for item in items:
            self.add(item)

    def add(self, item: int) -> None:
        self._parent.setdefault(item, item)

    def __contains__(self, item: int) -> bool:
        return item in self._parent

    def find(self, item: int) -> int:
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]  # path halving
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        self._parent[self.find(a)] = self.find(b)

    def groups(self) -> list[list[int]]:
        grouped: dict[int, list[int]] = {}
        for item in self._parent:
            grouped.setdefault(self.find(item), []).append(item)
        return list(grouped.values())
