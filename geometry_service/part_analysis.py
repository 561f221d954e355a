"""The work of one request, as run inside a geometry worker process.

read STEP -> B-Rep graph -> mesh with face map -> part metrics -> the highest
tier of the ladder that answers. Returns a JSON-ready dict (the parts of the
/analyze answer that depend on the file); the HTTP process adds the request's
own fields (correlation id, hash, cache flag, total time).

This module is what the worker forkserver preloads, so OCP is imported once.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .analysis_request import AnalysisRequest
from .brepnet_wrapper import recognize_with_model
from .features import Recognition
from .finite_json import finite_json
from .geometric_fallback import recognize_features
from .geometry.brep_graph import SURFACE_TYPES, build_graph
from .geometry.mesher import Mesh, mesh_model
from .geometry.part_metrics import measure_part
from .geometry.step_reader import read_step
from .errors import ErrorType, PermanentError
from .graceful_degradation import Ladder, PartContext, Tier, TierFailure
from .point_cloud import summarize_point_cloud
from .recognition.outline import part_outline
from .recognition.topology import PartTopology


def analyze_file(path: str | Path, request: AnalysisRequest = AnalysisRequest()) -> dict[str, Any]:
    """Analyze one STEP file; raises PermanentError for input that cannot be a part."""
    started = time.perf_counter()
    model = read_step(Path(path))
    graph, topology, outline, graph_error = None, None, None, None
    topology_ms = None
    try:
        graph = build_graph(model)
        topology_started = time.perf_counter()
        topology = PartTopology(graph)
        outline = part_outline(topology)
        topology_ms = (time.perf_counter() - topology_started) * 1000.0
    except Exception as exc:  # the mesh tiers can still answer without a graph
        graph, graph_error = None, f"{type(exc).__name__}: {exc}"
    mesh = mesh_model(model, request.mesh)

    ladder = build_ladder(request, graph_error)
    context = PartContext(model=model, graph=graph, mesh=mesh, topology=topology, outline=outline)
    result = ladder.run(context, request.deadline)
    recognition = result.recognition

    warnings = []
    if graph_error:
        warnings.append(f"B-Rep graph could not be built: {graph_error}")
    if mesh.unmeshed_faces:
        warnings.append(f"{len(mesh.unmeshed_faces)} face(s) have no triangles: {mesh.unmeshed_faces[:20]}")

    metadata: dict[str, Any] = {"part_type": recognition.part_type}
    if graph is not None:
        metadata.update(measure_part(model, topology, outline).to_json())
    else:
        metadata.update(face_count=model.face_count, solid_count=model.solid_count)
    metadata["part_parameters"] = recognition.part_parameters

    timings = {
        "read_ms": model.read_ms,
        "graph_ms": graph.build_ms if graph is not None else None,
        "topology_ms": topology_ms,
        "mesh_ms": mesh.mesh_ms,
        "recognize_ms": sum(result.tier_ms.values()),
        "tiers_ms": result.tier_ms,
    }
    timings["worker_total_ms"] = (time.perf_counter() - started) * 1000.0
    non_finite: list[str] = []
    features = finite_json([feature.to_json() for feature in recognition.features], "features", non_finite)
    faces = finite_json(_faces_json(model, graph, recognition), "faces", non_finite)
    metadata = finite_json(metadata, "metadata", non_finite)
    if non_finite:
        warnings.append(f"non-finite values sent as null at: {', '.join(non_finite[:20])}")
    return {
        "processing_tier": result.tier.label,
        "tier_number": int(result.tier),
        "confidence": result.confidence,
        "timings": timings,
        "degradation": [failure.to_json() for failure in result.degradation],
        "mesh_data": mesh.to_json(model.face_count) if request.include_mesh else None,
        "faces": faces,
        "features": features,
        "metadata": metadata,
        "warnings": warnings,
    }


def build_ladder(request: AnalysisRequest, graph_error: str | None) -> Ladder:
    """Plug the tiers in; a tier whose inputs are missing is blocked with the reason."""
    blocked = {failure.tier: failure for failure in request.blocked_tiers}
    if graph_error:
        for tier in (Tier.BREP_ML, Tier.MESH_HEURISTICS):
            reason = f"no B-Rep graph: {graph_error}"
            blocked.setdefault(tier, TierFailure(tier, reason, "graph_failed", ErrorType.PERMANENT.value))
    tiers = {
        Tier.BREP_ML: partial(
            _brep_ml, model_path=request.model_path, min_probability=request.model_min_face_probability
        ),
        Tier.MESH_HEURISTICS: _rule_based,
        Tier.POINT_CLOUD: _point_cloud,
        Tier.BASIC: _mesh_only,
    }
    return Ladder(tiers=tiers, unavailable=blocked)


def _brep_ml(context: PartContext, model_path: Path, min_probability: float) -> Recognition:
    """Tier 1 answers only where the network is sure of every face.

    On parts like its training data the network is sure of every face
    (lowest face probability above 0.99 on MFCAD); on parts unlike them it
    guesses, with many faces well under 0.9. A guess with a 0.95 confidence
    label would cost a shop more than the rules' answer from tier 2.
    """
    recognition = recognize_with_model(context.graph, model_path, context.topology)
    probabilities = np.asarray(recognition.face_probabilities)
    unsure = np.flatnonzero(probabilities < min_probability)
    if unsure.size:
        raise PermanentError(
            "model_uncertain",
            f"the model is unsure of {unsure.size} of {probabilities.size} faces "
            f"(lowest probability {probabilities.min():.2f} < {min_probability:.2f})",
            details={"faces": unsure[:50].tolist()},
        )
    return recognition


def _rule_based(context: PartContext) -> Recognition:
    return recognize_features(context.graph, context.topology, context.outline)


def _point_cloud(context: PartContext) -> Recognition:
    mesh: Mesh = context.mesh
    summary = summarize_point_cloud(mesh.vertices, mesh.indices)
    return Recognition(
        features=[],
        face_labels=[],
        face_feature=[],
        part_type=summary.part_type,
        part_parameters={"point_cloud": summary.to_json()},
    )


def _mesh_only(context: PartContext) -> Recognition:
    return Recognition(features=[], face_labels=[], face_feature=[], part_type="unknown")


def _faces_json(model, graph, recognition: Recognition) -> list[dict[str, Any]]:
    labelled = len(recognition.face_labels) == model.face_count
    probabilities = recognition.face_probabilities
    faces = []
    for face_id in range(model.face_count):
        faces.append(
            {
                "id": face_id,
                "step_name": model.face_names[face_id],
                "surface_type": SURFACE_TYPES[graph.face_surface_type[face_id]] if graph is not None else None,
                "area": float(graph.face_area[face_id]) if graph is not None else None,
                "label": recognition.face_labels[face_id] if labelled else None,
                "label_probability": probabilities[face_id] if probabilities else None,
                "feature_id": recognition.face_feature[face_id] if labelled else None,
            }
        )
    return faces

