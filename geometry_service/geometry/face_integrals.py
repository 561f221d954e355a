"""Which rule OCCT integrates a face with, for its area, centroid and volume.

OCCT offers two: a fixed Gauss rule that takes as many points per span as the
surface's degree asks, and an adaptive one that refines until its error bound
is met. Which is faster depends on the surface, measured over every face of
the OCCT and NIST sets that the arrays do not measure (elementary_faces.py):

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
- Everything else (planes, quadrics, tori, swept surfaces): the fixed rule.
  Area, 177 extruded faces: fixed 49 ms, adaptive 248; 60 revolved faces:
  27 against 53 (trj7_k1-ec-214.stp's 11 revolved faces: 26 against 160 ms).
  On swept faces the fixed rule is also the closer of the two to a 1e-7
  adaptive integration (worst face 7.8 % off against 13.6 %).
"""

from __future__ import annotations

from OCP.BRepGProp import BRepGProp, BRepGProp_Domain, BRepGProp_Face, BRepGProp_Vinert
from OCP.gp import gp_Pnt
from OCP.GProp import GProp_GProps
from OCP.TopoDS import TopoDS_Face

FREEFORM_TOLERANCE = 1e-3
"""Relative error bound of the adaptive rule. On the turbine's blades the areas
agree with themselves at 1e-5 and 1e-7 where the fixed rule was 0.4 mm² off;
a bound of 1e-5 costs 6 x more time on their volumes (57 ms against 9.5)."""


def surface_properties(face: TopoDS_Face, freeform: bool) -> tuple[float, tuple[float, ...]]:
    """Area (mm²) and centroid of ``face``; ``freeform``: a B-spline or Bezier face."""
    props = GProp_GProps()
    if freeform:
        BRepGProp.SurfaceProperties_s(face, props, FREEFORM_TOLERANCE)
    else:
        BRepGProp.SurfaceProperties_s(face, props)
    return props.Mass(), props.CentreOfMass().Coord()


def volume_from_origin(face: TopoDS_Face, freeform: bool) -> float:
    """The signed volume of the cone from the origin to ``face`` (1/3 of the
    integral of x.n over it): the face's share of the divergence theorem."""
    origin = gp_Pnt(0.0, 0.0, 0.0)
    surface, domain = BRepGProp_Face(face), BRepGProp_Domain(face)
    if freeform:
        return BRepGProp_Vinert(surface, domain, origin, FREEFORM_TOLERANCE).Mass()
    return BRepGProp_Vinert(surface, domain, origin).Mass()
