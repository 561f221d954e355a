"""The /analyze answer as the quote site reads it, built once, here.

The worker measures the part (worker_result.WorkerResult: mesh, faces,
features, metadata); the HTTP process knows the request (:class:`Upload`) and
what answered (:class:`Versions`). This module builds the answer from both and
adds what the quote site's edge function and UI read (DESIGN.md, "The
/analyze answer"): the part's measures at top level in cm³ and cm², its
complexity score, the processes that make it and why, the machining summary
with the terms of the complexity score, the recognition method in the words
the site shows, and each feature's family, bottom faces and review flags
(``agreement`` null and ``needs_review`` false where the rules answered
alone). It runs in the HTTP process on fresh and cached results alike, so a
new wording or formula never waits for the cache to expire. No Flask, no OCP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .complexity import complexity_score, complexity_terms
from .graceful_degradation import Tier
from .mesh_data import mesh_for_caller
from .process_routing import route
from .recognition.taxonomy import FAMILY_BY_TYPE, OTHER_FAMILY
from .worker_result import WorkerResult

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


@dataclass(frozen=True)
class Upload:
    """The request's own facts, for an answer to an upload (a cached answer fetched
    by its hash has none)."""

    correlation_id: str
    file_name: str
    file_size: int
    total_ms: float  # from the request's arrival to the answer


@dataclass(frozen=True)
class Versions:
    """What answered: ``model_version`` is the model file's content hash (it keys the
    cache), ``service_version`` the package's; the model's own release name is
    ``part_parameters.recognizers.model_release``."""

    model_version: str
    service_version: str


def public_answer(
    result: WorkerResult,
    file_hash: str,
    cached: bool,
    versions: Versions,
    upload: Upload | None = None,
    mesh_format: str = "json",
) -> dict[str, Any]:
    """The answer for the caller, built from ``result`` (fresh or cached) and the
    request's facts; the mesh in ``mesh_format`` (mesh_data.py: ``json`` or ``binary``)."""
    part_parameters = result.metadata.get("part_parameters") or {}
    metadata = {
        **result.metadata,
        "model_version": versions.model_version,
        "service_version": versions.service_version,
        "recognition_method": recognition_method(result.tier, part_parameters),
    }
    part_type = metadata.get("part_type", "unknown")
    features = [public_feature(feature) for feature in result.features]
    routing = route(part_type, part_parameters)
    summary = result.machining_summary
    if summary is not None:
        summary = {
            **summary,
            "complexity_terms": complexity_terms(metadata.get("face_count"), features, part_type),
        }
    timings = dict(result.timings)
    answer: dict[str, Any] = {}
    if upload is not None:
        timings["total_ms"] = upload.total_ms
        answer.update(
            success=True,
            correlation_id=upload.correlation_id,
            file_name=upload.file_name,
            file_size=upload.file_size,
            processing_time_ms=round(upload.total_ms, 1),
        )
    answer.update(
        file_hash=file_hash,
        cached=cached,
        processing_tier=result.tier.label,
        confidence=result.confidence,
        timings=timings,
        degradation=[item.to_json() for item in result.degradation],
        mesh_data=mesh_for_caller(result.mesh, mesh_format),
        faces=result.faces,
        features=features,
        metadata=metadata,
        warnings=result.warnings,
        volume_cm3=_scaled(metadata.get("volume_mm3"), MM3_PER_CM3),
        surface_area_cm2=_scaled(metadata.get("surface_area_mm2"), MM2_PER_CM2),
        triangle_count=result.mesh.triangle_count if result.mesh is not None else None,
        complexity_score=complexity_score(metadata.get("face_count"), features, part_type),
        recommended_processes=routing.processes,
        routing_reasoning=routing.reasoning,
        manufacturing=result.manufacturing,
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
