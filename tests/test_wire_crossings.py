"""Faces with many holes are checked for crossing wires after the transfer, with the
same result as OCCT's check inside it (geometry/wire_crossings.py).

The parts are single perforated faces built with OCP: a 9 x 9 grid of round
holes (82 wires, over MANY_WIRES), with and without one more hole that crosses
the first. OCCT's fix splits the crossing circles where they meet; read with
the fix in the transfer (MANY_WIRES raised) and after it, the file must come
out the same, and without any fix it must not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from OCP.BRepBuilderAPI import (
    BRepBuilderAPI_MakeEdge,
    BRepBuilderAPI_MakeFace,
    BRepBuilderAPI_MakeWire,
)
from OCP.BRepGProp import BRepGProp
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as ShapeMap
from OCP.gp import gp_Ax2, gp_Circ, gp_Dir, gp_Pln, gp_Pnt
from OCP.GProp import GProp_GProps
from OCP.TopAbs import TopAbs_EDGE
from OCP.TopExp import TopExp
from OCP.TopoDS import TopoDS, TopoDS_Shape

from geometry_service.geometry import cad_reader, wire_crossings
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.geometry.wire_crossings import MANY_WIRES, most_face_bounds
from tests import part_builders as pb

ROWS = COLS = 9
PITCH, RADIUS = 10.0, 2.5


def perforated_face(crossing: bool) -> TopoDS_Shape:
    """A square face with a ROWS x COLS grid of holes; ``crossing`` adds a hole
    3 mm to the right of the first, so that their circles cross."""
    maker = BRepBuilderAPI_MakeFace(gp_Pln(), 0.0, (COLS + 1) * PITCH, 0.0, (ROWS + 1) * PITCH)
    centres = [((col + 1) * PITCH, (row + 1) * PITCH) for row in range(ROWS) for col in range(COLS)]
    if crossing:
        centres.append((PITCH + 3.0, PITCH))
    for x, y in centres:
        circle = gp_Circ(gp_Ax2(gp_Pnt(x, y, 0.0), gp_Dir(0.0, 0.0, 1.0)), RADIUS)
        wire = BRepBuilderAPI_MakeWire(BRepBuilderAPI_MakeEdge(circle).Edge()).Wire()
        maker.Add(TopoDS.Wire(wire.Reversed()))
    return maker.Face()


def measured(path: Path) -> tuple[int, int, float]:
    """Faces, edges and area of the part as read."""
    model = read_cad(path)
    edges = ShapeMap()
    TopExp.MapShapes_s(model.shape, TopAbs_EDGE, edges)
    properties = GProp_GProps()
    BRepGProp.SurfaceProperties_s(model.shape, properties)
    return model.face_count, edges.Extent(), properties.Mass()


@pytest.mark.parametrize("crossing", [False, True])
def test_a_face_of_many_holes_is_fixed_after_the_transfer_as_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crossing: bool
) -> None:
    path = pb.write_step(perforated_face(crossing), tmp_path / "perforated.step")
    assert most_face_bounds(path.read_bytes()) == ROWS * COLS + 1 + crossing > MANY_WIRES
    after = measured(path)
    with monkeypatch.context() as patch:
        patch.setattr(cad_reader, "MANY_WIRES", 10**9)
        within = measured(path)
    with monkeypatch.context() as patch:
        patch.setattr(cad_reader, "fix_crossing_wires", lambda shape, *tolerances: shape)
        unfixed = measured(path)
    assert after[:2] == within[:2]
    assert after[2] == pytest.approx(within[2], rel=1e-12)
    assert (unfixed[:2] != after[:2]) is crossing  # the crossing circles were split


def test_boxes_of_different_wires_overlap_only_where_they_meet() -> None:
    boxes = np.array([[0.0, 1.0, 0.0, 1.0], [0.5, 2.0, 0.5, 2.0], [3.0, 4.0, 0.0, 1.0]])
    assert wire_crossings._boxes_overlap(boxes, np.array([0, 1, 2]))
    assert not wire_crossings._boxes_overlap(boxes, np.array([0, 0, 1]))  # one wire's own
    apart = boxes.copy()
    apart[1] = [0.5, 2.0, 1.5, 2.0]  # overlaps the first in u, not in v
    assert not wire_crossings._boxes_overlap(apart, np.array([0, 1, 2]))
