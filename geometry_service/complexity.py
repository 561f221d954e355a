"""The part's complexity score, 1 to 10, from facts the analysis measured.

The quote site multiplies finishing time by ``1 + (score - 5) / 10`` and adds
set-up minutes from 7 up, so the score must grow with what costs a shop time:
many faces, many and varied features, more directions the tool must come from
(each a set-up), small internal radii (small, slow cutters) and a second
machine (mill-turn). The formula is in README_PRODUCTION.md; each term is
capped so that no single fact decides the score.

| term | points | cap |
|---|---|---|
| faces | 2 * log10(faces / 6) (a block has 6) | 0 to 3 |
| features | features / 10 | 2 |
| variety | 0.25 per feature family | 1.5 |
| access | 0.75 per tool-access direction beyond the first | 1.5 |
| internal radius | +1 under 1 mm, +0.5 under 3 mm | 1 |
| mill-turn | +1 for a mixed part | 1 |

score = 1 + the terms, clipped to 1..10 and rounded to 0.1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

BLOCK_FACES = 6
MIN_SCORE, MAX_SCORE = 1.0, 10.0
SMALL_RADIUS_MM, TINY_RADIUS_MM = 3.0, 1.0
CUTTING_FAMILIES = ("hole", "pocket", "slot", "step", "boss", "groove")


def complexity_score(
    face_count: int | None, features: list[dict[str, Any]], part_type: str
) -> float:
    """The score of one part; ``features`` carry their ``family`` (public shape)."""
    terms = complexity_terms(face_count, features, part_type)
    return round(float(np.clip(MIN_SCORE + sum(terms.values()), MIN_SCORE, MAX_SCORE)), 1)


def complexity_terms(
    face_count: int | None, features: list[dict[str, Any]], part_type: str
) -> dict[str, float]:
    """Each term of the score, named as in the table of this module's docstring."""
    faces = max(face_count or BLOCK_FACES, 1)
    return {
        "faces": float(np.clip(2.0 * math.log10(faces / BLOCK_FACES), 0.0, 3.0)),
        "features": min(len(features) / 10.0, 2.0),
        "variety": min(0.25 * len({f["family"] for f in features}), 1.5),
        "access": min(0.75 * max(len(access_directions(features)) - 1, 0), 1.5),
        "internal_radius": _radius_points(smallest_internal_radius(features)),
        "mill_turn": 1.0 if part_type == "mixed" else 0.0,
    }


def access_directions(features: list[dict[str, Any]]) -> set[tuple[float, ...]]:
    """Distinct directions the tool comes from: a cut's tool-access direction,
    a hole's drill axis."""
    directions = set()
    for feature in features:
        if feature["family"] not in CUTTING_FAMILIES:
            continue
        parameters = feature["parameters"]
        direction = parameters.get("tool_access_direction")
        if direction is None and feature["family"] == "hole":
            direction = parameters.get("axis")
        if direction is not None:
            directions.add(tuple(np.round(np.asarray(direction, dtype=float), 2).tolist()))
    return directions


def smallest_internal_radius(features: list[dict[str, Any]]) -> float:
    """The smallest concave radius a cutter must fit: pocket corners, floor fillets,
    concave rounds; infinity when there is none."""
    return min(_internal_radii(features), default=math.inf)


def _radius_points(radius: float) -> float:
    if radius < TINY_RADIUS_MM:
        return 1.0
    return 0.5 if radius < SMALL_RADIUS_MM else 0.0


def _internal_radii(features: list[dict[str, Any]]) -> Iterable[float]:
    for feature in features:
        parameters = feature["parameters"]
        for name in ("min_corner_radius", "floor_fillet_radius"):
            value = parameters.get(name)
            if value:
                yield float(value)
        concave_round = feature["family"] == "fillet" and feature.get("subtype") == "concave"
        if concave_round and parameters.get("radius"):
            yield float(parameters["radius"])
