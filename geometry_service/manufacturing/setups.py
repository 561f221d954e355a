"""Set-ups: the fewest tool directions that reach every reachable feature,
and the machine class the part needs.

A feature is reached from a direction when every one of its faces that any
direction reaches is reached (fully, else at least in part) from it. The
fewest directions covering all features is set cover, NP-hard in general;
the greedy choice (take the direction that reaches the most features not yet
covered, the frame's directions first on a tie) is within a factor ln(n) of
the best and exact on the few directions a real part has. Turned features
(on a rotational or mill-turn part) are made on the lathe, in one turning
set-up about the turning axis, and take no part in the cover.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..fields_dict import fields_dict
from ..recognition.taxonomy import TURNING_CLASSES
from .access import FaceAccess
from .directions import SAME_DIRECTION

LATHE = "lathe"
MILL_TURN = "mill-turn"
THREE_AXIS = "3-axis"
THREE_PLUS_TWO = "3+2"
FIVE_AXIS = "5-axis"
HOLE_TYPES = ("through_hole", "blind_hole")
ON_AXIS_MM = 1e-3


@dataclass
class Setup:
    """One clamping: the direction the tool comes from and the features made in it."""

    index: int
    kind: str  # "milling" or "turning"
    direction: list[float]
    direction_name: str
    feature_ids: list[int]
    direction_index: int | None = None  # into the candidate directions; None for turning

    def to_json(self) -> dict[str, Any]:
        return fields_dict(self)


@dataclass
class SetupPlan:
    setups: list[Setup]
    machine_class: str
    feature_directions: dict[int, list[int]]  # feature id -> direction indices that reach it
    feature_setup: dict[int, int]  # feature id -> index of the set-up that makes it
    unreached_features: list[int] = field(default_factory=list)
    split_features: list[int] = field(
        default_factory=list
    )  # no one direction reaches all their faces
    sculptured_features: list[int] = field(
        default_factory=list
    )  # a face only directions together reach

    def to_json(self) -> dict[str, Any]:
        return {
            "count": len(self.setups),
            "machine_class": self.machine_class,
            "method": "greedy set cover over tool directions",
            "setups": [setup.to_json() for setup in self.setups],
            "unreached_feature_ids": self.unreached_features,
            "split_feature_ids": self.split_features,
            "sculptured_feature_ids": self.sculptured_features,
        }


def plan_setups(
    features: list[dict[str, Any]],
    access: FaceAccess,
    part_type: str,
    turning: tuple[np.ndarray, np.ndarray] | None,
) -> SetupPlan:
    """Set-ups for ``features`` (worker shape: id, type, face_ids, parameters);
    ``turning`` is the turning axis and a point on it, for a turned part."""
    turned = []
    if part_type != "prismatic" and turning is not None:
        turned = [f["id"] for f in features if _turned(f, *turning)]
    milled = [f for f in features if f["id"] not in set(turned)]
    reach: dict[int, list[int]] = {}
    split = []
    for feature in milled:
        directions, single = _feature_directions(feature["face_ids"], access)
        reach[feature["id"]] = directions
        if directions and not single:
            split.append(feature["id"])
    sculptured_faces = (
        access.sampled
        & ~access.full.any(axis=1)
        & (np.nan_to_num(access.unreached, nan=1.0) == 0.0)
    )
    sculptured = [f["id"] for f in milled if sculptured_faces[f["face_ids"]].any()]

    setups: list[Setup] = []
    feature_setup: dict[int, int] = {}
    if turned:
        setups.append(
            Setup(
                0, "turning", np.asarray(turning[0], dtype=float).tolist(), "turning axis", turned
            )
        )
        feature_setup.update({feature_id: 0 for feature_id in turned})
    for direction, covered in _greedy_cover(reach, access):
        index = len(setups)
        vector = access.directions.vectors[direction]
        setups.append(
            Setup(
                index,
                "milling",
                vector.tolist(),
                access.directions.name(direction),
                covered,
                direction,
            )
        )
        feature_setup.update({feature_id: index for feature_id in covered})
    unreached = [feature_id for feature_id, directions in reach.items() if not directions]
    return SetupPlan(
        setups=setups,
        machine_class=_machine_class(setups, access, sculptured, bool(turned)),
        feature_directions=reach,
        feature_setup=feature_setup,
        unreached_features=unreached,
        split_features=split,
        sculptured_features=sculptured,
    )


def _feature_directions(face_ids: list[int], access: FaceAccess) -> tuple[list[int], bool]:
    """Directions that reach the feature, and whether one of them reaches all of it.

    Faces that no direction reaches (undercuts) are left out: they are warned
    about on their own. Where no single direction reaches every remaining face
    (faces facing apart), the directions that reach the most
    sampled area stand in: the feature is made in parts, from several set-ups.
    """
    faces = np.asarray(face_ids, dtype=np.int64)
    faces = faces[access.sampled[faces] & access.partial[faces].any(axis=1)]
    if not len(faces):
        return [], False
    full = np.flatnonzero(access.full[faces].all(axis=0))
    if len(full):
        return full.tolist(), True
    partial = np.flatnonzero(access.partial[faces].all(axis=0))
    if len(partial):
        return partial.tolist(), True
    score = np.nan_to_num(access.reached[faces]).sum(axis=0)
    return [int(np.argmax(score))], False


def _greedy_cover(reach: dict[int, list[int]], access: FaceAccess) -> list[tuple[int, list[int]]]:
    """(direction, features it is chosen for), in the order chosen."""
    direction_count = len(access.directions)
    uncovered = {feature_id for feature_id, directions in reach.items() if directions}
    chosen = []
    while uncovered:
        gains = np.zeros(direction_count, dtype=int)
        for feature_id in uncovered:
            gains[reach[feature_id]] += 1
        # Most features first; on a tie the frame's directions (lower index) win.
        best = int(np.argmax(gains))
        covered = sorted(f for f in uncovered if best in reach[f])
        chosen.append((best, covered))
        uncovered.difference_update(covered)
    return chosen


def _machine_class(
    setups: list[Setup], access: FaceAccess, sculptured: list[int], turned: bool
) -> str:
    """5-axis where a face is reached only by several directions together (the
    tool must tilt along it); 3+2 where a set-up comes from a slanted direction."""
    milling = [s for s in setups if s.kind == "milling"]
    if turned:
        return MILL_TURN if milling else LATHE
    if sculptured:
        return FIVE_AXIS
    if all(access.directions.is_principal(s.direction_index) for s in milling):
        return THREE_AXIS
    return THREE_PLUS_TWO


def _turned(feature: dict[str, Any], axis: np.ndarray, point: np.ndarray) -> bool:
    """A turned feature, or a hole on the turning axis (drilled on the lathe)."""
    if feature["type"] in TURNING_CLASSES:
        return True
    parameters = feature["parameters"]
    if feature["type"] not in HOLE_TYPES or "entry_point" not in parameters:
        return False
    hole_axis = np.asarray(parameters["axis"], dtype=float)
    offset = np.asarray(parameters["entry_point"], dtype=float) - point
    off_axis = offset - (offset @ axis) * axis
    return (
        abs(float(hole_axis @ axis)) > SAME_DIRECTION
        and float(np.linalg.norm(off_axis)) < ON_AXIS_MM
    )
