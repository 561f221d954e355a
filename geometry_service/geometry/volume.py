"""The part's volume, exactly and cheaply, for the volume removed from stock.

Divergence theorem: V = 1/3 of the sum over faces of the integral of x.n.
OCCT's volume integration costs about 0.5 ms a curved face (70 ms on a
real part with a hundred countersinks), and measures a set of faces from a
point of its own choosing, so it does not add up across calls. Here each
face's integral comes in closed form where one exists:

- plane: area * (n . centroid);
- cylinder of radius r about the line through p along u: +-area * (r + p.w / r),
  w the centroid's offset from the axis (+ where the material is inside);
- cone: every generator runs through the apex a, so x.n = a.n and the
  integral is a . S, S the face's vector area (integral of n dA);
- sphere of radius R about c: +-R * area + c . S.

S comes from the face's loops by Stokes: S = 1/2 of the loop integral of
x cross dx, exact for lines (a x b) and circles, 8-point Gauss quadrature on
each tangent-continuous span of other curves (about 1e-6 of the volume on a
real part's B-spline intersections; splitting at every knot costs 3x for
little more). Areas and centroids are the graph's. Free-form faces that are
whole rational patches come with their share from the graph
(spline_patches.py); B-spline faces whose poles lie in one plane count as
planes; tori and other free-form faces go through OCCT, measured from the
origin, by the rule face_integrals.py picks.
"""

from __future__ import annotations

import numpy as np
from OCP.BRep import BRep_Tool
from OCP.BRepAdaptor import BRepAdaptor_Curve
from OCP.collections import Array1_double
from OCP.GeomAbs import GeomAbs_Shape
from OCP.GeomLib import GeomLib_IsPlanarSurface
from OCP.gp import gp_Pnt, gp_Vec
from OCP.TopoDS import TopoDS_Edge

from .elementary_faces import cross
from .face_integrals import Rule, volume_from_origin
from .outline import PartOutline
from .topology import BSPLINE, CONE, CYLINDER, LINE, PLANE, SPHERE, PartTopology

_GAUSS_X, _GAUSS_W = np.polynomial.legendre.leggauss(8)
FLAT_TOLERANCE = 1e-7  # mm: how far a flat B-spline face's poles may lie from its plane


def part_volume(topology: PartTopology, outline: PartOutline) -> float:
    graph = topology.graph
    kinds = graph.face_surface_type
    planes = kinds == PLANE
    total = float(
        np.einsum("ij,ij->i", graph.face_axis[planes], graph.face_centroid[planes])
        @ graph.face_area[planes]
    )
    cylinders = np.flatnonzero(kinds == CYLINDER)
    if len(cylinders):
        axis = graph.face_axis[cylinders]
        point = graph.face_axis_point[cylinders]
        offset = graph.face_centroid[cylinders] - point
        offset -= np.einsum("ij,ij->i", offset, axis)[:, None] * axis
        radius = graph.face_radius[cylinders]
        total += float(
            np.sum(
                _outward_sign(topology, cylinders)
                * graph.face_area[cylinders]
                * (radius + np.einsum("ij,ij->i", point, offset) / radius)
            )
        )
    cones = np.flatnonzero(kinds == CONE)
    spheres = np.flatnonzero(kinds == SPHERE)
    if len(cones) or len(spheres):
        vector_area = _vector_areas(topology, outline, np.concatenate([cones, spheres]))
        total += float(np.einsum("ij,ij->i", _apexes(topology, cones), vector_area[cones]).sum())
        total += float(
            np.sum(
                _outward_sign(topology, spheres)
                * graph.face_radius[spheres]
                * graph.face_area[spheres]
            )
            + np.einsum("ij,ij->i", graph.face_axis_point[spheres], vector_area[spheres]).sum()
        )
    others = (kinds != PLANE) & (kinds != CYLINDER) & (kinds != CONE) & (kinds != SPHERE)
    shares = graph.face_volume_share
    measured = others & np.isfinite(shares)
    total += 3.0 * float(shares[measured].sum())
    flat = _flat_splines(topology, np.flatnonzero(others & ~measured & (kinds == BSPLINE)))
    total += float(
        np.einsum("ij,ij->i", graph.face_sample_normal[flat], graph.face_centroid[flat])
        @ graph.face_area[flat]
    )
    integrated = others & ~measured
    integrated[flat] = False
    for face_id in np.flatnonzero(integrated).tolist():
        total += 3.0 * volume_from_origin(graph.face(face_id), Rule(graph.face_rule[face_id]))
    return abs(total / 3.0)


def _flat_splines(topology: PartTopology, faces: np.ndarray) -> np.ndarray:
    """The B-spline faces among ``faces`` that are planes: every pole within
    FLAT_TOLERANCE of one plane (the surface stays in its poles' hull), so like a
    plane's their share is area * (n . centroid), n the outward normal at any
    point. Exporters write flat faces so (25 of trj7_k1-al-214.stp's 57 B-spline
    faces, 178 of the 854 that OCCT integrates over the bench's real parts).
    Only faces whose centroid lies on the tangent plane at their sample point
    are asked (OCCT's check costs 60 us a face; a curved face's centroid is
    off that plane)."""
    graph = topology.graph
    offset = np.einsum(
        "ij,ij->i",
        graph.face_sample_normal[faces],
        graph.face_centroid[faces] - graph.face_sample_point[faces],
    )
    normal_known = np.einsum("ij,ij->i", *(2 * [graph.face_sample_normal[faces]])) > 0.5
    candidates = faces[normal_known & (np.abs(offset) <= 10.0 * topology.length_tol)]
    return np.array(
        [
            face
            for face in candidates.tolist()
            if GeomLib_IsPlanarSurface(
                BRep_Tool.Surface_s(graph.face(face)), FLAT_TOLERANCE
            ).IsPlanar()
        ],
        dtype=int,
    )


def _outward_sign(topology: PartTopology, faces: np.ndarray) -> np.ndarray:
    """+1 where a face's outward normal points away from its axis or centre."""
    graph = topology.graph
    radial = graph.face_sample_point[faces] - graph.face_axis_point[faces]
    axis = graph.face_axis[faces]
    radial -= np.einsum("ij,ij->i", radial, axis)[:, None] * axis  # a sphere's axis is zero
    return np.sign(np.einsum("ij,ij->i", radial, graph.face_sample_normal[faces]))


def _apexes(topology: PartTopology, cones: np.ndarray) -> np.ndarray:
    """Each cone's apex: on its axis, R / tan(half angle) from the reference
    circle, on the side where the face's own sample point narrows toward it."""
    graph = topology.graph
    axis, location = graph.face_axis[cones], graph.face_axis_point[cones]
    reach = graph.face_radius[cones] / np.tan(graph.face_half_angle[cones])
    sample = graph.face_sample_point[cones] - location
    along = np.einsum("ij,ij->i", sample, axis)
    radius = np.linalg.norm(sample - along[:, None] * axis, axis=1)
    slope = np.tan(graph.face_half_angle[cones])
    # Apex at location - s * reach * axis: the sample's radius must equal
    # its axial distance from the apex times tan(half angle).
    below = np.abs(np.abs(along + reach) * slope - radius)
    above = np.abs(np.abs(along - reach) * slope - radius)
    sense = np.where(below <= above, 1.0, -1.0)
    return location - (sense * reach)[:, None] * axis


def _vector_areas(topology: PartTopology, outline: PartOutline, faces: np.ndarray) -> np.ndarray:
    """(F, 3): each face's integral of n dA, as half the sum over its coedges
    of the edge integral of x cross dx (negated where the coedge runs against
    its edge); right for ``faces`` only. Free-form curves cost a Python call
    into OCCT per quadrature node, so only those bounding ``faces`` are
    integrated (on NIST FTC 07, 378 curves of which 110 bound a cone or a sphere)."""
    graph = topology.graph
    integral = np.zeros((graph.edge_count, 3))
    lines = np.flatnonzero(graph.edge_curve_type == LINE)
    ends = topology.edge_ends[lines]
    integral[lines] = cross(ends[:, 0], ends[:, 1])
    arcs = outline.arcs
    chord = (
        arcs.x * (np.cos(arcs.last) - np.cos(arcs.first))[:, None]
        + arcs.y * (np.sin(arcs.last) - np.sin(arcs.first))[:, None]
    )
    integral[arcs.edges] = arcs.radius[:, None] * cross(arcs.center, chord) + (
        arcs.radius**2 * (arcs.last - arcs.first)
    )[:, None] * cross(arcs.x, arcs.y)
    bounding = np.zeros(graph.edge_count, dtype=bool)
    bounding[graph.coedge_edge[np.isin(graph.coedge_face, faces)]] = True
    for edge in outline.other_curves:
        if bounding[edge]:
            integral[edge] = _curve_integral(graph.edge(edge))
    sign = np.where(graph.coedge_reversed, -1.0, 1.0)
    areas = np.zeros((graph.face_count, 3))
    np.add.at(areas, graph.coedge_face, sign[:, None] * integral[graph.coedge_edge])
    return 0.5 * areas


def _curve_integral(edge: TopoDS_Edge) -> np.ndarray:
    """Integral of x cross dx along a free-form curve, in its own sense."""
    curve = BRepAdaptor_Curve(edge)
    # Quadrature per span where the tangent is continuous.
    count = curve.NbIntervals(GeomAbs_Shape.GeomAbs_C1)
    bounds = Array1_double(1, count + 1)
    curve.Intervals(bounds, GeomAbs_Shape.GeomAbs_C1)
    spans = [bounds.Value(i) for i in range(1, count + 2)]
    nodes = len(_GAUSS_X)
    points, tangents = np.empty((count * nodes, 3)), np.empty((count * nodes, 3))
    weights = np.empty(count * nodes)
    point, tangent = gp_Pnt(), gp_Vec()
    for k in range(count):
        low, high = spans[k], spans[k + 1]
        half = 0.5 * (high - low)
        for i, x in enumerate(_GAUSS_X.tolist()):
            curve.D1(low + half * (x + 1.0), point, tangent)
            points[k * nodes + i], tangents[k * nodes + i] = point.Coord(), tangent.Coord()
        weights[k * nodes : (k + 1) * nodes] = half * _GAUSS_W
    return weights @ cross(points, tangents)
