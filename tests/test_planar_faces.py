"""Planar faces bounded by lines and circles are measured from arrays (Green's
theorem in the plane's (u, v), their boundaries projected from the edges'
curves in space), to OCCT's own figures; a plane with any other boundary
curve stays with OCCT's integration.

The parts are built here, so their areas are known in closed form.
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
from OCP.collections import Array1_gp_Pnt
from OCP.Geom import Geom_BezierCurve
from OCP.gp import gp_Pnt

from geometry_service.geometry.brep_graph import SURFACE_TYPES, build_graph
from geometry_service.geometry.face_integrals import Rule, surface_properties
from tests import part_builders as builders

PLANE = SURFACE_TYPES.index("plane")


@pytest.mark.parametrize("seed", [None, 3, 11])
def test_planes_with_lines_and_circles_match_occt_without_integrating(seed: int | None) -> None:
    shape = builders.box_with_through_hole(10.0)
    if seed is not None:  # turned and moved far off the origin and the axes
        shape = builders.turned_and_moved(shape, seed)
    graph = build_graph(builders.model_of(shape))
    planes = np.flatnonzero(graph.face_surface_type == PLANE)
    assert len(planes) == 6
    assert graph.integration_ms == 0.0  # no face went to OCCT
    for face in planes.tolist():
        area, centroid = surface_properties(graph.face(face), Rule.FIXED)
        assert graph.face_area[face] == pytest.approx(area, rel=1e-9)
        assert graph.face_centroid[face] == pytest.approx(centroid, abs=1e-7)
    holed = sorted(graph.face_area[planes].tolist())[-2:]  # top and bottom: 100 x 60 less the hole
    assert holed == pytest.approx(2 * [100 * 60 - math.pi * 25], rel=1e-12)


def test_a_plane_with_a_free_form_edge_stays_with_occt() -> None:
    """A flat face closed by a cubic Bezier arch over a straight base."""
    poles = Array1_gp_Pnt(1, 4)
    for index, (x, y) in enumerate([(0.0, 0.0), (0.0, 30.0), (40.0, 30.0), (40.0, 0.0)]):
        poles.SetValue(index + 1, gp_Pnt(x, y, 5.0))
    arch = BRepBuilderAPI_MakeEdge(Geom_BezierCurve(poles)).Edge()
    base = BRepBuilderAPI_MakeEdge(gp_Pnt(40.0, 0.0, 5.0), gp_Pnt(0.0, 0.0, 5.0)).Edge()
    face = BRepBuilderAPI_MakeFace(BRepBuilderAPI_MakeWire(arch, base).Wire(), True).Face()
    graph = build_graph(builders.model_of(face))
    assert graph.face_surface_type.tolist() == [PLANE]
    assert graph.integration_ms > 0.0
    # The arch's area: 40 x 30 x 3/5 (Bernstein weights of the cubic's middle poles).
    assert graph.face_area[0] == pytest.approx(40 * 30 * 0.6, rel=1e-9)
