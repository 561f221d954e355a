"""A body placed several times is measured once (geometry/instances.py): every
placement's faces, edges and coedges get what the graph gives that placement
built alone, where the graph measures it directly."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from OCP.BRep import BRep_Builder
from OCP.BRepBuilderAPI import BRepBuilderAPI_NurbsConvert
from OCP.gp import gp_Ax1, gp_Dir, gp_Pnt, gp_Trsf, gp_Vec
from OCP.TopLoc import TopLoc_Location
from OCP.TopoDS import TopoDS_Compound, TopoDS_Shape

from geometry_service.geometry.brep_graph import BRepGraph, build_graph
from geometry_service.geometry.instances import find_copies
from geometry_service.geometry.topology import PartTopology
from tests import part_builders as builders
from tests.part_builders import model_of

ARRAYS = [field.name for field in fields(BRepGraph) if field.type == "np.ndarray"]
FACE_FIELDS = [name for name in ARRAYS if name.startswith("face_")]
EDGE_FIELDS = [name for name in ARRAYS if name.startswith("edge_")]


def _placements() -> list[gp_Trsf]:
    """Where the body goes: as built, turned about a slanted axis and moved, and
    turned the other way about another."""
    as_built = gp_Trsf()
    turned = gp_Trsf()
    turned.SetRotation(gp_Ax1(gp_Pnt(5.0, -3.0, 2.0), gp_Dir(1.0, 2.0, 3.0)), 0.7)
    shifted = gp_Trsf()
    shifted.SetTranslation(gp_Vec(250.0, -40.0, 17.5))
    turned.PreMultiply(shifted)
    other = gp_Trsf()
    other.SetRotation(gp_Ax1(gp_Pnt(0.0, 0.0, 0.0), gp_Dir(-2.0, 0.5, 1.0)), -2.3)
    return [as_built, turned, other]


def _placed(body: TopoDS_Shape, trsf: gp_Trsf) -> TopoDS_Shape:
    return body.Moved(TopLoc_Location(trsf))


def _compound(shapes: list[TopoDS_Shape]) -> TopoDS_Compound:
    compound, builder = TopoDS_Compound(), BRep_Builder()
    builder.MakeCompound(compound)
    for shape in shapes:
        builder.Add(compound, shape)
    return compound


BODIES = {
    "chamfered hole plate": lambda: builders.hole_grid_plate(1, 2),
    # every face on a B-spline: the whole rational patches carry their volume share
    "chamfered hole plate on B-splines": lambda: BRepBuilderAPI_NurbsConvert(
        builders.hole_grid_plate(1, 2), True
    ).Shape(),
    "chamfered and filleted block": builders.chamfered_filleted_block,
    "turned shaft": builders.turned_shaft,
}


@pytest.fixture(scope="module", params=sorted(BODIES))
def assembly(request) -> tuple[BRepGraph, list[BRepGraph]]:
    """The graph of the body placed three times, and of each placement alone."""
    body = BODIES[request.param]()
    placed = [_placed(body, trsf) for trsf in _placements()]
    together = build_graph(model_of(_compound(placed), solid_count=len(placed)))
    alone = [build_graph(model_of(_compound([shape]))) for shape in placed]
    return together, alone


def test_every_placement_is_measured_as_when_alone(assembly) -> None:
    together, alone = assembly
    faces, edges, coedges = 0, 0, 0
    for single in alone:
        face_rows = slice(faces, faces + single.face_count)
        edge_rows = slice(edges, edges + single.edge_count)
        coedge_rows = slice(coedges, coedges + single.coedge_count)
        for name in FACE_FIELDS:
            np.testing.assert_allclose(
                getattr(together, name)[face_rows], getattr(single, name), atol=1e-9, err_msg=name
            )
        for name in EDGE_FIELDS:
            np.testing.assert_allclose(
                getattr(together, name)[edge_rows], getattr(single, name), atol=1e-9, err_msg=name
            )
        np.testing.assert_array_equal(together.coedge_face[coedge_rows] - faces, single.coedge_face)
        np.testing.assert_array_equal(together.coedge_edge[coedge_rows] - edges, single.coedge_edge)
        for name in ("coedge_next", "coedge_prev", "coedge_mate"):
            np.testing.assert_array_equal(
                getattr(together, name)[coedge_rows] - coedges, getattr(single, name)
            )
        np.testing.assert_array_equal(together.coedge_reversed[coedge_rows], single.coedge_reversed)
        pcurves, own = together.coedge_pcurves, single.coedge_pcurves
        np.testing.assert_array_equal(pcurves.kind[coedge_rows], own.kind)
        measured = own.kind > 0  # "other": no numbers to compare
        for name in ("data", "first", "last"):
            np.testing.assert_allclose(
                getattr(pcurves, name)[coedge_rows][measured],
                getattr(own, name)[measured],
                atol=1e-9,
                err_msg=name,
            )
        faces += single.face_count
        edges += single.edge_count
        coedges += single.coedge_count
    assert faces == together.face_count


def test_the_later_placements_are_found_as_copies_of_the_first() -> None:
    body = builders.hole_grid_plate(1, 2)
    placed = [_placed(body, trsf) for trsf in _placements()]
    model = model_of(_compound(placed), solid_count=3)
    graph = build_graph(model)
    copies = find_copies(model.shape, model.faces, graph.edges)
    assert copies is not None
    count = graph.face_count // 3
    first = np.arange(count)
    np.testing.assert_array_equal(
        copies.face_source, np.concatenate([-np.ones(count), first, first])
    )
    assert (copies.edge_source[: graph.edge_count // 3] == -1).all()
    assert (copies.edge_source[graph.edge_count // 3 :] >= 0).all()


def test_distinct_bodies_and_a_body_placed_once_have_no_copies() -> None:
    model = model_of(_compound(builders.two_solid_assembly()), solid_count=2)
    assert find_copies(model.shape, model.faces, build_graph(model).edges) is None


def test_every_placement_has_the_ends_outline_and_outer_loops_it_has_alone(assembly) -> None:
    together, alone = assembly
    topology = PartTopology(together)
    faces, edges = 0, 0
    for single in alone:
        own = PartTopology(single)
        np.testing.assert_allclose(
            topology.edge_ends[edges : edges + single.edge_count], own.edge_ends, atol=1e-9
        )
        for edge in range(single.edge_count):
            np.testing.assert_allclose(
                topology.outline_points(edges + edge), own.outline_points(edge), atol=1e-9
            )
            np.testing.assert_allclose(
                topology.edge_points(edges + edge), own.edge_points(edge), atol=1e-9
            )
        for face in range(single.face_count):
            assert topology.outer_loop_edges(faces + face) == {
                edges + edge for edge in own.outer_loop_edges(face)
            }
        faces += single.face_count
        edges += single.edge_count
