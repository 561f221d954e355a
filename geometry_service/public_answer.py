"""The /analyze answer as the quote site reads it, built from a worker's result.

The worker measures the part (mesh, faces, features, metadata). This module
adds what the quote site's edge function and UI read (DESIGN.md, "The /analyze
answer"): the part's measures at top level in cm³ and cm², its complexity
score, the processes that make it and why, the recognition method in the
words the site shows, and each feature's family and bottom faces; and it keeps
the worker's internal fields out. It runs in the HTTP process on fresh and
cached results alike, so a new wording or formula never waits for the cache to
expire. No Flask, no OCP.
"""

from __future__ import annotations

from typing import Any

from .complexity import complexity_score
from .graceful_degradation import Tier
from .mesh_data import mesh_for_caller
from .process_routing import route
from .recognition.taxonomy import FAMILY_BY_TYPE, OTHER_FAMILY

INTERNAL_FIELDS = ("tier_number",)
RECOGNITION_METHODS = {
    Tier.BREP_ML: "brepnet",
    Tier.MESH_HEURISTICS: "rules",
    Tier.POINT_CLOUD: "point_cloud",
    Tier.BASIC: "mesh_only",
}
FLOOR_FAMILIES = ("pocket", "slot", "step")  # their floors are measured as "floor_faces"
MM3_PER_CM3 = 1000.0
MM2_PER_CM2 = 100.0


def public_answer(result: dict[str, Any], mesh_format: str = "json") -> dict[str, Any]:
    """The answer for the caller: ``result`` (a worker's, with the request's own
    fields) plus the quote fields, less the internal ones; the mesh, which comes
    as arrays, in ``mesh_format`` (mesh_data.py: ``json`` or ``binary``)."""
    method = RECOGNITION_METHODS[Tier(result["tier_number"])]
    metadata = {**result["metadata"], "recognition_method": method}
    part_type = metadata.get("part_type", "unknown")
    features = [public_feature(feature) for feature in result["features"]]
    routing = route(part_type, metadata.get("part_parameters") or {})
    mesh = result.get("mesh_data")
    answer = {key: value for key, value in result.items() if key not in INTERNAL_FIELDS}
    answer.update(
        features=features,
        metadata=metadata,
        mesh_data=mesh_for_caller(mesh, mesh_format),
        volume_cm3=_scaled(metadata.get("volume_mm3"), MM3_PER_CM3),
        surface_area_cm2=_scaled(metadata.get("surface_area_mm2"), MM2_PER_CM2),
        triangle_count=mesh.triangle_count if mesh is not None else None,
        complexity_score=complexity_score(metadata.get("face_count"), features, part_type),
        recommended_processes=routing.processes,
        routing_reasoning=routing.reasoning,
    )
    return answer


def public_feature(feature: dict[str, Any]) -> dict[str, Any]:
    """A feature with its family (the site's fixed vocabulary) and its bottom faces:
    the floors of pockets, slots and steps, the bottom of a blind hole."""
    family = FAMILY_BY_TYPE.get(feature["type"], OTHER_FAMILY)
    parameters = feature["parameters"]
    if family in FLOOR_FAMILIES:
        bottom = parameters.get("floor_faces", [])
    elif family == "hole":
        bottom = parameters.get("bottom_faces", [])
    else:
        bottom = []
    public = {"id": feature["id"], "type": feature["type"], "family": family}
    public.update(feature)
    public["bottom_faces"] = list(bottom)
    return public


def _scaled(value: float | None, per_unit: float) -> float | None:
    return None if value is None else value / per_unit
