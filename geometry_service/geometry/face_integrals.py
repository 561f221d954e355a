"""Which rule OCCT integrates a face with, for its area, centroid and volume.

OCCT offers a fixed Gauss rule that takes as many points per span as the
surface's degree asks, an adaptive one that refines until its error bound is
met, and for volumes alone an adaptive Gauss-Kronrod rule (BRepGProp_VinertGK)
that can leave out the centre of mass and the inertia. Which is faster depends
on the surface, measured over every face of the OCCT and NIST sets that the
arrays do not measure (elementary_faces.py):

- B-spline and Bezier faces: the adaptive rule. Area, 1,650 faces: fixed
  1,724 ms, adaptive 839; the turbine's blades alone 10 x faster. Volume, the
  32 B-spline faces of ec_turbine-A.stp: fixed 147 ms, adaptive 9.5; 70 faces
  of r0901_ec.stp: 130 -> 16 ms. It is the closer of the two as well: against
  a 1e-6 adaptive integration, part volumes with the fixed rule were up to
  9 % off (bug28366_fuselage.stp; trj3_s1-id-203.stp 0.85 %), with the
  adaptive rule at most 8e-4 (trj4_k1_geo-ac-214.stp; 5e-4 on trj3_s1-id-203).
  The adaptive rule stalls on a few smooth patches (a rational degree-8
  patch of trj7_k1-ec-214.stp: 21 ms against 2): choosing the fixed rule
  for faces of at most 3 knot spans and degree 8 would save a fifth of the
  time over all 1,650 B-spline faces (842 -> 663 ms) but brings its volume
  errors back (trj3_s1-id-203.stp 0.77 %, bug28366_fuselage.stp 9 %).
  What stalls it is a long boundary: the fixed rule puts its points on every
  span of the face's curves in (u, v), so a boundary of hundreds of spans
  already gets thousands of points, and the adaptive rule refines each span
  on top. B-spline faces with a curve of more than MANY_BOUNDARY_SPANS knots
  get the fixed rule: 9 of the 1,650 faces (trj6_k1-ec-214.stp and
  trj7_k1-ec-214.stp, 4 faces each with curves of 1,057-1,101 knots, and
  trj1_t4m-ac.stp), area and volume 303 -> 37 ms. Against a 1e-8 adaptive
  integration the fixed rule is within 2.4e-7 mm² (area) and 1.6e-8 mm³
  (volume) on the 8 small faces, and closer than the adaptive rule on the
  large one (area 6.9 against 14.9 mm² of 922,490; volume 1.6e3 against
  1.05e4 mm³). Below 200 knots it is not safe: a face of 133 knots
  (trj5_k1-pe-214.stp) is 0.2 mm² off with it, 2e-13 with the adaptive rule.
- Everything else (planes, quadrics, tori, swept surfaces): the fixed rule.
  Area, 177 extruded faces: fixed 49 ms, adaptive 248; 60 revolved faces:
  27 against 53 (trj7_k1-ec-214.stp's 11 revolved faces: 26 against 160 ms).
  On swept faces the fixed rule is also the closer of the two to a 1e-7
  adaptive integration (worst face 7.8 % off against 13.6 %).
- Volumes by Gauss-Kronrod, mass only (Rule.KRONROD): the extruded faces and
  the B-spline faces of a long boundary. Against a Gauss-Kronrod integration
  over the surface's spans to 1e-9, on every such face of the OCCT and NIST
  sets: the 8 long-boundary faces 22.9 -> 3.0 ms, worst face 2.9e-8 -> 1.5e-8
  of its part's volume; the 177 extruded faces 89.4 -> 55.0 ms, worst face
  9.2e-5 -> 3.3e-5 of its part's volume (3.1e-6 on the 125 faces where the
  adaptive Gauss rule at 1e-9 agrees with that reference; on the other 52 it
  is itself up to 1.4e-3 off). Not for revolved faces (60: 70.9 -> 80.4 ms,
  and 12 faces up to 1.1e-4 off where the fixed rule is 2.6e-5), tori (146
  faces of the bench's parts 23.5 -> 7.8 ms, but 3e-7 of the part's volume
  off where the fixed rule is 1e-8) nor the other B-spline faces (854: 328
  -> 357 ms, worst 4.5e-5 -> 2.9e-4).
"""

from __future__ import annotations

from enum import IntEnum

from OCP.BRep import BRep_Tool
from OCP.BRepGProp import (
    BRepGProp,
    BRepGProp_Domain,
    BRepGProp_Face,
    BRepGProp_Vinert,
    BRepGProp_VinertGK,
)
from OCP.Geom2d import Geom2d_BSplineCurve
from OCP.gp import gp_Pnt
from OCP.GProp import GProp_GProps
from OCP.TopAbs import TopAbs_EDGE
from OCP.TopExp import TopExp_Explorer
from OCP.TopoDS import TopoDS, TopoDS_Face

FREEFORM_TOLERANCE = 1e-3
"""Relative error bound of the adaptive rule. On the turbine's blades the areas
agree with themselves at 1e-5 and 1e-7 where the fixed rule was 0.4 mm² off;
a bound of 1e-5 costs 6 x more time on their volumes (57 ms against 9.5)."""

KRONROD_TOLERANCE = 1e-3
"""Relative error bound of the Gauss-Kronrod volume rule (the figures above)."""

MANY_BOUNDARY_SPANS = 200
"""A free-form face bounded by a curve in (u, v) of more knots than this does not get
the adaptive rule (see above); finding out walks the face's edges (about 40 us
a face on real parts), so the graph decides once and keeps the answer
(BRepGraph.face_rule) for the volume."""


class Rule(IntEnum):
    """How OCCT integrates a face the arrays do not measure."""

    FIXED = 0  # the fixed Gauss rule, area and volume
    ADAPTIVE = 1  # the adaptive Gauss rule to FREEFORM_TOLERANCE, area and volume
    KRONROD = 2  # area by the fixed rule; volume by Gauss-Kronrod to KRONROD_TOLERANCE


def face_rule(face: TopoDS_Face, freeform: bool, extruded: bool = False) -> Rule:
    """The rule for ``face``: a free-form face gets the adaptive rule unless a curve of
    its boundary is long; that face and an ``extruded`` one get the Gauss-Kronrod
    volume; any other the fixed rule."""
    if extruded:
        return Rule.KRONROD
    if not freeform:
        return Rule.FIXED
    edges = TopExp_Explorer(face, TopAbs_EDGE)
    while edges.More():
        curve = BRep_Tool.CurveOnSurface_s(TopoDS.Edge(edges.Current()), face, 0.0, 0.0)
        if isinstance(curve, Geom2d_BSplineCurve) and curve.NbKnots() > MANY_BOUNDARY_SPANS:
            return Rule.KRONROD
        edges.Next()
    return Rule.ADAPTIVE


def surface_properties(face: TopoDS_Face, rule: Rule) -> tuple[float, tuple[float, ...]]:
    """Area (mm²) and centroid of ``face`` by ``rule`` (:func:`face_rule` decides; the
    graph keeps its answer for the volume)."""
    props = GProp_GProps()
    if rule == Rule.ADAPTIVE:
        BRepGProp.SurfaceProperties_s(face, props, FREEFORM_TOLERANCE)
    else:
        BRepGProp.SurfaceProperties_s(face, props)
    return props.Mass(), props.CentreOfMass().Coord()


def volume_from_origin(face: TopoDS_Face, rule: Rule) -> float:
    """The signed volume of the cone from the origin to ``face`` (1/3 of the
    integral of x.n over it): the face's share of the divergence theorem, by
    the rule :func:`face_rule` chose for it."""
    origin = gp_Pnt(0.0, 0.0, 0.0)
    surface, domain = BRepGProp_Face(face), BRepGProp_Domain(face)
    if rule == Rule.ADAPTIVE:
        return BRepGProp_Vinert(surface, domain, origin, FREEFORM_TOLERANCE).Mass()
    if rule == Rule.KRONROD:
        return BRepGProp_VinertGK(surface, domain, origin, KRONROD_TOLERANCE, False, False).Mass()
    return BRepGProp_Vinert(surface, domain, origin).Mass()
