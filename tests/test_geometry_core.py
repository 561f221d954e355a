"""The geometry core on parts of exactly known geometry, through a STEP round trip.

Every part from ``tests/part_builders.py`` is written to STEP, read back with
``read_cad`` and run through ``build_graph``, ``mesh_model`` and
``measure_part``. The assertions are exact facts of each part (face counts,
surface types, radii, volumes, convexity of named edges), because the shop
prices from these numbers: "about right" would hide a wrong diameter.
Each part is built, written and analysed once per module, on first use.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import count
from pathlib import Path

import numpy as np
import pytest
from OCP.TopoDS import TopoDS_Shape

from geometry_service.geometry.brep_graph import (
    CURVE_TYPES,
    SURFACE_TYPES,
    BRepGraph,
    Convexity,
    build_graph,
)
from geometry_service.geometry.cad_reader import CadModel, read_cad
from geometry_service.geometry.mesher import Mesh, mesh_model
from geometry_service.geometry.part import Part
from geometry_service.geometry.part_metrics import PartMetrics, measure_part
from geometry_service.mesh_settings import MeshSettings
from tests import part_builders as parts

PLANE = SURFACE_TYPES.index("plane")
CYLINDER = SURFACE_TYPES.index("cylinder")
CONE = SURFACE_TYPES.index("cone")
LINE = CURVE_TYPES.index("line")
CIRCLE = CURVE_TYPES.index("circle")

Z = np.array([0.0, 0.0, 1.0])
VOLUME_RTOL = 1e-6
LENGTH_ATOL = 1e-6


@dataclass(frozen=True)
class Analyzed:
    """One part after the whole geometry core, as the worker would see it."""

    model: CadModel
    graph: BRepGraph
    mesh: Mesh
    metrics: PartMetrics


@dataclass(frozen=True)
class Expected:
    """What a part must read back as; ``volume`` in mm^3, box corners in mm.

    ``seams`` counts the seam edges: one per full cylinder or cone, none elsewhere.
    """

    faces: int
    surfaces: dict[str, int]
    volume: float
    box_min: tuple[float, float, float]
    box_max: tuple[float, float, float]
    seams: int = 0
    solids: int = 1


def _hole_grid_volume(rows=10, cols=10, radius=2.5, pitch=10.0, thickness=10.0, chamfer=0.5):
    mouth = radius + chamfer
    frustum = math.pi * chamfer / 3 * (mouth**2 + mouth * radius + radius**2)
    hole = math.pi * radius**2 * (thickness - 2 * chamfer) + 2 * frustum
    return (cols + 1) * pitch * (rows + 1) * pitch * thickness - rows * cols * hole


BLOCK_VOLUME = 100 * 60 * 30
BLOCK_MAX = (100.0, 60.0, 30.0)
ORIGIN = (0.0, 0.0, 0.0)

# Each part by name; a builder that returns several solids is written as an assembly.
BUILDERS: dict[str, Callable[[], TopoDS_Shape | list[TopoDS_Shape]]] = {
    "box": parts.box,
    "box_with_through_hole": parts.box_with_through_hole,
    "box_with_blind_hole": parts.box_with_blind_hole,
    "box_with_pocket": parts.box_with_pocket,
    "box_with_slot": parts.box_with_slot,
    "box_with_step": parts.box_with_step,
    "chamfered_filleted_block": parts.chamfered_filleted_block,
    "turned_shaft": parts.turned_shaft,
    "hole_grid_plate": parts.hole_grid_plate,
    "plain_hole_grid_plate": partial(parts.hole_grid_plate, rows=2, cols=3, chamfer=0.0),
    "two_solid_assembly": parts.two_solid_assembly,
}

EXPECTED: dict[str, Expected] = {
    "box": Expected(6, {"plane": 6}, BLOCK_VOLUME, ORIGIN, BLOCK_MAX),
    "box_with_through_hole": Expected(
        7,
        {"plane": 6, "cylinder": 1},
        BLOCK_VOLUME - math.pi * 5**2 * 30,
        ORIGIN,
        BLOCK_MAX,
        seams=1,
    ),
    "box_with_blind_hole": Expected(
        8,
        {"plane": 7, "cylinder": 1},
        BLOCK_VOLUME - math.pi * 4**2 * 12,
        ORIGIN,
        BLOCK_MAX,
        seams=1,
    ),
    "box_with_pocket": Expected(11, {"plane": 11}, BLOCK_VOLUME - 40 * 20 * 10, ORIGIN, BLOCK_MAX),
    "box_with_slot": Expected(10, {"plane": 10}, BLOCK_VOLUME - 10 * 8 * 60, ORIGIN, BLOCK_MAX),
    "box_with_step": Expected(8, {"plane": 8}, BLOCK_VOLUME - 30 * 10 * 60, ORIGIN, BLOCK_MAX),
    "chamfered_filleted_block": Expected(
        8,
        {"plane": 7, "cylinder": 1},
        BLOCK_VOLUME - 100 * (2**2 / 2 + 3**2 * (1 - math.pi / 4)),
        ORIGIN,
        BLOCK_MAX,
    ),
    "turned_shaft": Expected(
        11,
        {"plane": 6, "cylinder": 5},
        13112 * math.pi,
        (-15.0, -15.0, 0.0),
        (15.0, 15.0, 90.0),
        seams=5,
    ),
    "hole_grid_plate": Expected(
        306,
        {"plane": 6, "cylinder": 100, "cone": 200},
        _hole_grid_volume(),
        ORIGIN,
        (110.0, 110.0, 10.0),
        seams=300,
    ),
    "plain_hole_grid_plate": Expected(
        12,
        {"plane": 6, "cylinder": 6},
        _hole_grid_volume(rows=2, cols=3, chamfer=0.0),
        ORIGIN,
        (40.0, 30.0, 10.0),
        seams=6,
    ),
    "two_solid_assembly": Expected(
        9,
        {"plane": 8, "cylinder": 1},
        BLOCK_VOLUME + math.pi * 10**2 * 40,
        ORIGIN,
        (160.0, 60.0, 40.0),
        seams=1,
        solids=2,
    ),
}


def analyze(path: Path) -> Analyzed:
    model = read_cad(path)
    solid = Part.from_model(model)
    return Analyzed(model, solid.graph, mesh_model(model), measure_part(model, solid))


class PartCache:
    """Builds, writes and analyses each named part the first time a test asks for it."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._analyzed: dict[str, Analyzed] = {}

    def __getitem__(self, name: str) -> Analyzed:
        if name not in self._analyzed:
            built, path = BUILDERS[name](), self._directory / f"{name}.step"
            if isinstance(built, list):
                parts.write_assembly_step(built, path)
            else:
                parts.write_step(built, path)
            self._analyzed[name] = analyze(path)
        return self._analyzed[name]


@pytest.fixture(scope="module")
def part(tmp_path_factory: pytest.TempPathFactory) -> PartCache:
    return PartCache(tmp_path_factory.mktemp("parts"))


# ------------------------------------------------------------ small queries


def circle_edge(graph: BRepGraph, z: float, radius: float) -> int:
    """The one circular edge of ``radius`` lying in the plane at height ``z``."""
    found = np.flatnonzero(
        (graph.edge_curve_type == CIRCLE)
        & np.isclose(graph.edge_radius, radius)
        & np.isclose(graph.edge_midpoint[:, 2], z),
    )
    assert len(found) == 1, f"expected one circle r={radius} at z={z}, found {len(found)}"
    return int(found[0])


def seam_edges(graph: BRepGraph) -> np.ndarray:
    """Edges used twice by the same face: the seams of full cylinders and cones."""
    mated = graph.coedge_mate >= 0
    mate_face = graph.coedge_face[np.where(mated, graph.coedge_mate, 0)]
    same_face = mated & (graph.coedge_face == mate_face)
    return np.unique(graph.coedge_edge[same_face])


def edges_of_face(graph: BRepGraph, face_id: int) -> np.ndarray:
    return np.unique(graph.coedge_edge[graph.coedge_face == face_id])


def convexities(graph: BRepGraph, edges: np.ndarray | list[int]) -> list[Convexity]:
    return [Convexity(graph.edge_convexity[e]) for e in edges]


def assert_cylinder_normals_point(graph: BRepGraph, face_id: int, away_from_axis: bool) -> None:
    """A hole's wall faces its axis (material outside); a shaft's faces away."""
    radial = graph.face_sample_point[face_id] - graph.face_axis_point[face_id]
    axis = graph.face_axis[face_id]
    radial -= radial.dot(axis) * axis
    outward = graph.face_sample_normal[face_id].dot(radial / np.linalg.norm(radial))
    assert outward == pytest.approx(1.0 if away_from_axis else -1.0, abs=1e-9)


# ------------------------------------------------- facts true of every part


@pytest.mark.parametrize("name", list(EXPECTED))
def test_counts_types_volume_and_box(part: PartCache, name: str) -> None:
    analyzed, expected = part[name], EXPECTED[name]
    metrics = analyzed.metrics
    assert analyzed.model.face_count == expected.faces
    assert analyzed.graph.face_count == expected.faces
    assert metrics.face_count == expected.faces
    assert len(analyzed.graph.face_names) == expected.faces
    assert Counter(analyzed.graph.surface_type_names()) == Counter(expected.surfaces)
    assert analyzed.model.solid_count == metrics.solid_count == expected.solids
    assert metrics.volume_mm3 == pytest.approx(expected.volume, rel=VOLUME_RTOL)
    assert metrics.bounding_box["min"] == pytest.approx(expected.box_min, abs=LENGTH_ATOL)
    assert metrics.bounding_box["max"] == pytest.approx(expected.box_max, abs=LENGTH_ATOL)
    size = np.subtract(expected.box_max, expected.box_min)
    assert metrics.bounding_box["size"] == pytest.approx(size, abs=LENGTH_ATOL)
    assert metrics.surface_area_mm2 == pytest.approx(analyzed.graph.face_area.sum())
    assert metrics.edge_count == analyzed.graph.edge_count


@pytest.mark.parametrize("name", list(EXPECTED))
def test_mesh_maps_every_triangle_to_a_face_and_every_face_to_triangles(
    part: PartCache, name: str
) -> None:
    analyzed = part[name]
    mesh, face_count = analyzed.mesh, analyzed.graph.face_count
    assert mesh.triangle_count > 0
    assert mesh.face_ids.shape == (mesh.triangle_count,)
    assert mesh.face_ids.min() >= 0 and mesh.face_ids.max() < face_count
    assert mesh.indices.max() < mesh.vertex_count
    assert mesh.unmeshed_faces == []
    triangles_per_face = np.bincount(mesh.face_ids, minlength=face_count)
    assert np.all(triangles_per_face[analyzed.graph.face_area > 0] > 0)

    mapping = mesh.face_mapping()
    assert sorted(mapping, key=int) == [str(face) for face in range(face_count)]
    listed = np.concatenate(
        [np.asarray(mapping[str(face)]["triangle_indices"], dtype=np.int64) for face in mapping]
    )
    assert np.array_equal(np.sort(listed), np.arange(mesh.triangle_count))
    vertex_faces = mesh.vertex_face_ids()
    for face in range(face_count):
        triangles = mapping[str(face)]["triangle_indices"]
        assert np.all(mesh.face_ids[triangles] == face)
        first, last = mapping[str(face)]["triangle_range"]  # contiguous, both ends inclusive
        assert np.array_equal(triangles, np.arange(first, last + 1))
        assert np.all(vertex_faces[mesh.indices[first : last + 1]] == face)
    assert vertex_faces.min() >= 0


@pytest.mark.parametrize("name", list(EXPECTED))
def test_mesh_normals_are_unit_and_planar_winding_faces_outward(part: PartCache, name: str) -> None:
    analyzed = part[name]
    mesh, graph = analyzed.mesh, analyzed.graph
    assert np.linalg.norm(mesh.normals, axis=1) == pytest.approx(1.0, abs=1e-5)

    planar = graph.face_surface_type[mesh.face_ids] == PLANE
    assert planar.any()
    corners = mesh.vertices[mesh.indices[planar]].astype(np.float64)
    cross = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    doubled_area = np.linalg.norm(cross, axis=1)
    outward = graph.face_axis[mesh.face_ids[planar]]
    proper = doubled_area > 1e-9  # a sliver's winding means nothing
    winding = cross[proper] / doubled_area[proper, None]
    assert np.einsum("ij,ij->i", winding, outward[proper]) == pytest.approx(1.0, abs=1e-4)

    # Vertices are not shared across faces, so a planar face's vertex normals are its normal.
    vertex_normals = mesh.normals[mesh.indices[planar]].astype(np.float64)
    assert np.einsum("tkj,tj->tk", vertex_normals, outward) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_coedges_are_consistent(part: PartCache, name: str) -> None:
    graph = part[name].graph
    coedges = np.arange(graph.coedge_count)
    assert np.array_equal(graph.coedge_next[graph.coedge_prev], coedges)
    assert np.array_equal(graph.coedge_prev[graph.coedge_next], coedges)
    assert np.array_equal(graph.coedge_face[graph.coedge_next], graph.coedge_face)

    # Closed manifold solids: every real edge is used exactly twice, so every coedge has a mate.
    uses = np.bincount(graph.coedge_edge, minlength=graph.edge_count)
    assert np.all(uses[~graph.edge_degenerate] == 2)
    mate = graph.coedge_mate
    assert np.all(mate[~graph.edge_degenerate[graph.coedge_edge]] >= 0)
    mated = coedges[mate >= 0]
    assert np.array_equal(mate[mate[mated]], mated)
    assert np.all(mate[mated] != mated)
    assert np.array_equal(graph.coedge_edge[mate[mated]], graph.coedge_edge[mated])
    assert np.all(graph.coedge_reversed[mate[mated]] != graph.coedge_reversed[mated])


@pytest.mark.parametrize("name", list(EXPECTED))
def test_seams_are_smooth_lines_on_full_turns(part: PartCache, name: str) -> None:
    graph = part[name].graph
    seams = seam_edges(graph)
    assert len(seams) == EXPECTED[name].seams
    assert np.all(graph.edge_convexity[seams] == Convexity.SMOOTH)
    assert np.all(graph.edge_curve_type[seams] == LINE)
    seam_faces = graph.coedge_face[np.isin(graph.coedge_edge, seams)]
    assert np.all(np.isin(graph.face_surface_type[seam_faces], [CYLINDER, CONE]))


# ------------------------------------------------------- facts of each part


def test_box_edges_are_all_convex_right_angles(part: PartCache) -> None:
    graph = part["box"].graph
    assert graph.edge_count == 12
    assert np.all(graph.edge_curve_type == LINE)
    assert np.all(graph.edge_convexity == Convexity.CONVEX)
    assert graph.edge_dihedral == pytest.approx(np.full(12, math.pi / 2))
    assert sorted(graph.edge_length.round(9).tolist()) == [30.0] * 4 + [60.0] * 4 + [100.0] * 4
    normals = {tuple(axis.round(12) + 0.0) for axis in graph.face_axis}
    assert normals == {(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)}
    pairs, shared = graph.face_adjacency()
    assert len(pairs) == 12 and len(set(shared.tolist())) == 12
    assert np.all(np.bincount(pairs.ravel(), minlength=6) == 4)


def test_through_hole_is_a_radius_5_cylinder_with_convex_rims(part: PartCache) -> None:
    graph = part["box_with_through_hole"].graph
    (hole,) = np.flatnonzero(graph.face_surface_type == CYLINDER)
    assert graph.face_radius[hole] == pytest.approx(5.0, abs=1e-9)
    assert abs(graph.face_axis[hole].dot(Z)) == pytest.approx(1.0)
    assert graph.face_axis_point[hole][:2] == pytest.approx([50.0, 30.0])
    assert_cylinder_normals_point(graph, hole, away_from_axis=False)
    rims = [circle_edge(graph, 30.0, 5.0), circle_edge(graph, 0.0, 5.0)]
    assert convexities(graph, rims) == [Convexity.CONVEX, Convexity.CONVEX]
    assert graph.edge_dihedral[rims] == pytest.approx([math.pi / 2] * 2)
    rim_planes = np.flatnonzero((graph.face_surface_type == PLANE) & (graph.face_loop_count == 2))
    assert sorted(graph.face_axis[rim_planes, 2].tolist()) == [-1.0, 1.0]


def test_blind_hole_rim_is_convex_and_bottom_concave(part: PartCache) -> None:
    graph = part["box_with_blind_hole"].graph
    (hole,) = np.flatnonzero(graph.face_surface_type == CYLINDER)
    assert graph.face_radius[hole] == pytest.approx(4.0, abs=1e-9)
    assert_cylinder_normals_point(graph, hole, away_from_axis=False)
    rim, bottom = circle_edge(graph, 30.0, 4.0), circle_edge(graph, 18.0, 4.0)
    assert convexities(graph, [rim, bottom]) == [Convexity.CONVEX, Convexity.CONCAVE]
    assert graph.edge_dihedral[[rim, bottom]] == pytest.approx([math.pi / 2, -math.pi / 2])
    (floor,) = np.flatnonzero(
        (graph.face_surface_type == PLANE) & np.isclose(graph.face_centroid[:, 2], 18.0)
    )
    assert graph.face_axis[floor] == pytest.approx(Z)
    assert graph.face_area[floor] == pytest.approx(math.pi * 16)


def test_pocket_floor_and_corner_edges_are_concave(part: PartCache) -> None:
    graph = part["box_with_pocket"].graph
    midpoint = graph.edge_midpoint
    inside_pocket = (
        (midpoint[:, 0] > 30 - 1e-9)
        & (midpoint[:, 0] < 70 + 1e-9)
        & (midpoint[:, 1] > 20 - 1e-9)
        & (midpoint[:, 1] < 40 + 1e-9)
    )
    floor = np.flatnonzero(inside_pocket & np.isclose(midpoint[:, 2], 20.0))
    corners = np.flatnonzero(inside_pocket & np.isclose(midpoint[:, 2], 25.0))
    rims = np.flatnonzero(inside_pocket & np.isclose(midpoint[:, 2], 30.0))
    assert len(floor) == len(corners) == len(rims) == 4
    assert set(convexities(graph, floor)) == {Convexity.CONCAVE}
    assert set(convexities(graph, corners)) == {Convexity.CONCAVE}
    assert set(convexities(graph, rims)) == {Convexity.CONVEX}
    assert np.sum(graph.edge_convexity == Convexity.CONVEX) == 12 + 4
    (pocket_floor,) = np.flatnonzero(np.isclose(graph.face_centroid[:, 2], 20.0))
    assert graph.face_area[pocket_floor] == pytest.approx(40 * 20)
    assert graph.face_axis[pocket_floor] == pytest.approx(Z)


def test_slot_floor_edges_are_concave_and_its_rims_convex(part: PartCache) -> None:
    graph = part["box_with_slot"].graph
    midpoint = graph.edge_midpoint
    along_slot = (
        (graph.edge_curve_type == LINE)
        & np.isclose(midpoint[:, 1], 30.0)
        & (np.abs(midpoint[:, 0] - 50.0) < 10.0)
    )
    floor = np.flatnonzero(along_slot & np.isclose(midpoint[:, 2], 22.0))
    rims = np.flatnonzero(along_slot & np.isclose(midpoint[:, 2], 30.0))
    assert sorted(midpoint[floor, 0].tolist()) == pytest.approx([45.0, 55.0])
    assert sorted(midpoint[rims, 0].tolist()) == pytest.approx([45.0, 55.0])
    assert set(convexities(graph, floor)) == {Convexity.CONCAVE}
    assert set(convexities(graph, rims)) == {Convexity.CONVEX}
    assert np.sum(graph.edge_convexity == Convexity.CONCAVE) == 2
    tops = np.flatnonzero(np.isclose(graph.face_centroid[:, 2], 30.0))
    assert sorted(graph.face_area[tops].tolist()) == pytest.approx([45 * 60, 45 * 60])


def test_step_has_one_concave_edge_between_floor_and_wall(part: PartCache) -> None:
    graph = part["box_with_step"].graph
    (concave,) = np.flatnonzero(graph.edge_convexity == Convexity.CONCAVE)
    assert graph.edge_midpoint[concave] == pytest.approx([70.0, 30.0, 20.0])
    assert graph.edge_length[concave] == pytest.approx(60.0)
    assert np.sum(graph.edge_convexity == Convexity.CONVEX) == graph.edge_count - 1


def test_fillet_edges_are_smooth_and_chamfer_edges_convex(part: PartCache) -> None:
    graph = part["chamfered_filleted_block"].graph
    (fillet,) = np.flatnonzero(graph.face_surface_type == CYLINDER)
    assert graph.face_radius[fillet] == pytest.approx(3.0, abs=1e-9)
    assert abs(graph.face_axis[fillet][0]) == pytest.approx(1.0)
    assert_cylinder_normals_point(graph, fillet, away_from_axis=True)
    fillet_edges = edges_of_face(graph, fillet)
    long_fillet_edges = fillet_edges[np.isclose(graph.edge_length[fillet_edges], 100.0)]
    assert len(long_fillet_edges) == 2
    assert set(convexities(graph, long_fillet_edges)) == {Convexity.SMOOTH}
    assert np.flatnonzero(graph.edge_convexity == Convexity.SMOOTH).tolist() == sorted(
        long_fillet_edges.tolist()
    )

    diagonal = np.array([0.0, -1.0, 1.0]) / math.sqrt(2)
    (chamfer,) = np.flatnonzero(np.isclose(graph.face_axis @ diagonal, 1.0))
    assert graph.face_area[chamfer] == pytest.approx(100 * 2 * math.sqrt(2))
    chamfer_edges = edges_of_face(graph, chamfer)
    long_chamfer_edges = chamfer_edges[np.isclose(graph.edge_length[chamfer_edges], 100.0)]
    assert set(convexities(graph, long_chamfer_edges)) == {Convexity.CONVEX}
    assert graph.edge_dihedral[long_chamfer_edges] == pytest.approx([math.pi / 4] * 2)


def test_shaft_diameters_shoulders_and_groove(part: PartCache) -> None:
    graph = part["turned_shaft"].graph
    cylinders = np.flatnonzero(graph.face_surface_type == CYLINDER)
    assert sorted(graph.face_radius[cylinders].round(9).tolist()) == [8.0, 10.0, 13.0, 15.0, 15.0]
    assert np.abs(graph.face_axis[cylinders] @ Z) == pytest.approx(1.0)
    assert graph.face_axis_point[cylinders][:, :2] == pytest.approx(np.zeros((5, 2)), abs=1e-9)
    for face in cylinders:
        assert_cylinder_normals_point(graph, face, away_from_axis=True)
    (groove_floor,) = cylinders[np.isclose(graph.face_radius[cylinders], 13.0)]
    assert graph.face_area[groove_floor] == pytest.approx(2 * math.pi * 13 * 3)

    concave = [(30.0, 10.0), (45.0, 13.0), (48.0, 13.0), (70.0, 8.0)]
    convex = [(0.0, 10.0), (30.0, 15.0), (45.0, 15.0), (48.0, 15.0), (70.0, 15.0), (90.0, 8.0)]
    for z, radius in concave:
        assert graph.edge_convexity[circle_edge(graph, z, radius)] == Convexity.CONCAVE, (z, radius)
    for z, radius in convex:
        assert graph.edge_convexity[circle_edge(graph, z, radius)] == Convexity.CONVEX, (z, radius)
    assert len(seam_edges(graph)) == 5


def test_hole_grid_has_100_chamfered_holes_of_radius_2_5(part: PartCache) -> None:
    graph = part["hole_grid_plate"].graph
    cylinders = np.flatnonzero(graph.face_surface_type == CYLINDER)
    assert len(cylinders) == 100
    assert graph.face_radius[cylinders] == pytest.approx(np.full(100, 2.5), abs=1e-9)
    assert np.abs(graph.face_axis[cylinders] @ Z) == pytest.approx(1.0)
    centres = {tuple(point) for point in graph.face_axis_point[cylinders][:, :2].round(6)}
    grid = {(10.0 * (col + 1), 10.0 * (row + 1)) for row in range(10) for col in range(10)}
    assert centres == grid
    cones = np.flatnonzero(graph.face_surface_type == CONE)
    assert graph.face_half_angle[cones] == pytest.approx(np.full(200, math.pi / 4))

    circles = graph.edge_curve_type == CIRCLE
    assert np.sum(circles) == 400
    assert np.all(graph.edge_convexity[circles] == Convexity.CONVEX)
    assert graph.edge_count == 12 + 400 + 300


def test_plain_hole_grid_holes_are_single_cylinders(part: PartCache) -> None:
    graph = part["plain_hole_grid_plate"].graph
    cylinders = np.flatnonzero(graph.face_surface_type == CYLINDER)
    assert graph.face_radius[cylinders] == pytest.approx(np.full(6, 2.5), abs=1e-9)
    circles = graph.edge_curve_type == CIRCLE
    assert np.sum(circles) == 12
    assert np.all(graph.edge_convexity[circles] == Convexity.CONVEX)


def test_assembly_keeps_both_solids_with_distinct_faces(part: PartCache) -> None:
    analyzed = part["two_solid_assembly"]
    graph, mesh = analyzed.graph, analyzed.mesh
    assert analyzed.model.solid_count == 2
    in_pin = graph.face_centroid[:, 0] > 120.0
    assert np.sum(in_pin) == 3 and np.sum(~in_pin) == 6
    assert np.array_equal(np.unique(mesh.face_ids), np.arange(9))
    # No edge is shared between the solids: the two bodies stay apart.
    pairs, _ = graph.face_adjacency()
    assert np.all(in_pin[pairs[:, 0]] == in_pin[pairs[:, 1]])
    pin_vertices = mesh.vertices[mesh.indices[in_pin[mesh.face_ids]].ravel()]
    assert pin_vertices[:, 0].min() >= 140.0 - 1e-4


# ------------------------------------------------------------ files and units


def test_step_written_in_metres_reads_back_in_millimetres(tmp_path: Path) -> None:
    path = parts.write_step(parts.box(), tmp_path / "box_in_metres.step", unit="M")
    text = path.read_text()
    assert "SI_UNIT($,.METRE.)" in text and "6.E-02" in text  # the file really is in metres
    metrics = analyze(path).metrics
    assert metrics.bounding_box["min"] == pytest.approx(ORIGIN, abs=LENGTH_ATOL)
    assert metrics.bounding_box["max"] == pytest.approx(BLOCK_MAX, abs=LENGTH_ATOL)
    assert metrics.volume_mm3 == pytest.approx(BLOCK_VOLUME, rel=VOLUME_RTOL)
    # write_step puts the global unit back, so the next file is in millimetres again.
    next_file = parts.write_step(parts.box(), tmp_path / "next.step")
    assert "SI_UNIT(.MILLI.,.METRE.)" in next_file.read_text()


def test_stp_extension_reads_like_step(tmp_path: Path) -> None:
    path = parts.write_step(parts.box_with_through_hole(), tmp_path / "holed.stp")
    analyzed = analyze(path)
    assert analyzed.model.face_count == EXPECTED["box_with_through_hole"].faces
    assert analyzed.metrics.volume_mm3 == pytest.approx(
        EXPECTED["box_with_through_hole"].volume, rel=VOLUME_RTOL
    )


def name_faces_after_their_surfaces(step_text: str) -> str:
    """Give every ADVANCED_FACE a unique name that says its surface's entity type.

    OCCT writes faces unnamed; real CAD systems name them, and the service
    returns those names so a caller can match faces to its own model.
    """
    entity_types = dict(re.findall(r"^#(\d+) = (\w+)\(", step_text, re.MULTILINE))
    counter = count(1)

    def named(match: re.Match) -> str:
        surface_type = entity_types[match.group(2)].lower()
        return f"ADVANCED_FACE('{surface_type}_{next(counter)}',{match.group(1)},#{match.group(2)}"

    return re.sub(r"ADVANCED_FACE\('',(\([^)]*\)),#(\d+)", named, step_text)


def test_face_names_come_from_their_advanced_face_entities(tmp_path: Path) -> None:
    unnamed = parts.write_step(parts.turned_shaft(), tmp_path / "unnamed.step")
    named = tmp_path / "named.step"
    named.write_text(name_faces_after_their_surfaces(unnamed.read_text()))
    analyzed = analyze(named)
    names = analyzed.graph.face_names
    assert len(set(names)) == analyzed.graph.face_count == 11
    step_type = {"plane": "plane_", "cylinder": "cylindrical_surface_"}
    for name, surface_type in zip(names, analyzed.graph.surface_type_names(), strict=True):
        assert name.startswith(step_type[surface_type])
    assert read_cad(unnamed).face_names == [None] * 11  # an empty name is no name


def test_sewn_faces_keep_their_step_names(tmp_path: Path) -> None:
    """A shell with no solid is sewn into one; each face keeps the name of the face it
    was sewn from."""
    shell = parts.write_step(
        parts.shell_only(parts.box_with_through_hole()), tmp_path / "shell.step"
    )
    named = tmp_path / "named_shell.step"
    named.write_text(name_faces_after_their_surfaces(shell.read_text()))
    model = read_cad(named)
    assert (model.sewn, model.solid_count, model.face_count) == (True, 1, 7)
    graph = build_graph(model)
    step_type = {"plane": "plane_", "cylinder": "cylindrical_surface_"}
    assert len(set(model.face_names)) == 7
    for name, surface_type in zip(model.face_names, graph.surface_type_names(), strict=True):
        assert name.startswith(step_type[surface_type])


def test_a_mesh_over_its_triangle_budget_is_made_coarser(tmp_path: Path) -> None:
    model = read_cad(parts.write_step(parts.hole_grid_plate(), tmp_path / "grid.step"))
    fine = mesh_model(model)
    coarse = mesh_model(model, MeshSettings(max_triangles=fine.triangle_count // 2))
    assert not fine.coarsened and coarse.coarsened
    assert coarse.triangle_count <= fine.triangle_count // 2
    assert coarse.linear_deflection > fine.linear_deflection
    assert set(np.unique(coarse.face_ids)) == set(np.unique(fine.face_ids))


MFCAD_STEP = Path(__file__).resolve().parents[1] / ".data" / "mfcad" / "step"


def _vector_entities(number: str) -> re.Pattern:
    return re.compile(
        r"(CARTESIAN_POINT|DIRECTION)\(\s*'([^']*)'\s*,\s*\(\s*"
        + r"\s*,\s*".join([number] * 3)
        + r"\s*\)\s*\)"
    )


EVERY_VECTOR = _vector_entities(r"([-+.\dEe]+)")
CARELESS_VECTOR = _vector_entities(r"([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)")
"""Skips the points and directions with a number written as "0.": a careless rewrite."""

QUATERNION = np.array([0.214244, 0.509361, 0.204854, -0.80789])


def rotation_matrix(quaternion: np.ndarray) -> np.ndarray:
    w, x, y, z = quaternion / np.linalg.norm(quaternion)
    return np.array(
        [
            [w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z],
        ]
    )


def turned_step_text(text: str, rotation: np.ndarray, vectors: re.Pattern = EVERY_VECTOR) -> str:
    """The part turned by ``rotation``: the points and directions ``vectors`` finds rewritten."""

    def turn(match: re.Match) -> str:
        x, y, z = (
            float(v) for v in rotation @ np.array([float(match.group(k)) for k in (3, 4, 5)])
        )
        return f"{match.group(1)}('{match.group(2)}',({x!r},{y!r},{z!r}))"

    return vectors.sub(turn, text)


@pytest.mark.skipif(not MFCAD_STEP.is_dir(), reason="../shared/data/mfcad not unpacked (make data)")
def test_a_turned_file_keeps_every_face_name(tmp_path: Path) -> None:
    """Turning rewrites the product's placement too: the faces of the part are the file's
    faces moved, and each keeps its name (every name was lost before)."""
    source = MFCAD_STEP / "0-0-0-0-1-23.step"
    turned = tmp_path / "turned.step"
    turned.write_text(turned_step_text(source.read_text(), rotation_matrix(QUATERNION)))
    original, model = read_cad(source), read_cad(turned)
    assert model.face_count == original.face_count
    assert model.face_names.count(None) == 0
    assert sorted(model.face_names) == sorted(original.face_names)


@pytest.mark.skipif(not MFCAD_STEP.is_dir(), reason="../shared/data/mfcad not unpacked (make data)")
def test_faces_split_by_healing_keep_their_step_names(tmp_path: Path) -> None:
    """Carelessly turned, this MFCAD part has a face the reader's full healing splits in two:
    both pieces keep the name of the ADVANCED_FACE they came from."""
    source = MFCAD_STEP / "0-0-0-0-0-23.step"
    turned = tmp_path / "turned.step"
    turned.write_text(
        turned_step_text(source.read_text(), rotation_matrix(QUATERNION), CARELESS_VECTOR)
    )
    original, model = read_cad(source), read_cad(turned, full_healing=True)
    assert model.face_count > original.face_count  # healing split a face
    assert None not in model.face_names
    assert set(model.face_names) == set(original.face_names)


def test_skipped_shape_fixes_change_nothing_a_full_healing_reads(tmp_path: Path) -> None:
    """The reader skips the intersection searches of OCCT's healing by default
    (cad_reader.SKIPPED_SHAPE_FIXES); STEP_FULL_HEALING=1 runs them: same part either way."""
    from geometry_service.config import Settings
    from geometry_service.errors import SystemicError

    path = parts.write_step(parts.hole_grid_plate(rows=3, cols=4), tmp_path / "plate.step")
    fast, full = read_cad(path), read_cad(path, full_healing=True)
    assert fast.face_count == full.face_count == 6 + 3 * 12
    fast_metrics, full_metrics = (
        measure_part(model, Part.from_model(model)) for model in (fast, full)
    )
    assert fast_metrics.volume_mm3 == pytest.approx(full_metrics.volume_mm3, rel=1e-12)
    assert fast_metrics.surface_area_mm2 == pytest.approx(full_metrics.surface_area_mm2, rel=1e-12)
    assert Settings.from_env({"STEP_FULL_HEALING": "true"}).step_full_healing is True
    assert Settings().step_full_healing is False
    with pytest.raises(SystemicError):
        Settings.from_env({"STEP_FULL_HEALING": "maybe"})


def test_every_skipped_shape_fix_is_a_step_of_occts_healing() -> None:
    """A misspelt name would bind a key OCCT never reads, and the step would still run."""
    from OCP.DE import DE_ShapeFixParameters
    from OCP.STEPControl import STEPControl_Reader
    from OCP.TCollection import TCollection_AsciiString

    from geometry_service.geometry import cad_reader

    reader = STEPControl_Reader()
    reader.ReadFile(str(Path(__file__).with_name("smoke_part.step")))
    reader.SetShapeFixParameters(DE_ShapeFixParameters())
    defaults = reader.GetShapeFixParameters()
    assert len(set(cad_reader.SKIPPED_SHAPE_FIXES)) == len(cad_reader.SKIPPED_SHAPE_FIXES)
    for name in cad_reader.SKIPPED_SHAPE_FIXES:
        assert defaults.IsBound(TCollection_AsciiString(name)), name
