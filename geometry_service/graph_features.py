"""The network's input arrays, computed from a B-Rep graph.

One module for the service and for training (``training/`` imports it), so
the model sees at run time exactly the features it was trained on. Pure
numpy: no torch here, and no OCCT calls, only the graph's arrays.

Every feature is invariant to where the part sits and how it is turned:
lengths are divided by the part's size (the square root of its surface area,
see ``part_size``), and directions appear only as angles (dihedral angles, a
face's depth below the part's hull along its own normal).
tests/test_graph_features_invariance.py turns parts at random and compares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry.brep_graph import CURVE_TYPES, SURFACE_TYPES, BRepGraph, Convexity

FACE_FEATURES = len(SURFACE_TYPES) + 7
EDGE_FEATURES = len(CURVE_TYPES) + len(Convexity) + 4
COEDGE_FEATURES = 1

# Names of the ONNX model's inputs, in the order of GraphInputs.arrays().
INPUT_NAMES = (
    "face_features",
    "edge_features",
    "coedge_features",
    "coedge_face",
    "coedge_edge",
    "coedge_next",
    "coedge_prev",
    "coedge_mate",
)

_PLANE = SURFACE_TYPES.index("plane")
_SPHERE = SURFACE_TYPES.index("sphere")


@dataclass
class GraphInputs:
    """Float features per face, edge and coedge, and the coedge topology as indices.

    A coedge without a mate (an open edge) is its own mate, so every gather is valid.
    """

    face_features: np.ndarray  # float32 (F, FACE_FEATURES)
    edge_features: np.ndarray  # float32 (E, EDGE_FEATURES)
    coedge_features: np.ndarray  # float32 (C, COEDGE_FEATURES)
    coedge_face: np.ndarray  # int64 (C,)
    coedge_edge: np.ndarray  # int64 (C,)
    coedge_next: np.ndarray  # int64 (C,)
    coedge_prev: np.ndarray  # int64 (C,)
    coedge_mate: np.ndarray  # int64 (C,)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(getattr(self, name) for name in INPUT_NAMES)

    def feed(self) -> dict[str, np.ndarray]:
        """The ONNX session's input dict."""
        return dict(zip(INPUT_NAMES, self.arrays(), strict=True))


def graph_inputs(graph: BRepGraph) -> GraphInputs:
    """The network's inputs for one part."""
    points = np.concatenate([graph.face_sample_point, graph.edge_midpoint, graph.face_centroid])
    size = part_size(graph)
    mate = graph.coedge_mate.astype(np.int64)
    own = np.arange(graph.coedge_count, dtype=np.int64)
    mate_or_own = np.where(mate >= 0, mate, own)
    return GraphInputs(
        face_features=_face_features(graph, points, size),
        edge_features=_edge_features(graph, size),
        coedge_features=_coedge_features(graph, mate),
        coedge_face=graph.coedge_face.astype(np.int64),
        coedge_edge=graph.coedge_edge.astype(np.int64),
        coedge_next=graph.coedge_next.astype(np.int64),
        coedge_prev=graph.coedge_prev.astype(np.int64),
        coedge_mate=mate_or_own,
    )


def part_size(graph: BRepGraph) -> float:
    """The length every other length is divided by: the square root of the part's area.

    Not the diagonal of the axis-aligned box (brepnet-1.4.0 and before): that
    box grows when the part is turned (by 18 % for a block turned at random),
    so every relative length moved with the part's attitude. The area is a
    property of the faces alone: exact under any rotation, already measured,
    O(faces), and independent of how many points sample the part, unlike its
    largest point distance (O(points^2)) or its principal box (whose axes are
    arbitrary on a cube or a turned part, where two moments are equal).
    """
    size = float(np.sqrt(np.abs(graph.face_area).sum()))
    return size if size > 1e-9 else 1.0


def _coedge_features(graph: BRepGraph, mate: np.ndarray) -> np.ndarray:
    """Whether the coedge's mate runs on the same face (a seam, as on a full cylinder).

    Not whether the coedge runs against its edge's curve, BRepNet's own coedge
    feature: a curve's direction is an accident of how the part was modelled,
    and a network that sees it tells a step on a block's near edge from the
    same step on its far edge (models/MODEL_CARD.md measures it). Loop order
    (next / prev) is fixed by the face's outward normal, so the rest of the
    graph carries no such accident.
    """
    seam = (mate >= 0) & (graph.coedge_face[np.maximum(mate, 0)] == graph.coedge_face)
    return seam.astype(np.float32)[:, None]


def _face_features(graph: BRepGraph, points: np.ndarray, size: float) -> np.ndarray:
    """Surface type, relative area, inner loops, curvature sense, radius, and
    how far the face lies below the part's hull along and against its normal."""
    kind = np.eye(len(SURFACE_TYPES), dtype=np.float32)[graph.face_surface_type.astype(np.int64)]
    total_area = float(np.abs(graph.face_area).sum()) or 1.0
    normal = np.where(
        (graph.face_surface_type == _PLANE)[:, None], graph.face_axis, graph.face_sample_normal
    )
    highest, lowest = _extremes_along(normal, points)
    own = np.einsum("ij,ij->i", normal, graph.face_sample_point)
    below_hull = (highest - own) / size
    above_floor = (own - lowest) / size
    radius = np.nan_to_num(graph.face_radius, nan=0.0) / size
    features = np.column_stack(
        [
            graph.face_area / total_area,
            np.sqrt(np.abs(graph.face_area)) / size,
            (graph.face_loop_count > 1).astype(np.float64),
            _concave(graph),
            np.minimum(radius, 1.0),
            below_hull,
            above_floor,
        ]
    )
    return np.concatenate([kind, features.astype(np.float32)], axis=1)


EXTREMES_BLOCK_VALUES = 1 << 20
"""Projections computed at a time by _extremes_along (8 MB of float64)."""


def _extremes_along(directions: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The largest and smallest projection of ``points`` (P, 3) on each of ``directions``
    (D, 3): once per distinct direction, a block of them at a time.

    All D x P projections at once grow with the square of the part: 125 MB for the
    1,956-face plate (8,500 points), 3.2 GB (past what a worker may hold) for a
    9,924-face one. In blocks the memory stays at EXTREMES_BLOCK_VALUES whatever
    the size, with the same numbers. Faces share directions (a plate's walls, a
    pattern's holes), and each distinct one is projected once."""
    distinct, face_direction = np.unique(directions, axis=0, return_inverse=True)
    highest = np.empty(len(distinct))
    lowest = np.empty(len(distinct))
    step = max(1, EXTREMES_BLOCK_VALUES // max(len(points), 1))
    for start in range(0, len(distinct), step):
        along = distinct[start : start + step] @ points.T
        highest[start : start + step] = along.max(axis=1)
        lowest[start : start + step] = along.min(axis=1)
    return highest[face_direction], lowest[face_direction]


def _concave(graph: BRepGraph) -> np.ndarray:
    """+1 for a curved face bending around the outside of the material (a bore),
    -1 for one bending around its inside (a boss), 0 for planes."""
    offset = graph.face_sample_point - graph.face_axis_point
    axial = np.einsum("ij,ij->i", offset, graph.face_axis)[:, None] * graph.face_axis
    radial = np.where((graph.face_surface_type == _SPHERE)[:, None], offset, offset - axial)
    sense = -np.sign(np.einsum("ij,ij->i", radial, graph.face_sample_normal))
    return np.where(graph.face_surface_type == _PLANE, 0.0, sense)


def _edge_features(graph: BRepGraph, size: float) -> np.ndarray:
    """Curve type, convexity, relative length, closed, degenerate, dihedral angle."""
    kind = np.eye(len(CURVE_TYPES), dtype=np.float32)[graph.edge_curve_type.astype(np.int64)]
    convexity = np.eye(len(Convexity), dtype=np.float32)[graph.edge_convexity.astype(np.int64)]
    features = np.column_stack(
        [
            graph.edge_length / size,
            graph.edge_closed.astype(np.float64),
            graph.edge_degenerate.astype(np.float64),
            graph.edge_dihedral / np.pi,
        ]
    )
    return np.concatenate([kind, convexity, features.astype(np.float32)], axis=1)
