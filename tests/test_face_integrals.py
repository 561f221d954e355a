"""OCCT's integration rule per face (face_integrals.py), on faces built here.

The surface is a flat bicubic B-spline patch 100 x 100 mm at height z, so a face
cut from it by a circle of radius r in (u, v) has the area of a disc of radius
100 r and the volume share (1/3 of the integral of x.n) z/3 times that, whichever
rule integrates it. An extruded face is a quarter of a cylinder written as a
B-spline arc swept along z.
"""

from __future__ import annotations

import math

import pytest
from OCP.BRepAdaptor import BRepAdaptor_Surface
from OCP.BRepBuilderAPI import (
    BRepBuilderAPI_MakeEdge,
    BRepBuilderAPI_MakeFace,
    BRepBuilderAPI_MakeWire,
)
from OCP.BRepLib import BRepLib
from OCP.BRepPrimAPI import BRepPrimAPI_MakePrism
from OCP.collections import Array1_double, Array1_int, Array2_gp_Pnt, HArray1_gp_Pnt2d
from OCP.GC import GC_MakeArcOfCircle
from OCP.Geom import Geom_BSplineSurface
from OCP.Geom2d import Geom2d_Circle
from OCP.Geom2dAPI import Geom2dAPI_Interpolate
from OCP.GeomAbs import GeomAbs_SurfaceType
from OCP.GeomConvert import GeomConvert
from OCP.gp import gp_Ax2, gp_Ax2d, gp_Circ, gp_Dir, gp_Dir2d, gp_Pnt, gp_Pnt2d, gp_Vec
from OCP.TopoDS import TopoDS

from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.face_integrals import (
    MANY_BOUNDARY_SPANS,
    Rule,
    face_rule,
    surface_properties,
    volume_from_origin,
)
from tests.part_builders import model_of

SIDE_MM = 100.0
RADIUS = 0.3  # in (u, v); 30 mm on the part


def _flat_patch(height: float) -> Geom_BSplineSurface:
    """A bicubic B-spline on [0, 1]^2 that is the plane z = height scaled by SIDE_MM."""
    poles = Array2_gp_Pnt(1, 4, 1, 4)
    for i in range(4):
        for j in range(4):
            poles.SetValue(i + 1, j + 1, gp_Pnt(SIDE_MM * i / 3, SIDE_MM * j / 3, height))
    knots = Array1_double(1, 2)
    knots.SetValue(1, 0.0)
    knots.SetValue(2, 1.0)
    multiplicities = Array1_int(1, 2)
    multiplicities.SetValue(1, 4)
    multiplicities.SetValue(2, 4)
    return Geom_BSplineSurface(poles, knots, knots, multiplicities, multiplicities, 3, 3)


def _disc_face(boundary_points: int | None, height: float = 0.0):
    """The patch cut by a circle about (0.5, 0.5): the exact circle when
    ``boundary_points`` is None, else a periodic cubic through that many of its points
    (one knot per point)."""
    surface = _flat_patch(height)
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
    assert face_rule(face, freeform=True) == Rule.ADAPTIVE
    assert face_rule(face, freeform=False) == Rule.FIXED


def test_a_free_form_face_with_a_long_boundary_curve_gets_the_kronrod_volume() -> None:
    face = _disc_face(2 * MANY_BOUNDARY_SPANS)
    assert face_rule(face, freeform=True) == Rule.KRONROD


@pytest.mark.parametrize("height", [0.0, 40.0])
@pytest.mark.parametrize("boundary_points", [None, 2 * MANY_BOUNDARY_SPANS])
def test_either_rule_measures_the_disc(boundary_points, height) -> None:
    """The exact circle (adaptive rule), and 400 points on it (fixed rule for the
    area, Gauss-Kronrod for the volume; the interpolant's own area is within 1e-6
    of the disc's)."""
    face = _disc_face(boundary_points, height)
    disc = math.pi * (SIDE_MM * RADIUS) ** 2
    rule = face_rule(face, freeform=True)
    assert rule == (Rule.ADAPTIVE if boundary_points is None else Rule.KRONROD)
    area, centroid = surface_properties(face, rule)
    assert abs(abs(area) - disc) < 1e-6 * disc
    assert centroid == pytest.approx((SIDE_MM / 2, SIDE_MM / 2, height), abs=1e-6)
    # x.n is the height on the plane z = height, up or down as the face is turned.
    share = abs(volume_from_origin(face, rule))
    assert share == pytest.approx(height * disc / 3.0, abs=1e-6 * disc)


def _extruded_quarter(radius: float, height: float):
    """A quarter of the cylinder of ``radius`` about z, from 0 to ``height``: a
    B-spline arc in the plane z = 0 swept along z."""
    arc = GC_MakeArcOfCircle(
        gp_Circ(gp_Ax2(gp_Pnt(0, 0, 0), gp_Dir(0, 0, 1)), radius), 0.0, math.pi / 2, True
    ).Value()
    edge = BRepBuilderAPI_MakeEdge(GeomConvert.CurveToBSplineCurve_s(arc)).Edge()
    return TopoDS.Face(BRepPrimAPI_MakePrism(edge, gp_Vec(0, 0, height)).Shape())


def test_an_extruded_face_gets_the_kronrod_volume() -> None:
    """On the quarter cylinder x.n is the radius: the share is r/3 times its area."""
    radius, height = 30.0, 25.0
    face = _extruded_quarter(radius, height)
    assert BRepAdaptor_Surface(face).GetType() == GeomAbs_SurfaceType.GeomAbs_SurfaceOfExtrusion
    area = radius * math.pi / 2 * height
    measured, _ = surface_properties(face, Rule.KRONROD)
    assert abs(measured) == pytest.approx(area, rel=1e-9)
    share = abs(volume_from_origin(face, Rule.KRONROD))
    assert share == pytest.approx(radius * area / 3.0, rel=1e-9)


def test_the_graph_keeps_the_kronrod_rule_of_an_extruded_face() -> None:
    face = _extruded_quarter(30.0, 25.0)
    graph = build_graph(model_of(face, solid_count=0))
    assert graph.face_rule.tolist() == [Rule.KRONROD]
