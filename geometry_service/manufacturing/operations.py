"""The operations a quote prices, one per set-up, kind and tool.

Features made in the same set-up by the same kind of operation with the
same tool diameter are one operation (the quote site prices a tool change
and a cycle, not a feature). Each carries its feature ids, count, removal
volume and finish area (the area of the faces it leaves); the facing and
contouring of the outside carries what the features do not remove and
the area of the uncut stock faces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..fields_dict import fields_dict
from ..recognition.taxonomy import FAMILY_BY_TYPE, OTHER_FAMILY
from .limits import ShopLimits
from .tools import ToolChoice

OPERATION_BY_FAMILY = {
    "pocket": "pocket_milling",
    "slot": "slot_milling",
    "step": "step_milling",
    "boss": "contour_milling",
    "chamfer": "chamfering",
    "fillet": "edge_rounding",
    "turned": "turning",
    "groove": "grooving",
}
FACING = "facing_and_contouring"


@dataclass
class Operation:
    setup: int | None
    operation: str
    tool: str | None
    tool_diameter: float | None
    feature_ids: list[int] = field(default_factory=list)
    count: int = 0
    removal_volume_mm3: float = 0.0
    finish_area_mm2: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return fields_dict(self)


def operations(
    features: list[dict[str, Any]],
    tools: list[ToolChoice],
    feature_setup: dict[int, int],
    removal: dict[int, float | None],
    face_area: np.ndarray,
    stock_faces: np.ndarray,
    outside_removal: float,
    limits: ShopLimits,
) -> list[Operation]:
    """Features grouped into operations, then the facing of the outside in the first set-up."""
    tool_of = {tool.feature_id: tool for tool in tools}
    grouped: dict[tuple, Operation] = {}
    for feature in features:
        setup = feature_setup.get(feature["id"])
        tool = tool_of.get(feature["id"])
        kind = _operation(feature, tool, limits)
        diameter = tool.diameter if tool is not None else None
        key = (setup, kind, tool.tool if tool else None, diameter)
        operation = grouped.setdefault(key, Operation(setup, kind, key[2], diameter))
        operation.feature_ids.append(feature["id"])
        operation.count += 1
        operation.removal_volume_mm3 += removal.get(feature["id"]) or 0.0
        operation.finish_area_mm2 += float(face_area[feature["face_ids"]].sum())
    found = sorted(grouped.values(), key=lambda op: (op.setup is None, op.setup or 0, op.operation))
    first_setup = min((s for s in feature_setup.values()), default=None)
    facing = Operation(
        first_setup,
        FACING,
        "face_mill",
        None,
        [],
        0,
        max(outside_removal, 0.0),
        float(face_area[stock_faces].sum()),
    )
    return [facing, *found]


def _operation(feature: dict[str, Any], tool: ToolChoice | None, limits: ShopLimits) -> str:
    family = FAMILY_BY_TYPE.get(feature["type"], OTHER_FAMILY)
    if family == "hole":
        ratio = tool.hole_depth_ratio if tool is not None else None
        if tool is not None and tool.tool == "boring":
            return "boring"
        if ratio is not None and ratio > limits.gun_drill_ratio:
            return "gun_drilling"
        if ratio is not None and ratio > limits.peck_drill_ratio:
            return "peck_drilling"
        return "drilling"
    return OPERATION_BY_FAMILY.get(family, "milling")
