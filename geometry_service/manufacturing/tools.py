"""The tool each feature needs: the largest end mill that fits a milled cut,
the drill of a hole, and how far each must reach.

An end mill fits a pocket or slot when its radius is at most the smallest
internal corner radius and its diameter at most the narrowest width (no
clearance is added: a shop picks the next size down for roughing, which
only makes the ratio worse). Its reach is the depth of the feature's lowest
point below the part's top along the set-up's direction: a pocket on a
lower step needs a longer tool than its own depth. The length : diameter
ratio of that tool is what DFM checks against the shop's limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..fields_dict import fields_dict
from ..recognition.taxonomy import FAMILY_BY_TYPE, OTHER_FAMILY

# Diameters of DIN 6527 solid carbide end mills as stocked by the tool makers'
# catalogues, mm; a cut with no corner or width limit gets the largest.
END_MILLS = np.array(
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0, 25.0]
)
MILLED_FAMILIES = ("pocket", "slot", "step", "boss")
WIDTH_LIMITED_FAMILIES = ("pocket", "slot")
EDGE_TOOLS = {"chamfer": "chamfer_mill", "fillet": "corner_rounding_mill"}
TURNED_TOOLS = {"turned": "turning_insert", "groove": "grooving_insert"}


@dataclass
class ToolChoice:
    """The tool for one feature. Lengths in mm; None where it does not apply."""

    feature_id: int
    setup: int | None
    # end_mill, drill, chamfer_mill, corner_rounding_mill, turning_insert, grooving_insert,
    # boring
    tool: str
    diameter: float | None
    limited_by: str | None  # corner_radius, width, drill_series, largest_stocked
    limit_mm: float | None  # the corner radius or width that sets the diameter
    reach: float | None  # depth of the feature's lowest point below the part's top
    reach_ratio: float | None  # reach : diameter
    hole_depth_ratio: float | None = None  # a hole's own depth : diameter

    def to_json(self) -> dict[str, Any]:
        return fields_dict(self)


class TopAlong:
    """How far below the part's top, along a direction, each face's lowest point lies."""

    def __init__(
        self, vertices: np.ndarray, indices: np.ndarray, face_ids: np.ndarray, face_count: int
    ):
        self._vertices = vertices.astype(np.float64)
        self._indices = indices
        self._bounds = np.searchsorted(face_ids, np.arange(face_count + 1))
        # Per direction: every vertex's height along it, and the part's top.
        self._heights: dict[tuple[float, ...], tuple[np.ndarray, float]] = {}

    def reach(self, face_ids: list[int], direction: np.ndarray) -> float | None:
        triangles = np.concatenate(
            [np.arange(self._bounds[f], self._bounds[f + 1]) for f in face_ids]
            or [np.zeros(0, int)]
        )
        if not len(triangles):
            return None
        key = tuple(np.asarray(direction, dtype=float).tolist())
        if key not in self._heights:
            heights = self._vertices @ np.asarray(direction, dtype=float)
            self._heights[key] = heights, float(heights.max())
        heights, top = self._heights[key]
        return top - float(heights[self._indices[triangles]].min())


def choose_tools(
    features: list[dict[str, Any]],
    feature_setup: dict[int, int],
    setup_directions: dict[int, np.ndarray],
    top: TopAlong,
) -> list[ToolChoice]:
    """One choice per feature that a set-up makes."""
    choices = []
    for feature in features:
        setup = feature_setup.get(feature["id"])
        if setup is None:
            continue
        family = FAMILY_BY_TYPE.get(feature["type"], OTHER_FAMILY)
        direction = setup_directions.get(setup)
        reach = top.reach(feature["face_ids"], direction) if direction is not None else None
        choice = _choose(feature, family, setup, reach)
        if choice is not None:
            choices.append(choice)
    return choices


def _choose(
    feature: dict[str, Any], family: str, setup: int, reach: float | None
) -> ToolChoice | None:
    parameters = feature["parameters"]
    fid = feature["id"]
    if family == "hole":
        return _hole_tool(fid, setup, parameters, reach)
    if family in MILLED_FAMILIES:
        diameter, limited_by, limit = _end_mill(family, parameters)
        return ToolChoice(
            fid, setup, "end_mill", diameter, limited_by, limit, reach, _ratio(reach, diameter)
        )
    if family in EDGE_TOOLS:
        return ToolChoice(fid, setup, EDGE_TOOLS[family], None, None, None, reach, None)
    if family in TURNED_TOOLS:
        return ToolChoice(fid, setup, TURNED_TOOLS[family], None, None, None, None, None)
    return None


def _hole_tool(fid: int, setup: int, parameters: dict[str, Any], reach: float | None) -> ToolChoice:
    diameter = float(parameters["diameter"])
    drill = parameters.get("iso_drill")
    depth_ratio = _ratio(parameters.get("depth"), diameter)
    if drill is None:  # past the drill series: bored or helically milled
        return ToolChoice(
            fid, setup, "boring", diameter, None, None, reach, _ratio(reach, diameter), depth_ratio
        )
    size = float(drill["size"])
    return ToolChoice(
        fid, setup, "drill", size, "drill_series", diameter, reach, _ratio(reach, size), depth_ratio
    )


def _end_mill(family: str, parameters: dict[str, Any]) -> tuple[float, str, float | None]:
    """The largest stocked end mill within the corner radius and the width."""
    limits = []
    radius = parameters.get("min_corner_radius") or 0.0
    if radius > 0.0:
        limits.append((2.0 * radius, "corner_radius", radius))
    width = parameters.get("width")
    if family in WIDTH_LIMITED_FAMILIES and width:
        limits.append((float(width), "width", float(width)))
    if not limits:
        return float(END_MILLS[-1]), "largest_stocked", None
    most, limited_by, limit = min(limits)
    fitting = END_MILLS[END_MILLS <= most + 1e-6]
    return (float(fitting[-1]) if len(fitting) else float(most)), limited_by, limit


def _ratio(length: float | None, diameter: float | None) -> float | None:
    if length is None or not diameter:
        return None
    return float(length) / float(diameter)
