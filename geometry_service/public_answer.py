"""The /analyze answer as the quote site reads it, built from a worker's result.

The worker measures the part (mesh, faces, features, metadata). This module
adds what the quote site's edge function and UI read (DESIGN.md, "The /analyze
answer"): the part's measures at top level in cm³ and cm², its complexity
score, the processes that make it and why, the machining summary with the
terms of the complexity score, the recognition method in the words the site
shows, and each feature's family, bottom faces and review flags (``agreement``
null and ``needs_review`` false where the rules answered alone); and it keeps
the worker's internal fields out. It runs in the HTTP process on fresh and
cached results alike, so a new wording or formula never waits for the cache to
expire. No Flask, no OCP.
"""

from __future__ import annotations

from typing import Any

from .complexity import complexity_score, complexity_terms
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
COMBINED_METHOD = "brepnet+rules"
FLOOR_FAMILIES = ("pocket", "slot", "step")  # their floors are measured as "floor_faces"
MM3_PER_CM3 = 1000.0
MM2_PER_CM2 = 100.0


def public_answer(result: dict[str, Any], mesh_format: str = "json") -> dict[str, Any]:
    """The answer for the caller: ``result`` (a worker's, with the request's own
    fields) plus the quote fields, less the internal ones; the mesh, which comes
    as arrays, in ``mesh_format`` (mesh_data.py: ``json`` or ``binary``)."""
    method = recognition_method(
        Tier(result["tier_number"]), result["metadata"].get("part_parameters") or {}
    )
    metadata = {**result["metadata"], "recognition_method": method}
    part_type = metadata.get("part_type", "unknown")
    features = [public_feature(feature) for feature in result["features"]]
    routing = route(part_type, metadata.get("part_parameters") or {})
    mesh = result.get("mesh_data")
    summary = result.get("machining_summary")
    if summary is not None:
        summary = {
            **summary,
            "complexity_terms": complexity_terms(metadata.get("face_count"), features, part_type),
        }
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
        manufacturing=result.get(
            "manufacturing"
        ),  # None from results cached before the section existed
        machining_summary=summary,
    )
    return answer


def recognition_method(tier: Tier, part_parameters: dict[str, Any]) -> str:
    """What answered, in the site's words: tier 1 is ``brepnet`` where the network
    named every face, ``brepnet+rules`` where the rules named some."""
    if tier is Tier.BREP_ML and (part_parameters.get("recognizers") or {}).get("rules_named_faces"):
        return COMBINED_METHOD
    return RECOGNITION_METHODS[tier]


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
    public.setdefault("agreement", None)  # the rules alone: no second recognizer asked
    public.setdefault("needs_review", False)
    return public


def _scaled(value: float | None, per_unit: float) -> float | None:
    return None if value is None else value / per_unit
