"""The stock a part is machined from, and which faces are still stock.

A prismatic part comes from an axis-aligned block: its faces that lie on the
block's six planes (outward normal matching) were never cut. The part-level
numbers a shop prices from are the block size (axis-aligned, and an oriented
box along the principal axes) and the volume removed from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from OCP.Bnd import Bnd_Box
from OCP.BRep import BRep_Builder
from OCP.BRepBndLib import BRepBndLib
from OCP.BRepAdaptor import BRepAdaptor_Surface
from OCP.BRepClass import BRepClass_FaceClassifier
from OCP.BRepTools import BRepTools
from OCP.BRepGProp import BRepGProp_Domain, BRepGProp_Face, BRepGProp_Vinert
from OCP.gp import gp_Pnt, gp_Pnt2d
from OCP.TopAbs import TopAbs_IN, TopAbs_ON
from OCP.TopoDS import TopoDS_Compound, TopoDS_Face

from ..geometry.brep_graph import BRepGraph
from .topology import ANGLE_TOL, CYLINDER, PLANE, SPHERE, TORUS, PartTopology

_CIRCLE_SAMPLES = 9
_UV_TOL = 1e-9


@dataclass
class StockBox:
    """Axis-aligned block around the part (no OCCT enlargement gap)."""

    lower: np.ndarray
    upper: np.ndarray

    @property
    def size(self) -> np.ndarray:
        return self.upper - self.lower

    @property
    def volume(self) -> float:
        return float(np.prod(self.size))


def stock_box(graph: BRepGraph) -> StockBox:
    """The tight axis-aligned box of the part's faces.

    Bounding whole faces optimally costs more than recognition itself on a
    real part (20 ms a torus, 0.6 s on a 484-face part). A plane, cylinder
    or cone reaches its extremes on its boundary, so the edges are bounded
    instead, and spheres and tori add the points where they bulge past their
    edges. Only edges that faces use count: a STEP file can carry loose
    construction wires that are no part of the solid.
    """
    builder = BRep_Builder()
    compound = TopoDS_Compound()
    builder.MakeCompound(compound)
    for edge_id in np.unique(graph.coedge_edge).tolist():
        builder.Add(compound, graph.edge(edge_id))
    box = Bnd_Box()
    BRepBndLib.AddOptimal_s(compound, box, False, False)
    box.SetGap(0.0)
    lower, upper = np.array(box.CornerMin().Coord()), np.array(box.CornerMax().Coord())
    bulges = bulge_points(graph, np.eye(3))
    if len(bulges):
        lower, upper = np.minimum(lower, bulges.min(axis=0)), np.maximum(upper, bulges.max(axis=0))
    return StockBox(lower, upper)


def bulge_points(graph: BRepGraph, directions: np.ndarray) -> np.ndarray:
    """Points inside sphere and torus faces where they reach furthest along
    each direction, either sense: the extremes that their edges miss.

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
    for face_id in np.flatnonzero((kinds == SPHERE) | (kinds == TORUS)).tolist():
        face = graph.face(face_id)
        surface = BRepAdaptor_Surface(face, True)
        gp = surface.Sphere() if kinds[face_id] == SPHERE else surface.Torus()
        frame = gp.Position()
        x, y, z = (np.array(d.Coord()) for d in (frame.XDirection(), frame.YDirection(), frame.Direction()))
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


def part_volume(graph: BRepGraph) -> float:
    """Volume enclosed by the faces, by the divergence theorem: V = 1/3 sum of
    the integral of x.n over each face.

    For a plane that integral is area * (n . centroid); for a cylinder of
    radius r about the line through p along u it is +-area * (r + p.w / r),
    w being the centroid's offset from the axis (+ where the material is
    inside). Both come from the graph's exact areas and centroids, so only
    the other faces go through OCCT's volume integration (about the same
    origin: OCCT's own volume of a set of faces measures from a point of its
    choosing, which does not add up across calls).
    """
    kinds = graph.face_surface_type
    planes = kinds == PLANE
    total = float(np.einsum("ij,ij->i", graph.face_axis[planes], graph.face_centroid[planes]) @ graph.face_area[planes])
    cylinders = np.flatnonzero(kinds == CYLINDER)
    if len(cylinders):
        axis = graph.face_axis[cylinders]
        point = graph.face_axis_point[cylinders]
        offset = graph.face_centroid[cylinders] - point
        offset -= np.einsum("ij,ij->i", offset, axis)[:, None] * axis
        radial = graph.face_sample_point[cylinders] - point
        radial -= np.einsum("ij,ij->i", radial, axis)[:, None] * axis
        sign = np.sign(np.einsum("ij,ij->i", radial, graph.face_sample_normal[cylinders]))
        radius = graph.face_radius[cylinders]
        total += float(
            np.sum(sign * graph.face_area[cylinders] * (radius + np.einsum("ij,ij->i", point, offset) / radius))
        )
    origin = gp_Pnt(0.0, 0.0, 0.0)
    for face_id in np.flatnonzero((kinds != PLANE) & (kinds != CYLINDER)).tolist():
        face = graph.face(face_id)
        total += 3.0 * BRepGProp_Vinert(BRepGProp_Face(face), BRepGProp_Domain(face), origin).Mass()
    return abs(total / 3.0)


def box_plane_faces(topology: PartTopology, box: StockBox) -> np.ndarray:
    """Planar faces lying on a block face with the same outward normal: uncut stock."""
    graph = topology.graph
    stock = np.zeros(graph.face_count, dtype=bool)
    tol = 10.0 * topology.length_tol
    for face in np.flatnonzero(graph.face_surface_type == PLANE):
        normal = graph.face_axis[face]
        k = int(np.argmax(np.abs(normal)))
        if abs(normal[k]) < 1.0 - ANGLE_TOL:
            continue
        level = box.upper[k] if normal[k] > 0 else box.lower[k]
        stock[face] = abs(graph.face_sample_point[face][k] - level) < tol
    return stock
