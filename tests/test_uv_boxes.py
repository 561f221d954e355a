"""Each elementary face's box in (u, v), where its sample point is taken and its
area's antiderivatives start, comes from its loops' lines and circles (OCCT's
UVBounds costs 9 us a face): it must be OCCT's box, on parts built here with
planes, cylinders, cones, spheres and tori, also turned off the axes."""

from __future__ import annotations

import numpy as np
import pytest
from OCP.BRepPrimAPI import BRepPrimAPI_MakeSphere
from OCP.BRepTools import BRepTools
from OCP.gp import gp_Pnt

from geometry_service.geometry.brep_graph import SURFACE_TYPES, build_graph
from geometry_service.geometry.elementary_faces import uv_boxes
from tests import feature_parts as features
from tests import part_builders as builders
from training.shapes import cut

ELEMENTARY = [
    SURFACE_TYPES.index(kind) for kind in ("plane", "cylinder", "cone", "sphere", "torus")
]
PARTS = {
    "countersunk hole": features.countersunk_hole,
    "slanted hole with a rounded rim": features.slanted_hole_with_rounded_rim,
    "pocket with a domed floor": features.round_pocket_with_domed_floor,
    "filleted pocket with an island": features.pocket_with_island_and_floor_fillets,
    "turned shaft": builders.turned_shaft,
    "spherical dimple": lambda: cut(
        features.block(), BRepPrimAPI_MakeSphere(gp_Pnt(50.0, 30.0, 30.0), 10.0).Shape()
    ),
    "chamfered and filleted block, turned": lambda: builders.turned_and_moved(
        builders.chamfered_filleted_block(), 5
    ),
}


def _boxes(build):
    graph = build_graph(builders.model_of(build()))
    boxes, known = uv_boxes(graph.coedge_pcurves, graph.coedge_face, graph.face_count)
    return graph, boxes, known & np.isin(graph.face_surface_type, ELEMENTARY)


@pytest.mark.parametrize("build", PARTS.values(), ids=PARTS.keys())
def test_elementary_faces_are_boxed_as_occt_boxes_them(build) -> None:
    graph, boxes, known = _boxes(build)
    assert known.any()
    for face in np.flatnonzero(known).tolist():
        expected = BRepTools.UVBounds_s(graph.face(face))
        np.testing.assert_allclose(boxes[face], expected, rtol=0, atol=1e-9)


def test_every_kind_of_elementary_face_is_boxed_above() -> None:
    kinds = set()
    for build in PARTS.values():
        graph, _, known = _boxes(build)
        kinds |= set(graph.face_surface_type[known].tolist())
    assert kinds == set(ELEMENTARY)
