"""Sharp internal corners that a rotating tool cannot cut.

A flat end mill coming from d leaves a sharp concave edge only where the
edge lies square to d (a floor meeting a wall, cut by the tool's end and
flank together). A sharp concave straight edge whose two faces share no
such direction (the vertical corner of a pocket, where two walls meet
along the tool's axis) keeps the tool's radius: it needs a corner radius,
EDM or a relief.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.brep_graph import CURVE_TYPES, Convexity
from .access import FaceAccess

SQUARE = 1e-3  # cosine between edge and direction: the edge lies square to the tool
LINE = CURVE_TYPES.index("line")


@dataclass
class SharpCorner:
    edge: int
    faces: tuple[int, int]
    along_tool: bool  # the edge runs along a direction that reaches both faces (a vertical corner)


def sharp_internal_corners(
    pairs: np.ndarray,
    pair_edges: np.ndarray,
    edge_convexity: np.ndarray,
    edge_curve_type: np.ndarray,
    edge_ends: np.ndarray,
    access: FaceAccess,
) -> list[SharpCorner]:
    """Sharp concave straight edges that no shared tool direction cuts square.

    ``pairs`` (K, 2) and ``pair_edges`` (K,) are the graph's face adjacency.
    """
    keep = (edge_convexity[pair_edges] == int(Convexity.CONCAVE)) & (
        edge_curve_type[pair_edges] == LINE
    )
    pairs, edges = pairs[keep], pair_edges[keep]
    if not len(edges):
        return []
    along = edge_ends[edges, 1] - edge_ends[edges, 0]
    length = np.linalg.norm(along, axis=1)
    along = along / np.where(length > 0.0, length, 1.0)[:, None]
    shared = access.partial[pairs[:, 0]] & access.partial[pairs[:, 1]]  # (K, D)
    cosine = np.abs(along @ access.directions.vectors.T)  # (K, D)
    square = (shared & (cosine < SQUARE)).any(axis=1)
    parallel = (shared & (cosine > 1.0 - SQUARE)).any(axis=1)
    sharp = shared.any(axis=1) & ~square & (length > 0.0)
    return [
        SharpCorner(int(e), (int(a), int(b)), bool(p))
        for e, (a, b), p in zip(edges[sharp], pairs[sharp].tolist(), parallel[sharp], strict=True)
    ]
