"""Cylinder faces whose curves in (u, v) are straight B-splines that do not run
linearly (as some exporters write every rim and seam): the graph measures them
from arrays, to OCCT's figures, and leaves their points at a parameter to OCCT.

The face is a quarter turn of a cylinder of radius 5, 10 high, bounded by four
cubic Bezier curves in (u, v) whose poles are on the rectangle's sides but
unevenly spaced; its area and centroid are known in closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from OCP.BRepBuilderAPI import (
    BRepBuilderAPI_MakeEdge,
    BRepBuilderAPI_MakeFace,
    BRepBuilderAPI_MakeWire,
)
from OCP.BRepLib import BRepLib
from OCP.collections import Array1_gp_Pnt2d
from OCP.Geom import Geom_CylindricalSurface
from OCP.Geom2d import Geom2d_BezierCurve
from OCP.gp import gp_Ax3, gp_Pnt2d

from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.cad_reader import CadModel
from geometry_service.geometry.elementary_faces import PCURVE_LINE, PCURVE_TRACE
from geometry_service.geometry.measure import edge_v_ranges
from geometry_service.geometry.topology import PartTopology
from tests.part_builders import model_of

RADIUS = 5.0
HEIGHT = 10.0
TURN = math.pi / 2
SPACING = (0.0, 0.05, 0.8, 1.0)  # where the poles sit along each side


def _side(start: tuple[float, float], end: tuple[float, float], bent: float = 0.0):
    """A cubic Bezier in (u, v) from ``start`` to ``end`` with poles at SPACING along
    the side; ``bent`` moves the inner poles off it, across."""
    poles = Array1_gp_Pnt2d(1, len(SPACING))
    (u0, v0), (u1, v1) = start, end
    length = math.hypot(u1 - u0, v1 - v0)
    across = (-(v1 - v0) / length, (u1 - u0) / length)
    for index, share in enumerate(SPACING):
        inner = 0.0 < share < 1.0
        poles.SetValue(
            index + 1,
            gp_Pnt2d(
                u0 + share * (u1 - u0) + inner * bent * across[0],
                v0 + share * (v1 - v0) + inner * bent * across[1],
            ),
        )
    return Geom2d_BezierCurve(poles)


def _quarter_cylinder(bent: float = 0.0, lean: float = 0.0) -> CadModel:
    """``lean``: the top side shifted along u, so the two others run slanted in (u, v)."""
    surface = Geom_CylindricalSurface(gp_Ax3(), RADIUS)
    corners = [(0.0, 0.0), (TURN, 0.0), (TURN + lean, HEIGHT), (lean, HEIGHT)]
    wire = BRepBuilderAPI_MakeWire()
    for index, start in enumerate(corners):
        end = corners[(index + 1) % 4]
        edge = BRepBuilderAPI_MakeEdge(_side(start, end, bent if index == 0 else 0.0), surface)
        BRepLib.BuildCurves3d_s(edge.Edge())
        wire.Add(edge.Edge())
    face = BRepBuilderAPI_MakeFace(surface, wire.Wire(), True).Face()
    return model_of(face, solid_count=0)


def test_a_face_bounded_by_straight_traces_is_measured_from_arrays() -> None:
    graph = build_graph(_quarter_cylinder())
    assert graph.face_surface_type[0] == 1  # a cylinder
    assert graph.integration_ms == 0.0  # OCCT integrated nothing
    assert graph.face_area[0] == pytest.approx(RADIUS * TURN * HEIGHT, rel=1e-12)
    # The centroid of a quarter turn: 2 R sin(t/2) / t from the axis, on the bisector.
    distance = 2 * RADIUS * math.sin(TURN / 2) / TURN
    expected = (distance * math.cos(TURN / 2), distance * math.sin(TURN / 2), HEIGHT / 2)
    np.testing.assert_allclose(graph.face_centroid[0], expected, atol=1e-9)


def test_slanted_straight_traces_are_measured_from_arrays_too() -> None:
    """Sides that are neither u nor v constant: the box of their poles cannot vouch
    for them, so each pole is checked; the face is a parallelogram in (u, v)."""
    graph = build_graph(_quarter_cylinder(lean=0.3))
    assert graph.integration_ms == 0.0
    assert graph.face_area[0] == pytest.approx(RADIUS * TURN * HEIGHT, rel=1e-12)


def test_a_bent_side_leaves_the_face_to_occt() -> None:
    """One side's inner poles 0.01 off it: no longer a straight trace."""
    graph = build_graph(_quarter_cylinder(bent=0.01))
    assert graph.integration_ms > 0.0
    assert graph.face_area[0] != pytest.approx(RADIUS * TURN * HEIGHT, rel=1e-6)


@pytest.mark.parametrize("lean", [0.0, 0.3])
def test_the_v_ranges_of_straight_traces_are_their_ends(lean: float) -> None:
    """Axial extents come from the traces' ends, without asking OCCT to bound them."""
    topology = PartTopology(build_graph(_quarter_cylinder(lean=lean)))
    kinds = topology.graph.coedge_pcurves.kind
    assert set(kinds.tolist()) <= {PCURVE_LINE, PCURVE_TRACE}
    ranges = sorted(edge_v_ranges(topology, 0).values())
    np.testing.assert_allclose(ranges, [(0, 0), (0, HEIGHT), (0, HEIGHT), (HEIGHT, HEIGHT)])


def test_the_v_range_of_a_bent_side_is_bounded_by_occt() -> None:
    """The bottom side's inner poles sit 0.01 above it: the cubic peaks at 3/4 of that."""
    topology = PartTopology(build_graph(_quarter_cylinder(bent=0.01)))
    ranges = sorted(edge_v_ranges(topology, 0).values())
    np.testing.assert_allclose(
        ranges, [(0, 0.0075), (0, HEIGHT), (0, HEIGHT), (HEIGHT, HEIGHT)], atol=1e-12
    )
