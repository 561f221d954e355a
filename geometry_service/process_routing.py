"""Which machines make the part, and why, in the words the quote site shows.

The part type is decided where the part is measured (recognition/turning.py
for the recognizing tiers, point_cloud.py for tier 3); this module only maps
it to the shop's processes and words the measured facts behind it, one reason
per process, so that a quote can be checked by a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .point_cloud import ROUNDNESS_TOLERANCE

MILLING = "VMC Machining"
TURNING = "CNC Lathe"


@dataclass(frozen=True)
class Routing:
    processes: list[str]
    reasoning: list[str]  # one per process, same order


def route(part_type: str, part_parameters: dict[str, Any]) -> Routing:
    """Lathe for rotational parts, mill for prismatic ones, both for mill-turn parts."""
    revolution = part_parameters.get("revolution_area_share")
    point_cloud = part_parameters.get("point_cloud")
    if revolution is not None:
        return _from_faces(part_type, revolution, part_parameters)
    if point_cloud is not None:
        return _from_point_cloud(part_type)
    return Routing(
        [MILLING], ["shape not recognized (mesh only): milling assumed, review the part"]
    )


def _from_faces(part_type: str, revolution: float, parameters: dict[str, Any]) -> Routing:
    turned = f"{_percent(revolution)} of area on faces of revolution about one axis"
    if part_type == "rotational":
        bar = ""
        if "bar_diameter" in parameters:
            bar = f" (bar Ø{parameters['bar_diameter']:.1f} × {parameters['bar_length']:.1f} mm)"
        return Routing([TURNING], [f"rotational: {turned}{bar}"])
    if part_type == "mixed":
        outside = parameters.get("turned_outside_share", 0.0)
        return Routing(
            [TURNING, MILLING],
            [
                f"mill-turn: {turned}, {_percent(outside)} on its outside cylinders and cones",
                f"mill-turn: the other {_percent(1.0 - revolution)} of area "
                "(flats, cross holes, milled cuts) is milled",
            ],
        )
    return Routing([MILLING], [f"prismatic: only {turned}"])


def _from_point_cloud(part_type: str) -> Routing:
    within = f"within {_percent(ROUNDNESS_TOLERANCE)} (point cloud)"
    if part_type == "rotational":
        reason = f"rotational: the outline is round about a principal axis {within}"
        return Routing([TURNING], [reason])
    return Routing([MILLING], [f"prismatic: the outline is round about no principal axis {within}"])


def _percent(share: float) -> str:
    return f"{100.0 * share:.0f} %"
