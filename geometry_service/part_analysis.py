"""The work of one request, as run inside a geometry worker process.

read STEP or IGES (sewn where it holds no solid) -> the part (B-Rep graph,
topology, outline) -> mesh with face map -> the highest tier of the ladder
that answers -> part metrics and the manufacturing section. Returns a
:class:`~geometry_service.worker_result.WorkerResult`: what the answer holds
that depends on the file alone; the HTTP process builds the answer from it
(public_answer.py).

This module is what the worker forkserver preloads, so OCP is imported once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from .analysis_request import AnalysisRequest
from .brepnet_wrapper import model_at
from .combined_recognition import NetworkGate, recognize_combined
from .errors import ErrorType
from .features import Recognition
from .finite_json import finite_json
from .geometric_fallback import recognize_features
from .geometry.brep_graph import SURFACE_TYPES, BRepGraph
from .geometry.cad_reader import CadModel, read_cad
from .geometry.mesher import Mesh, mesh_model
from .geometry.part import Part
from .geometry.part_metrics import measure_mesh, measure_part
from .graceful_degradation import Ladder, Tier, TierFailure
from .manufacturing.report import analyze_manufacturing
from .point_cloud import summarize_point_cloud
from .worker_result import WorkerResult


@dataclass
class PartContext:
    """What the tiers read: the file, its part (None where the B-Rep graph was not
    built) and its mesh (None where the caller needs no mesh tier)."""

    model: CadModel
    part: Part | None
    mesh: Mesh | None
    rules: Recognition | None = None  # the rules' answer once run: tier 1 compares with it


def analyze_file(path: str | Path, request: AnalysisRequest = AnalysisRequest()) -> WorkerResult:
    """Analyze one STEP or IGES file; raises PermanentError for input that holds no face."""
    started = time.perf_counter()
    model = read_cad(Path(path), repair=not request.safe_mode, full_healing=request.full_healing)
    no_graph = _why_no_graph(model, request)
    part = None
    if no_graph is None:
        try:
            part = Part.from_model(model)
        except Exception as exc:  # a bug on a real file; the mesh tiers still answer
            no_graph = _GraphMissing(
                f"B-Rep graph could not be built: {type(exc).__name__}: {exc}",
                "graph_failed",
                ErrorType.SYSTEMIC,
                (Tier.BREP_ML, Tier.MESH_HEURISTICS),
            )
    mesh = mesh_model(model, request.mesh)

    context = PartContext(model=model, part=part, mesh=mesh)
    result = build_ladder(request, no_graph).run(context, request.deadline)
    recognition = result.recognition

    warnings = _model_warnings(model, request)
    if no_graph is not None and no_graph.code == "graph_failed":
        warnings.append(no_graph.reason)
    if mesh.coarsened:
        warnings.append(
            f"the mesh was made coarser (deflection {mesh.linear_deflection:.3g} mm) "
            f"to stay within the budget of {request.mesh.max_triangles} triangles"
        )
    if mesh.unmeshed_faces:
        warnings.append(
            f"{len(mesh.unmeshed_faces)} face(s) have no triangles: {mesh.unmeshed_faces[:20]}"
        )

    metrics = measure_part(model, part) if part is not None else measure_mesh(model, mesh)
    metadata: dict[str, Any] = {
        "part_type": recognition.part_type,
        "file_format": model.file_format.value,
        **metrics.to_json(),
        "part_parameters": recognition.part_parameters,
    }
    manufacturing, machining_summary, manufacturing_ms = _manufacturing(
        context, recognition, request, warnings
    )

    timings = {
        "read_ms": model.read_ms,
        "graph_ms": part.graph.build_ms if part is not None else None,
        "topology_ms": part.topology_ms if part is not None else None,
        "mesh_ms": mesh.mesh_ms,
        "recognize_ms": sum(result.tier_ms.values()),
        "tiers_ms": result.tier_ms,
        "manufacturing_ms": manufacturing_ms,
    }
    timings["worker_total_ms"] = (time.perf_counter() - started) * 1000.0
    non_finite: list[str] = []
    features = finite_json(
        [feature.to_json() for feature in recognition.features], "features", non_finite
    )
    graph = part.graph if part is not None else None
    faces = finite_json(_faces_json(model, graph, recognition), "faces", non_finite)
    metadata = finite_json(metadata, "metadata", non_finite)
    manufacturing = finite_json(manufacturing, "manufacturing", non_finite)
    machining_summary = finite_json(machining_summary, "machining_summary", non_finite)
    if non_finite:
        warnings.append(f"non-finite values sent as null at: {', '.join(non_finite[:20])}")
    return WorkerResult(
        tier=result.tier,
        confidence=result.confidence,
        degradation=tuple(result.degradation),
        timings=timings,
        mesh=mesh.to_arrays() if request.include_mesh else None,
        faces=faces,
        features=features,
        metadata=metadata,
        manufacturing=manufacturing,
        machining_summary=machining_summary,
        warnings=warnings,
    )


def _manufacturing(
    context: PartContext,
    recognition: Recognition,
    request: AnalysisRequest,
    warnings: list[str],
):
    """The manufacturing section, its machining summary and its time, for a part
    with recognized features; (None, None, None) for any other. A failure here
    is a warning: the recognized features still answer."""
    if context.part is None or not recognition.features:
        return None, None, None
    started = time.perf_counter()
    try:
        report = analyze_manufacturing(
            context.part, context.mesh, recognition, request.shop_limits, context.model.pmi
        )
        section, summary = report.to_json(), report.machining_summary()
    except Exception as exc:  # a bug on a real file must not cost the answer
        warnings.append(f"manufacturing analysis failed: {type(exc).__name__}: {exc}")
        section, summary = None, None
    return section, summary, (time.perf_counter() - started) * 1000.0


@dataclass(frozen=True)
class _GraphMissing:
    """Why the B-Rep graph was not built, and which tiers that takes out."""

    reason: str
    code: str
    error_type: ErrorType
    tiers: tuple[Tier, ...]


SURFACE_MODEL = "surface model: no closed volume, so no machining features"
SAFE_MODE = (
    "safe mode: the geometry worker crashed on this file, so it was read and meshed only, "
    "unrepaired"
)


def _why_no_graph(model: CadModel, request: AnalysisRequest) -> _GraphMissing | None:
    """The reason not to build the graph of this part, if there is one.

    Tier 3 also needs a volume (it reports one), so a surface model and a file
    in safe mode are answered by tier 4: the mesh, its face map and the metrics.
    """
    every_tier_above_mesh = (Tier.BREP_ML, Tier.MESH_HEURISTICS, Tier.POINT_CLOUD)
    if request.safe_mode:
        # Transient: the crash may have been a worker killed from outside, so the
        # answer is not cached and the next request tries the full analysis again.
        return _GraphMissing(SAFE_MODE, "safe_mode", ErrorType.TRANSIENT, every_tier_above_mesh)
    if not model.closed:
        return _GraphMissing(SURFACE_MODEL, "no_volume", ErrorType.PERMANENT, every_tier_above_mesh)
    if model.faces_without_surface == model.face_count:
        reason = (
            "the file carries triangulated faces only, "
            "with no exact surfaces to recognise features on"
        )
        return _GraphMissing(
            reason, "no_exact_geometry", ErrorType.PERMANENT, (Tier.BREP_ML, Tier.MESH_HEURISTICS)
        )
    if request.deadline is not None and time.time() >= request.deadline:
        reason = "the request's time budget ran out before the B-Rep graph"
        return _GraphMissing(
            reason, "deadline", ErrorType.TRANSIENT, (Tier.BREP_ML, Tier.MESH_HEURISTICS)
        )
    return None


def _model_warnings(model: CadModel, request: AnalysisRequest) -> list[str]:
    warnings = []
    if request.safe_mode:
        warnings.append(SAFE_MODE)
    if model.sewn and model.closed:
        warnings.append(
            f"the file held faces but no solid: they were sewn into {model.solid_count} solid(s)"
        )
    elif not model.closed:
        warnings.append(SURFACE_MODEL)
    if 0 < model.faces_without_surface:
        warnings.append(
            f"{model.faces_without_surface} of {model.face_count} face(s) carry a triangulation "
            "but no exact surface"
        )
    return warnings


def build_ladder(request: AnalysisRequest, no_graph: _GraphMissing | None) -> Ladder[PartContext]:
    """Plug the tiers in; a tier whose inputs are missing is blocked with the reason."""
    blocked = {failure.tier: failure for failure in request.blocked_tiers}
    if no_graph is not None:
        for tier in no_graph.tiers:
            blocked.setdefault(
                tier, TierFailure(tier, no_graph.reason, no_graph.code, no_graph.error_type.value)
            )
    tiers = {
        Tier.BREP_ML: partial(
            _brep_ml,
            model_path=request.model_path,
            gate=NetworkGate(request.model_min_face_probability, request.model_min_part_agreement),
        ),
        Tier.MESH_HEURISTICS: _rule_based,
        Tier.POINT_CLOUD: _point_cloud,
        Tier.BASIC: _mesh_only,
    }
    return Ladder(tiers=tiers, unavailable=blocked)


def _brep_ml(context: PartContext, model_path: Path, gate: NetworkGate) -> Recognition:
    """Tier 1: the network's labels where it is sure of a face, the rules' elsewhere
    (combined_recognition.py); it declines a part the network does not know."""
    model = model_at(model_path)
    return recognize_combined(context.part.topology, _rule_based(context), model, gate)


def _rule_based(context: PartContext) -> Recognition:
    """Tier 2, run once per part: tier 1 compares with it first."""
    if context.rules is None:
        context.rules = recognize_features(context.part)
    return context.rules


def _point_cloud(context: PartContext) -> Recognition:
    mesh = context.mesh
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


def _faces_json(
    model: CadModel, graph: BRepGraph | None, recognition: Recognition
) -> list[dict[str, Any]]:
    labelled = len(recognition.face_labels) == model.face_count
    probabilities = recognition.face_probabilities
    faces = []
    for face_id in range(model.face_count):
        faces.append(
            {
                "id": face_id,
                "step_name": model.face_names[face_id],
                "surface_type": SURFACE_TYPES[graph.face_surface_type[face_id]]
                if graph is not None
                else None,
                "area": float(graph.face_area[face_id]) if graph is not None else None,
                "label": recognition.face_labels[face_id] if labelled else None,
                "label_probability": probabilities[face_id] if probabilities else None,
                "feature_id": recognition.face_feature[face_id] if labelled else None,
            }
        )
    return faces
