"""DFM warnings: each with a stable code, a severity, the faces it is about,
the measured value against the shop's limit, and what to change.

The checks read what the other modules measured (access, sharp corners,
tools, wall thickness, the part's box); this module only compares them
with the limits and words the advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..fields_dict import fields_dict
from .access import FaceAccess
from .corners import SharpCorner
from .limits import ShopLimits
from .tools import ToolChoice
from .walls import ThinWall

INFO, WARNING, CRITICAL = "info", "warning", "critical"


@dataclass
class DfmWarning:
    code: str
    severity: str  # info, warning or critical
    face_ids: list[int]
    feature_id: int | None
    measured: float | None
    limit: float | None
    unit: str  # of measured and limit: mm, ratio, share
    message: str
    suggestion: str

    def to_json(self) -> dict[str, Any]:
        return fields_dict(self)


def access_warnings(access: FaceAccess, face_feature: list[int | None]) -> list[DfmWarning]:
    """Faces no direction reaches (undercuts), and faces reached only in part."""
    warnings = []
    for face in access.inaccessible_faces().tolist():
        warnings.append(
            DfmWarning(
                "inaccessible_face",
                CRITICAL,
                [face],
                face_feature[face],
                0.0,
                1.0,
                "share",
                f"face {face} cannot be reached by a 3-axis tool from any of "
                f"{len(access.directions)} directions",
                "open the undercut to a tool direction, or plan a T-slot / lollipop cutter "
                "or a 5-axis set-up",
            )
        )
    for face in access.partly_reached_faces().tolist():
        share = float(access.unreached[face])
        warnings.append(
            DfmWarning(
                "material_left_behind",
                WARNING,
                [face],
                face_feature[face],
                round(share, 3),
                0.0,
                "share",
                f"{100 * share:.0f} % of face {face} is reached by no tool direction",
                "check that the shadowed part of the face may keep stock, or open it to the tool",
            )
        )
    return warnings


def corner_warnings(corners: list[SharpCorner], face_feature: list[int | None]) -> list[DfmWarning]:
    """One warning per feature (or per loose face pair) for its sharp internal corners."""
    groups: dict[Any, list[SharpCorner]] = {}
    for corner in corners:
        owner = face_feature[corner.faces[0]]
        key = (
            owner if owner is not None and owner == face_feature[corner.faces[1]] else corner.faces
        )
        groups.setdefault(key, []).append(corner)
    warnings = []
    for key, found in groups.items():
        faces = sorted({face for corner in found for face in corner.faces})
        feature = key if isinstance(key, int) else None
        warnings.append(
            DfmWarning(
                "sharp_internal_corner",
                CRITICAL,
                faces,
                feature,
                0.0,
                None,
                "mm",
                f"{len(found)} sharp internal corner(s) between faces {faces}: "
                "a rotating tool leaves its radius",
                "give the corners a radius a little larger than the tool's (or dog-bone reliefs), "
                "or plan EDM",
            )
        )
    return warnings


def tool_warnings(
    tools: list[ToolChoice], features: dict[int, dict[str, Any]], limits: ShopLimits
) -> list[DfmWarning]:
    """Tools too long for their diameter, deep holes, non-standard and threadable holes."""
    warnings = []
    for tool in tools:
        feature = features[tool.feature_id]
        faces = list(feature["face_ids"])
        if (
            tool.tool == "end_mill"
            and tool.reach_ratio
            and tool.reach_ratio > limits.max_tool_reach_ratio
        ):
            warnings.append(_reach_warning(tool, faces, limits))
        if tool.tool in ("drill", "boring"):
            warnings.extend(_hole_warnings(tool, feature, limits))
    return warnings


def _reach_warning(tool: ToolChoice, faces: list[int], limits: ShopLimits) -> DfmWarning:
    needed = tool.reach / limits.max_tool_reach_ratio  # the smallest diameter the reach allows
    if tool.limited_by == "corner_radius":
        return DfmWarning(
            "internal_radius_too_small_for_depth",
            WARNING,
            faces,
            tool.feature_id,
            tool.limit_mm,
            round(needed / 2.0, 3),
            "mm",
            f"corner radius {tool.limit_mm:.2f} mm takes a Ø{tool.diameter:g} mm end mill reaching "
            f"{tool.reach:.1f} mm (L:D {tool.reach_ratio:.1f} > {limits.max_tool_reach_ratio:g})",
            f"make the corner radius at least {needed / 2.0:.2f} mm, or the cut shallower",
        )
    return DfmWarning(
        "narrow_region_for_depth",
        WARNING,
        faces,
        tool.feature_id,
        tool.limit_mm or tool.diameter,
        round(needed, 3),
        "mm",
        f"width {tool.limit_mm or tool.diameter:.2f} mm takes a Ø{tool.diameter:g} mm end mill "
        f"reaching {tool.reach:.1f} mm (L:D {tool.reach_ratio:.1f} > "
        f"{limits.max_tool_reach_ratio:g})",
        f"widen the region to at least {needed:.2f} mm, or make it shallower",
    )


def _hole_warnings(
    tool: ToolChoice, feature: dict[str, Any], limits: ShopLimits
) -> list[DfmWarning]:
    parameters = feature["parameters"]
    faces, fid = list(feature["face_ids"]), tool.feature_id
    diameter = float(parameters["diameter"])
    warnings = []
    ratio = tool.hole_depth_ratio
    if ratio is not None and ratio > limits.gun_drill_ratio:
        warnings.append(
            DfmWarning(
                "deep_hole",
                WARNING,
                faces,
                fid,
                round(ratio, 3),
                limits.gun_drill_ratio,
                "ratio",
                f"Ø{diameter:.2f} mm hole {parameters.get('depth', 0.0):.1f} mm deep: "
                f"depth {ratio:.1f} x D needs a gun drill (over {limits.gun_drill_ratio:g} x D)",
                "shorten the hole, drill it from both sides, or enlarge it",
            )
        )
    elif ratio is not None and ratio > limits.peck_drill_ratio:
        warnings.append(
            DfmWarning(
                "deep_hole",
                INFO,
                faces,
                fid,
                round(ratio, 3),
                limits.peck_drill_ratio,
                "ratio",
                f"Ø{diameter:.2f} mm hole: depth {ratio:.1f} x D needs peck drilling "
                f"(over {limits.peck_drill_ratio:g} x D)",
                "accept a peck-drilling cycle, or shorten the hole",
            )
        )
    tap = parameters.get("iso_tap")
    threadable = tap is not None and abs(tap["difference"]) <= limits.tap_drill_tolerance_mm
    if threadable:
        warnings.append(
            DfmWarning(
                "threadable_hole",
                INFO,
                faces,
                fid,
                diameter,
                tap["tap_drill"],
                "mm",
                f"Ø{diameter:.2f} mm is the tap drill of {tap['thread']} x {tap['pitch']:g}",
                f"say whether the hole is tapped {tap['thread']} x {tap['pitch']:g}",
            )
        )
    drill = parameters.get("iso_drill")
    if (
        drill is not None
        and not threadable
        and abs(drill["difference"]) > limits.drill_size_tolerance_mm
    ):
        warnings.append(
            DfmWarning(
                "non_standard_hole_diameter",
                INFO,
                faces,
                fid,
                diameter,
                drill["size"],
                "mm",
                f"Ø{diameter:.3f} mm is no stocked drill; the nearest is Ø{drill['size']:g} mm",
                f"use Ø{drill['size']:g} mm, or accept a reamed or interpolated hole",
            )
        )
    return warnings


def wall_warnings(
    walls: list[ThinWall], face_feature: list[int | None], limits: ShopLimits
) -> list[DfmWarning]:
    return [
        DfmWarning(
            "thin_wall",
            WARNING,
            list(wall.faces),
            face_feature[wall.faces[0]],
            round(wall.thickness, 4),
            limits.min_wall_mm,
            "mm",
            f"wall between faces {wall.faces[0]} and {wall.faces[1]} is "
            f"{wall.thickness:.2f} mm thick",
            f"thicken it to {limits.min_wall_mm:g} mm or more, or expect chatter and a slow finish",
        )
        for wall in walls
    ]


def envelope_warnings(size: np.ndarray, limits: ShopLimits) -> list[DfmWarning]:
    """The part against the machine's travels, each sorted, so any orientation counts."""
    part = np.sort(np.asarray(size, dtype=float))[::-1]
    travel = np.sort(np.asarray(limits.machine_envelope_mm, dtype=float))[::-1]
    if np.all(part <= travel):
        return []
    over = int(np.argmax(part - travel))
    dims = " x ".join(f"{v:.0f}" for v in part)
    return [
        DfmWarning(
            "part_exceeds_machine_envelope",
            CRITICAL,
            [],
            None,
            round(float(part[over]), 3),
            float(travel[over]),
            "mm",
            f"the part ({dims} mm) does not fit the machine's travels "
            f"({' x '.join(f'{v:.0f}' for v in travel)} mm)",
            "quote it on a larger machine, or split the part",
        )
    ]
