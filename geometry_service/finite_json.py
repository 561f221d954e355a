"""Keep NaN and infinity out of answers: JSON has no such numbers.

Python's json writes them anyway (``NaN``), and the browser's and the edge
function's parsers then reject the whole answer. A measurement that came out
non-finite is a recognizer bug; it is sent as null, and the answer's warnings
name where it was, so the bug is visible instead of breaking the caller.
"""

from __future__ import annotations

import math
from typing import Any


def finite_json(value: Any, path: str, found: list[str]) -> Any:
    """``value`` with every non-finite float replaced by None; their paths go to ``found``.

    ``value`` itself where every number in it is finite: checking first costs a
    third of rebuilding it with every item's path (NIST CTC 04's answer: 1.8
    against 6.1 ms)."""
    return value if _finite(value) else _replaced(value, path, found)


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(map(_finite, value.values()))
    if isinstance(value, (list, tuple)):
        return all(map(_finite, value))
    return True


def _replaced(value: Any, path: str, found: list[str]) -> Any:
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        found.append(path)
        return None
    if isinstance(value, dict):
        return {key: _replaced(item, f"{path}.{key}", found) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replaced(item, f"{path}[{index}]", found) for index, item in enumerate(value)]
    return value
