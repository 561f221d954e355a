"""Exact measuring helpers shared by the feature modules.

Dimensions come from the B-Rep, never from the mesh: vertices and curve
points of the faces, the surfaces' own parameters. The oriented extent of a
floor is the minimum-area rectangle of its outline (rotating calipers on the
convex hull), which is exact for straight-sided floors.
"""

from __future__ import annotations

import math

import numpy as np
from OCP.BRep import BRep_Tool
from OCP.BRepAdaptor import BRepAdaptor_Curve
from OCP.GeomAbs import GeomAbs_CurveType
from OCP.TopAbs import TopAbs_EDGE, TopAbs_VERTEX
from OCP.TopExp import TopExp_Explorer
from OCP.TopoDS import TopoDS

from ..geometry.brep_graph import BRepGraph

_CURVE_SAMPLES = 16


def face_vertices(graph: BRepGraph, face_ids: list[int]) -> np.ndarray:
    """Coordinates of the vertices of the faces, (N, 3)."""
    points = []
    for face_id in face_ids:
        explorer = TopExp_Explorer(graph.face(face_id), TopAbs_VERTEX)
        while explorer.More():
            points.append(BRep_Tool.Pnt_s(TopoDS.Vertex(explorer.Current())).Coord())
            explorer.Next()
    return np.asarray(points, dtype=float).reshape(-1, 3)


def face_outline(graph: BRepGraph, face_id: int) -> np.ndarray:
    """Points on the face's boundary: line ends, and samples along curved edges."""
    points = []
    explorer = TopExp_Explorer(graph.face(face_id), TopAbs_EDGE)
    while explorer.More():
        edge = TopoDS.Edge(explorer.Current())
        if not BRep_Tool.Degenerated_s(edge):
            curve = BRepAdaptor_Curve(edge)
            first, last = curve.FirstParameter(), curve.LastParameter()
            count = 2 if curve.GetType() == GeomAbs_CurveType.GeomAbs_Line else _CURVE_SAMPLES + 1
            for t in np.linspace(first, last, count):
                points.append(curve.Value(float(t)).Coord())
        explorer.Next()
    return np.asarray(points, dtype=float).reshape(-1, 3)


def plane_basis(normal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors spanning the plane normal to ``normal``."""
    helper = np.eye(3)[int(np.argmin(np.abs(normal)))]
    u = np.cross(normal, helper)
    u /= np.linalg.norm(u)
    return u, np.cross(normal, u)


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain; points (N, 2), hull counter-clockwise."""
    pts = np.unique(np.round(points, 9), axis=0)
    if len(pts) < 3:
        return pts

    def half(sequence):
        chain: list[np.ndarray] = []
        for p in sequence:
            while len(chain) >= 2:
                a, b = chain[-2], chain[-1]
                if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) > 1e-12:
                    break
                chain.pop()
            chain.append(p)
        return chain

    lower = half(pts)
    upper = half(pts[::-1])
    return np.asarray(lower[:-1] + upper[:-1])


def oriented_extent(points: np.ndarray, normal: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Length, width and length direction of the minimum-area rectangle of the
    points projected on the plane normal to ``normal`` (length >= width)."""
    u, v = plane_basis(normal)
    flat = np.stack([points @ u, points @ v], axis=1)
    hull = _convex_hull(flat)
    if len(hull) < 2:
        return 0.0, 0.0, u
    best = (math.inf, 0.0, 0.0, np.array([1.0, 0.0]))
    for i in range(len(hull)):
        edge = hull[(i + 1) % len(hull)] - hull[i]
        norm = float(np.hypot(*edge))
        if norm < 1e-12:
            continue
        d = edge / norm
        along = hull @ d
        across = hull @ np.array([-d[1], d[0]])
        a, b = float(np.ptp(along)), float(np.ptp(across))
        if a * b < best[0] - 1e-12:
            best = (a * b, a, b, d)
    _, a, b, d = best
    direction = d[0] * u + d[1] * v
    if a < b:
        a, b, direction = b, a, np.cross(normal, direction)
    if direction[int(np.argmax(np.abs(direction)))] < 0:
        direction = -direction  # a direction without a sense: report it one way
    return a, b, direction


def extent_along(points: np.ndarray, direction: np.ndarray) -> tuple[float, float]:
    """Lowest and highest projection of the points on ``direction``."""
    along = points @ direction
    return float(along.min()), float(along.max())


def unit(vector: np.ndarray) -> list[float]:
    """A direction as a JSON list, cleaned of -0.0 and rounding fuzz."""
    v = np.asarray(vector, dtype=float)
    v = v / np.linalg.norm(v)
    return [float(round(c, 12)) + 0.0 for c in v]
