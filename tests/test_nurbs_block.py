"""A block with a through hole, converted to NURBS as some exporters write every
part: its stock box and its volume are still exact.

Every edge is a B-spline, so the stock box bounds them. Those whose poles lie
inside the box of the edges' points cannot reach past it; the rest OCCT bounds
optimally, and its optimal box stands 1e-7 mm out on every side, so asking it
about all of them would widen the stock by that much. The six sides are flat
B-spline faces: their share of the volume is a plane's.
"""

from __future__ import annotations

import numpy as np
import pytest
from OCP.BRepBuilderAPI import BRepBuilderAPI_NurbsConvert
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as IndexedMapOfShape
from OCP.TopAbs import TopAbs_FACE
from OCP.TopExp import TopExp

from geometry_service.geometry.brep_graph import CURVE_TYPES
from geometry_service.geometry.cad_reader import CadModel
from geometry_service.geometry.part import Part
from geometry_service.geometry.topology import BSPLINE
from geometry_service.geometry.volume import _flat_splines
from tests import part_builders as parts


def _nurbs_block_with_hole() -> Part:
    shape = BRepBuilderAPI_NurbsConvert(parts.box_with_through_hole(), False).Shape()
    faces = IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_FACE, faces)
    model = CadModel(
        shape=shape,
        faces=faces,
        face_names=[None] * faces.Extent(),
        solid_count=1,
        read_ms=0.0,
    )
    return Part.from_model(model)


def test_a_nurbs_block_gets_its_exact_box() -> None:
    part = _nurbs_block_with_hole()
    graph = part.graph
    assert set(graph.edge_curve_type.tolist()) == {CURVE_TYPES.index("bspline")}
    np.testing.assert_allclose(part.box.lower, [0.0, 0.0, 0.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(part.box.upper, [100.0, 60.0, 30.0], rtol=0, atol=1e-12)


def test_a_nurbs_block_gets_its_exact_volume_with_its_sides_as_planes() -> None:
    part = _nurbs_block_with_hole()
    graph = part.graph
    splines = np.flatnonzero(graph.face_surface_type == BSPLINE)
    assert len(splines) == 7
    assert len(_flat_splines(part.topology, splines)) == 6  # all but the bore
    radius = 5.0  # box_with_through_hole's default diameter 10
    # The flat faces' areas are OCCT's adaptive integration (the holed sides 5.4e-7 off).
    assert part.volume == pytest.approx(100 * 60 * 30 - np.pi * radius**2 * 30, rel=1e-6)
