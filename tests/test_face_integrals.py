"""OCCT's integration rule per face (face_integrals.py), on B-spline faces built here.

The surface is a flat bicubic B-spline patch 100 x 100 mm, so a face cut from it by
a circle of radius r in (u, v) has the area of a disc of radius 100 r, whichever
rule integrates it.
"""

from __future__ import annotations

import math

import pytest
from OCP.BRepBuilderAPI import (
    BRepBuilderAPI_MakeEdge,
    BRepBuilderAPI_MakeFace,
    BRepBuilderAPI_MakeWire,
)
from OCP.BRepLib import BRepLib
from OCP.collections import Array1_double, Array1_int, Array2_gp_Pnt, HArray1_gp_Pnt2d
from OCP.Geom import Geom_BSplineSurface
from OCP.Geom2d import Geom2d_Circle
from OCP.Geom2dAPI import Geom2dAPI_Interpolate
from OCP.gp import gp_Ax2d, gp_Dir2d, gp_Pnt, gp_Pnt2d

from geometry_service.geometry.face_integrals import (
    MANY_BOUNDARY_SPANS,
    adaptive_rule,
    surface_properties,
    volume_from_origin,
)

SIDE_MM = 100.0
RADIUS = 0.3  # in (u, v); 30 mm on the part


def _flat_patch() -> Geom_BSplineSurface:
    """A bicubic B-spline on [0, 1]^2 that is the plane z = 0 scaled by SIDE_MM."""
    poles = Array2_gp_Pnt(1, 4, 1, 4)
    for i in range(4):
        for j in range(4):
            poles.SetValue(i + 1, j + 1, gp_Pnt(SIDE_MM * i / 3, SIDE_MM * j / 3, 0.0))
    knots = Array1_double(1, 2)
    knots.SetValue(1, 0.0)
    knots.SetValue(2, 1.0)
    multiplicities = Array1_int(1, 2)
    multiplicities.SetValue(1, 4)
    multiplicities.SetValue(2, 4)
    return Geom_BSplineSurface(poles, knots, knots, multiplicities, multiplicities, 3, 3)


def _disc_face(boundary_points: int | None):
    """The patch cut by a circle about (0.5, 0.5): the exact circle when
    ``boundary_points`` is None, else a periodic cubic through that many of its points
    (one knot per point)."""
    surface = _flat_patch()
    if boundary_points is None:
        curve = Geom2d_Circle(gp_Ax2d(gp_Pnt2d(0.5, 0.5), gp_Dir2d(1.0, 0.0)), RADIUS)
        first, last = 0.0, 2.0 * math.pi
    else:
        points = HArray1_gp_Pnt2d(1, boundary_points)
        for k in range(boundary_points):
            angle = 2.0 * math.pi * k / boundary_points
            points.SetValue(
                k + 1,
                gp_Pnt2d(0.5 + RADIUS * math.cos(angle), 0.5 + RADIUS * math.sin(angle)),
            )
        interpolation = Geom2dAPI_Interpolate(points, True, 1e-9)
        interpolation.Perform()
        curve = interpolation.Curve()
        first, last = curve.FirstParameter(), curve.LastParameter()
    edge = BRepBuilderAPI_MakeEdge(curve, surface, first, last).Edge()
    BRepLib.BuildCurves3d_s(edge)
    wire = BRepBuilderAPI_MakeWire(edge).Wire()
    return BRepBuilderAPI_MakeFace(surface, wire, True).Face()


@pytest.mark.parametrize("boundary_points", [None, 20, MANY_BOUNDARY_SPANS // 2])
def test_a_free_form_face_with_a_short_boundary_gets_the_adaptive_rule(boundary_points) -> None:
    face = _disc_face(boundary_points)
    assert adaptive_rule(face, freeform=True)
    assert not adaptive_rule(face, freeform=False)


def test_a_free_form_face_with_a_long_boundary_curve_gets_the_fixed_rule() -> None:
    face = _disc_face(2 * MANY_BOUNDARY_SPANS)
    assert not adaptive_rule(face, freeform=True)


@pytest.mark.parametrize("boundary_points", [None, 2 * MANY_BOUNDARY_SPANS])
def test_either_rule_measures_the_disc(boundary_points) -> None:
    """The exact circle (adaptive rule), and 400 points on it (fixed rule; the
    interpolant's own area is within 1e-6 of the disc's)."""
    face = _disc_face(boundary_points)
    disc = math.pi * (SIDE_MM * RADIUS) ** 2
    adaptive = adaptive_rule(face, freeform=True)
    assert adaptive == (boundary_points is None)
    area, centroid = surface_properties(face, adaptive)
    assert abs(abs(area) - disc) < 1e-6 * disc
    assert centroid == pytest.approx((SIDE_MM / 2, SIDE_MM / 2, 0.0), abs=1e-6)
    # x.n vanishes on the plane z = 0: the face adds nothing to a part's volume.
    assert abs(volume_from_origin(face, adaptive)) < 1e-6 * disc
