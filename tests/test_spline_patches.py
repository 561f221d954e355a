"""Free-form faces on rational patches bounded by their (u, v) box (a cylinder's
wall written as a rational B-spline, as some exporters do) are measured from
their poles, to the exact figures; a trimmed one stays with OCCT's integration.

The parts are built here and converted to B-splines, so their areas,
centroids and volumes are known in closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from OCP.BRep import BRep_Tool
from OCP.BRepAlgoAPI import BRepAlgoAPI_Cut
from OCP.BRepBuilderAPI import BRepBuilderAPI_NurbsConvert
from OCP.BRepPrimAPI import BRepPrimAPI_MakeBox, BRepPrimAPI_MakeCylinder
from OCP.gp import gp_Ax2, gp_Dir, gp_Pnt, gp_Trsf, gp_Vec
from OCP.TopoDS import TopoDS_Shape

from geometry_service.geometry.brep_graph import SURFACE_TYPES, build_graph
from geometry_service.geometry.face_integrals import Rule
from geometry_service.geometry.part import Part
from tests.part_builders import model_of
from training.placement import placed, random_placement

BSPLINE = SURFACE_TYPES.index("bspline")
RADIUS, HEIGHT = 12.0, 30.0


def _as_splines(shape: TopoDS_Shape) -> TopoDS_Shape:
    """Every face on a B-spline: the quarter cylinder on a rational one."""
    return BRepBuilderAPI_NurbsConvert(shape, True).Shape()


def _cylinder_sector(angle: float = math.pi / 2) -> TopoDS_Shape:
    return BRepPrimAPI_MakeCylinder(RADIUS, HEIGHT, angle).Shape()


def _curved_face(graph) -> int:
    """The largest face on a rational surface: the quarter cylinder's wall (flat
    faces convert to polynomial B-splines)."""
    rational = [
        face
        for face in np.flatnonzero(graph.face_surface_type == BSPLINE).tolist()
        if BRep_Tool.Surface_s(graph.face(face)).IsURational()
        or BRep_Tool.Surface_s(graph.face(face)).IsVRational()
    ]
    return max(rational, key=lambda face: graph.face_area[face])


@pytest.mark.parametrize(
    ("angle", "seed"),
    [
        (math.pi / 2, None),
        (math.pi / 2, 5),
        (math.pi, None),
        (math.pi, 7),
        (2 * math.pi, None),
        (2 * math.pi, 9),
    ],
)
def test_a_rational_cylinder_wall_is_measured_exactly(angle: float, seed: int | None) -> None:
    """A quarter turn converts to one rational knot patch, a half turn to two,
    a whole turn to a periodic surface of three."""
    shape = _as_splines(_cylinder_sector(angle))
    placement = gp_Trsf() if seed is None else random_placement(seed)
    graph = build_graph(model_of(placed(shape, placement)))
    face = _curved_face(graph)
    assert graph.face_area[face] == pytest.approx(angle * RADIUS * HEIGHT, rel=1e-12)
    # As built, x.n = R on the wall: a third of R times its area. Moved by t,
    # x.n gains t.n, whose integral is t . (the wall's integral of n dA,
    # R H (sin a, 1 - cos a, 0) as built, turned).
    shift = np.array(gp_Pnt(0.0, 0.0, 0.0).Transformed(placement).Coord())
    wall = gp_Vec(RADIUS * HEIGHT * math.sin(angle), RADIUS * HEIGHT * (1 - math.cos(angle)), 0.0)
    vector_area = np.array(wall.Transformed(placement).Coord())
    expected = (RADIUS * angle * RADIUS * HEIGHT + shift @ vector_area) / 3.0
    assert graph.face_volume_share[face] == pytest.approx(expected, rel=1e-11)
    if seed is None:  # the arc's centroid: R sin(a) / a, R (1 - cos a) / a
        assert graph.face_centroid[face] == pytest.approx(
            [
                RADIUS * math.sin(angle) / angle,
                RADIUS * (1 - math.cos(angle)) / angle,
                HEIGHT / 2,
            ],
            abs=1e-11,
        )
    # The flat faces' shares come from OCCT's rules, 4e-5 off on the whole turn's
    # converted end discs.
    volume = Part.from_graph(graph).volume
    assert volume == pytest.approx(angle / 2 * RADIUS**2 * HEIGHT, rel=1e-4)


def test_a_concave_rational_face_counts_against_the_volume() -> None:
    """A block with a quarter cylinder cut from one edge: the cut face points
    toward the axis, so x.n = -R and its share of the volume is negative."""
    block = BRepPrimAPI_MakeBox(20.0, 20.0, HEIGHT).Shape()
    shape = _as_splines(BRepAlgoAPI_Cut(block, _cylinder_sector()).Shape())
    graph = build_graph(model_of(shape))
    face = _curved_face(graph)
    assert graph.face_volume_share[face] == pytest.approx(
        -math.pi / 6 * RADIUS**2 * HEIGHT, rel=1e-12
    )
    volume = Part.from_graph(graph).volume
    assert volume == pytest.approx((400.0 - math.pi / 4 * RADIUS**2) * HEIGHT, rel=1e-5)


def test_a_trimmed_rational_face_stays_with_occt() -> None:
    """A hole through the curved wall gives its face an inner loop off its box's sides."""
    drill = BRepPrimAPI_MakeCylinder(
        gp_Ax2(gp_Pnt(0.0, 0.0, HEIGHT / 2), gp_Dir(1.0, 1.0, 0.0)), 2.0, 2 * RADIUS
    ).Shape()
    shape = _as_splines(BRepAlgoAPI_Cut(_cylinder_sector(), drill).Shape())
    graph = build_graph(model_of(shape))
    face = _curved_face(graph)
    assert np.isnan(graph.face_volume_share[face])
    assert graph.face_rule[face] == Rule.ADAPTIVE
    assert graph.face_area[face] < math.pi / 2 * RADIUS * HEIGHT - 4 * math.pi
