"""How far the part reaches along any direction, exactly: the boxes' source.

Planes, cylinders and cones reach their extremes on their boundary edges, so
a part's extent along a direction is its edges' extent, plus the points where
spheres and tori bulge past their edges. Edges are taken as points (line
ends exactly, curves sampled) and circular arcs analytically (a sampled
circle falls short of its true extent); other curves (B-splines, ellipses)
are bounded by OCCT where the exact axis-aligned box needs them. Only edges
that faces use count: a STEP file can carry loose construction wires that
are no part of the solid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from OCP.Bnd import Bnd_Box
from OCP.BndLib import BndLib_Add3dCurve
from OCP.BRep import BRep_Builder
from OCP.BRepAdaptor import BRepAdaptor_Curve, BRepAdaptor_Surface
from OCP.BRepBndLib import BRepBndLib
from OCP.BRepClass import BRepClass_FaceClassifier
from OCP.BRepTools import BRepTools
from OCP.GeomAbs import GeomAbs_CurveType
from OCP.gp import gp_Pnt2d
from OCP.TopAbs import TopAbs_IN, TopAbs_ON
from OCP.TopoDS import TopoDS_Compound, TopoDS_Face

from .brep_graph import BRepGraph
from .elementary_faces import arc_range
from .topology import CIRCLE, LINE, SPHERE, TORUS, PartTopology

_CIRCLE_SAMPLES = 9
_ARC_SAMPLES = 9  # per arc, ends included: enough to choose a frame; extents come from the arcs
_UV_TOL = 1e-9
_HULL_CURVES = (GeomAbs_CurveType.GeomAbs_BSplineCurve, GeomAbs_CurveType.GeomAbs_BezierCurve)


@dataclass
class Arcs:
    """Circular edges as arrays: edge id, centre, in-plane axes, radius,
    parameter range."""

    edges: np.ndarray
    center: np.ndarray
    x: np.ndarray
    y: np.ndarray
    radius: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def extent(self, direction: np.ndarray) -> tuple[float, float]:
        """Exact lowest and highest projection of the arcs on ``direction``."""
        if not len(self.radius):
            return math.inf, -math.inf
        low, high = arc_range(
            self.center @ direction,
            self.x @ direction,
            self.y @ direction,
            self.radius,
            self.first,
            self.last,
        )
        return float(low.min()), float(high.max())

    def samples(self, count: int = _ARC_SAMPLES) -> np.ndarray:
        """Points along every arc, ends included, (arcs * count, 3)."""
        t = self.first[:, None] + (self.last - self.first)[:, None] * np.linspace(0.0, 1.0, count)
        points = self.center[:, None, :] + self.radius[:, None, None] * (
            np.cos(t)[:, :, None] * self.x[:, None, :] + np.sin(t)[:, :, None] * self.y[:, None, :]
        )
        return points.reshape(-1, 3)


@dataclass
class PartOutline:
    """The part's edges as points and exact arcs, and which edges are other curves."""

    points: np.ndarray
    arcs: Arcs
    other_curves: list[int]

    def extent(self, direction: np.ndarray) -> tuple[float, float]:
        """Lowest and highest reach along ``direction`` over points and arcs."""
        along = self.points @ direction
        arc_low, arc_high = self.arcs.extent(direction)
        return min(float(along.min()), arc_low), max(float(along.max()), arc_high)


def part_outline(topology: PartTopology) -> PartOutline:
    """Every edge the faces use: line ends, points along arcs (from the circles the
    graph read, no OCCT call each) and along other curves, and the arcs exactly."""
    graph = topology.graph
    edges = np.unique(graph.coedge_edge)
    kinds = graph.edge_curve_type[edges]
    usable = ~graph.edge_degenerate[edges]
    circles = edges[(kinds == CIRCLE) & usable]
    others = edges[(kinds != LINE) & (kinds != CIRCLE) & usable].tolist()
    frame = graph.edge_circle[circles]
    arcs = Arcs(
        circles,
        frame[:, 0:3],
        frame[:, 3:6],
        frame[:, 6:9],
        graph.edge_radius[circles],
        graph.edge_range[circles, 0],
        graph.edge_range[circles, 1],
    )
    parts = [topology.edge_ends[edges].reshape(-1, 3), arcs.samples()]
    parts += [topology.outline_points(e) for e in others]
    return PartOutline(np.concatenate(parts), arcs, others)


def exact_other_curves_box(
    graph: BRepGraph, edges: list[int], lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """OCCT's optimal box of those ``edges`` (neither lines nor circles) that may
    reach outside the box [lower, upper]; None where none can.

    A B-spline or Bezier curve lies within the hull of its poles, so where the
    box of its poles (one quick OCCT call) stays inside, the curve does too and
    needs no optimisation (about 50 us an edge: 52 near the box on
    trj2_as1-ec-214.stp, of which 46 stay inside by their poles).
    """
    builder = BRep_Builder()
    compound = TopoDS_Compound()
    builder.MakeCompound(compound)
    bounded = 0
    for edge_id in edges:
        edge = graph.edge(edge_id)
        if not _poles_inside(BRepAdaptor_Curve(edge), lower, upper):
            builder.Add(compound, edge)
            bounded += 1
    if not bounded:
        return None
    box = Bnd_Box()
    BRepBndLib.AddOptimal_s(compound, box, False, False)
    box.SetGap(0.0)
    return np.array(box.CornerMin().Coord()), np.array(box.CornerMax().Coord())


def _poles_inside(curve: BRepAdaptor_Curve, lower: np.ndarray, upper: np.ndarray) -> bool:
    """Whether the curve is a B-spline or Bezier whose poles' box lies within [lower, upper]."""
    if curve.GetType() not in _HULL_CURVES:
        return False
    box = Bnd_Box()
    BndLib_Add3dCurve.Add_s(curve, 0.0, box)
    box.SetGap(0.0)
    low, high = box.CornerMin().Coord(), box.CornerMax().Coord()
    return all(lower[k] <= low[k] and high[k] <= upper[k] for k in range(3))


def bulge_points(graph: BRepGraph, directions: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Points inside sphere and torus faces where they reach furthest along
    each direction, either sense, beyond ``reach`` (the lowest and highest
    projection known so far, one row per direction): the extremes that
    their edges miss. A face whose whole surface stays within the reach (most
    fillets) is skipped without classifying anything.

    The surface point whose normal is the direction, found in the surface's
    own (u, v) parameters: on a sphere u, v are the direction's longitude and
    latitude; on a torus u is its longitude and v the angle of the tube
    normal, and along the torus's own axis the peak is a whole circle (v at a
    quarter turn), sampled across the face's u range. A candidate counts when
    it lies on the trimmed face (OCCT's 2D classifier; its 3D one projects
    onto the untrimmed periodic surface and answers IN for points off the
    face).
    """
    kinds = graph.face_surface_type
    points: list[np.ndarray] = []
    faces = np.flatnonzero((kinds == SPHERE) | (kinds == TORUS))
    if not len(faces):
        return np.zeros((0, 3))
    centre = graph.face_axis_point[faces] @ directions.T  # (F, k)
    major = graph.face_radius[faces][:, None]
    minor = np.where(kinds[faces] == TORUS, graph.face_minor_radius[faces], 0.0)[:, None]
    across = np.sqrt(np.clip(1.0 - (graph.face_axis[faces] @ directions.T) ** 2, 0.0, 1.0))
    swing = np.where((kinds[faces] == TORUS)[:, None], major * across + minor, major)
    tol = 1e-9 * max(1.0, float(np.abs(reach).max()))
    beyond = (centre + swing > reach[:, 1] + tol) | (centre - swing < reach[:, 0] - tol)
    for face_id in faces[beyond.any(axis=1)].tolist():
        face = graph.face(face_id)
        surface = BRepAdaptor_Surface(face, True)
        gp = surface.Sphere() if kinds[face_id] == SPHERE else surface.Torus()
        frame = gp.Position()
        x, y, z = (
            np.array(d.Coord()) for d in (frame.XDirection(), frame.YDirection(), frame.Direction())
        )
        bounds = BRepTools.UVBounds_s(face)
        for direction in np.concatenate([directions, -directions]):
            dx, dy, dz = float(direction @ x), float(direction @ y), float(direction @ z)
            flat = math.hypot(dx, dy)
            if kinds[face_id] == SPHERE:
                uvs = [(math.atan2(dy, dx), math.asin(max(-1.0, min(1.0, dz))))]
            elif flat > 1e-9:
                uvs = [(math.atan2(dy, dx), math.atan2(dz, flat))]
            else:
                v = math.copysign(math.pi / 2.0, dz)
                uvs = [(u, v) for u in np.linspace(bounds[0], bounds[1], _CIRCLE_SAMPLES).tolist()]
            points += [
                np.array(surface.Value(u, v).Coord())
                for u, v in (_into_box(uv, bounds) for uv in uvs)
                if u is not None and _on_face(face, u, v)
            ]
    return np.array(points, dtype=float).reshape(-1, 3)


def _into_box(
    uv: tuple[float, float], bounds: tuple[float, float, float, float]
) -> tuple[float | None, float]:
    """(u, v) moved by whole turns into the face's parameter box, or None."""
    umin, umax, vmin, vmax = bounds
    u = umin + (uv[0] - umin + _UV_TOL) % (2.0 * math.pi) - _UV_TOL
    v = vmin + (uv[1] - vmin + _UV_TOL) % (2.0 * math.pi) - _UV_TOL
    if u > umax + _UV_TOL or v > vmax + _UV_TOL:
        return None, 0.0
    return u, v


def _on_face(face: TopoDS_Face, u: float, v: float) -> bool:
    state = BRepClass_FaceClassifier(face, gp_Pnt2d(u, v), 1e-7).State()
    return state in (TopAbs_IN, TopAbs_ON)
