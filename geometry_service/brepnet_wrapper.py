"""Tier 1: the BRepNet ONNX model labels every face; the recognizer's code measures the features.

The only module of the service that imports onnxruntime. Each geometry worker
process loads the session once (one intra-op thread: the pool already runs
one worker per core) and keeps it for its life.

From labels to features: faces that touch and carry the same label form one
feature instance; each instance is measured by the rule-based recognizer's
module for its family (holes, chamfers, rounds, depressions) run on that
instance's faces alone, so tier 1 and tier 2 report the same dimensions for
the same faces. The network knows no turned features: on rotational and
mixed parts the rule-based turning features are taken first and the network
labels the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
import onnxruntime

from .config import Settings
from .disjoint_sets import DisjointSets
from .errors import SystemicError
from .features import STOCK, Recognition
from .geometry.brep_graph import BRepGraph
from .graph_features import GraphInputs, graph_inputs
from .recognition.candidate import Candidate
from .recognition.edges_blends import recognize_chamfers, recognize_rounds
from .recognition.holes import recognize_holes
from .recognition.pockets import recognize_depressions
from .recognition.taxonomy import MFCADPP_CLASSES
from .geometry.topology import PartTopology
from .recognition.turning import analyze_turning

METHOD = "ml"

# Which recognizer module measures an instance of each class; the rest are depressions.
_MEASURE_BY_CLASS: dict[str, Callable[[PartTopology, np.ndarray], list[Candidate]]] = {
    "through_hole": recognize_holes,
    "blind_hole": recognize_holes,
    "chamfer": recognize_chamfers,
    "round": recognize_rounds,
}


@dataclass
class FacePrediction:
    """The network's answer for one part: a class and its probability per face."""

    labels: list[str]
    probability: np.ndarray  # (F,) probability of the chosen class
    class_probabilities: np.ndarray  # (F, classes)


class BRepNetModel:
    """An ONNX session plus the version and class list stored in the model's metadata."""

    def __init__(self, path: Path) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # Without onnxruntime's arena a worker holds 14-17 MB less for good (it keeps the
        # largest tensors it has seen); inference time measured the same (2.4 ms, 102 faces).
        options.enable_cpu_mem_arena = False
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        metadata = self.session.get_modelmeta().custom_metadata_map
        self.version: str = metadata.get("version", path.stem)
        self.classes: tuple[str, ...] = tuple(json.loads(metadata["classes"])) if "classes" in metadata else MFCADPP_CLASSES

    def logits(self, inputs: GraphInputs) -> np.ndarray:
        return self.session.run(None, inputs.feed())[0]

    def predict(self, graph: BRepGraph) -> FacePrediction:
        logits = self.logits(graph_inputs(graph)).astype(np.float64)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        best = probabilities.argmax(axis=1)
        return FacePrediction(
            labels=[self.classes[k] for k in best],
            probability=probabilities[np.arange(len(best)), best],
            class_probabilities=probabilities,
        )


def load_model(path: Path) -> BRepNetModel:
    """The model at ``path``, loaded once per process and again when the file changes:
    the HTTP process keys cached results by the file's content, so a worker must
    not keep answering with a model that has been replaced on disk."""
    stat = path.stat()
    return _load_model(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _load_model(path: Path, mtime_ns: int, size: int) -> BRepNetModel:
    return BRepNetModel(path)


def recognize_with_model(
    graph: BRepGraph, model_path: Path | None = None, topology: PartTopology | None = None
) -> Recognition:
    """Tier 1 for one part, with the configured model unless ``model_path`` is given."""
    path = model_path or Settings.from_env().model_path
    if not path.is_file():
        raise SystemicError("model_missing", f"model not loaded: {path.name} not found")
    return recognize_ml(graph, load_model(path), topology)


def recognize_ml(graph: BRepGraph, model: BRepNetModel, topology: PartTopology | None = None) -> Recognition:
    prediction = model.predict(graph)
    topology = topology or PartTopology(graph)
    turning = analyze_turning(topology)
    labels = list(prediction.labels)
    candidates: list[Candidate] = []
    if turning.part_type != "prismatic":
        free = ~turning.stock_faces
        for candidate in turning.features(free):
            candidates.append(candidate)
            for face in candidate.face_ids:
                labels[face] = candidate.type
        for face in np.flatnonzero(turning.stock_faces):
            labels[face] = STOCK
    turned = {face for candidate in candidates for face in candidate.face_ids}
    for label, faces in _instances(graph, labels, turned):
        candidates.append(_measured(topology, label, faces, prediction.probability))

    features, owner = [], [None] * graph.face_count
    for number, candidate in enumerate(candidates):
        method = "geometric" if set(candidate.face_ids) <= turned else METHOD
        features.append(candidate.numbered(number, method))
        for face in candidate.face_ids:
            owner[face] = number
    part_parameters = {
        "part_type": turning.part_type,
        "model_version": model.version,
        **turning.area_shares(),
    }
    if turning.part_type != "prismatic":
        part_parameters.update(turning.part_parameters())
    return Recognition(
        features=features,
        face_labels=labels,
        face_feature=owner,
        part_type=turning.part_type,
        face_probabilities=[float(p) for p in prediction.probability],
        part_parameters=part_parameters,
    )


def _instances(graph: BRepGraph, labels: list[str], skip: set[int]) -> list[tuple[str, list[int]]]:
    """Connected groups of non-stock faces with one label (union-find over shared edges)."""
    sets = DisjointSets(face for face in range(graph.face_count) if labels[face] != STOCK and face not in skip)
    pairs, _ = graph.face_adjacency()
    for a, b in pairs.tolist():
        if labels[a] == labels[b] and a in sets and b in sets:
            sets.union(a, b)
    return [(labels[faces[0]], faces) for faces in sets.groups()]


def _measured(topology: PartTopology, label: str, faces: list[int], probability: np.ndarray) -> Candidate:
    """The instance under the network's label, with the dimensions the rules measure on its faces."""
    free = np.zeros(topology.face_count, dtype=bool)
    free[faces] = True
    measure = _MEASURE_BY_CLASS.get(label, _depressions)
    parameters: dict = {}
    subtype = None
    try:
        found = measure(topology, free)
    except Exception as exc:  # noqa: BLE001 - a feature without dimensions beats no tier 1 answer
        found, parameters = [], {"measure_error": f"{type(exc).__name__}: {exc}"}
    if found:
        best = max(found, key=lambda c: len(c.face_ids))
        parameters, subtype = dict(best.parameters), best.subtype
        if best.type != label:
            parameters["rule_based_type"] = best.type
    parameters.setdefault("area", float(topology.graph.face_area[faces].sum()))
    return Candidate(
        type=label,
        face_ids=faces,
        parameters=parameters,
        subtype=subtype,
        confidence=float(probability[faces].mean()),
    )


def _depressions(topology: PartTopology, free: np.ndarray) -> list[Candidate]:
    return recognize_depressions(topology, free, np.eye(3))
