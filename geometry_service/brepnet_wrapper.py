"""Tier 1: the BRepNet ONNX model labels every face; the recognizer's code measures the features.

The only module of the service that imports onnxruntime. Each geometry worker
process loads the session once (one intra-op thread: the pool already runs
one worker per core) and keeps it for its life.

From labels to features: faces that touch and carry the same label form one
feature instance; each instance is measured by the rule-based recognizer's
module for its family (holes, chamfers, rounds, depressions) run on that
instance's faces alone, so tier 1 and tier 2 report the same dimensions for
the same faces. Which faces the network names, and how its labels combine
with the rules', is combined_recognition.py's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime

from .disjoint_sets import DisjointSets
from .errors import SystemicError
from .features import STOCK
from .geometry.brep_graph import BRepGraph
from .geometry.topology import PartTopology
from .graph_features import GraphInputs, graph_inputs
from .recognition.candidate import Candidate
from .recognition.edges_blends import recognize_chamfers, recognize_rounds
from .recognition.holes import recognize_holes
from .recognition.oring_grooves import recognize_orings
from .recognition.pockets import recognize_depressions
from .recognition.taxonomy import MFCADPP_CLASSES

METHOD = "ml"

# Which recognizer module measures an instance of each class; the rest are depressions.
_MEASURE_BY_CLASS: dict[str, Callable[[PartTopology, np.ndarray], list[Candidate]]] = {
    "through_hole": recognize_holes,
    "blind_hole": recognize_holes,
    "chamfer": recognize_chamfers,
    "round": recognize_rounds,
    "Oring": recognize_orings,
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
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        metadata = self.session.get_modelmeta().custom_metadata_map
        self.version: str = metadata.get("version", path.stem)
        self.classes: tuple[str, ...] = (
            tuple(json.loads(metadata["classes"])) if "classes" in metadata else MFCADPP_CLASSES
        )

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


def model_at(path: Path) -> BRepNetModel:
    """The model at ``path`` (the request says which); model_missing where there is none."""
    if not path.is_file():
        raise SystemicError("model_missing", f"model not loaded: {path.name} not found")
    return load_model(path)


def label_instances(
    graph: BRepGraph, labels: list[str], mask: np.ndarray
) -> list[tuple[str, list[int]]]:
    """Connected groups of the non-stock faces in ``mask`` that carry one label
    (union-find over shared edges): one feature instance each."""
    sets = DisjointSets(int(face) for face in np.flatnonzero(mask) if labels[face] != STOCK)
    pairs, _ = graph.face_adjacency()
    for a, b in pairs.tolist():
        if labels[a] == labels[b] and a in sets and b in sets:
            sets.union(a, b)
    return [(labels[faces[0]], faces) for faces in sets.groups()]


def measured_instance(
    topology: PartTopology, label: str, faces: list[int], confidence: float
) -> Candidate:
    """An instance under the network's label, with the dimensions the rules measure on its faces."""
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
        type=label, face_ids=faces, parameters=parameters, subtype=subtype, confidence=confidence
    )


def _depressions(topology: PartTopology, free: np.ndarray) -> list[Candidate]:
    return recognize_depressions(topology, free, np.eye(3))
