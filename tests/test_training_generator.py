"""The data generator's labels: every face labelled, each feature's faces where it was cut.

Parts are read back from the STEP files the generator writes, through the
same dataset code that training uses, so the test covers the face naming
round trip as well as the boolean history.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from geometry_service.features import STOCK
from geometry_service.geometry.brep_graph import SURFACE_TYPES, build_graph
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.recognition.taxonomy import MFCADPP_CLASSES
from training.dataset import face_class_tables, load_part, split_of, stable_sample
from training.generator import (
    GENERATED_CLASSES,
    PLAIN,
    History,
    PartInProgress,
    cut_feature,
    generate,
    generate_part,
    stock_frames,
    write_parts,
)
from training.shapes import box_at, box_between, cylinder

SEEDS = range(6)
TOL = 1e-3  # mm


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return write_parts(tmp_path_factory.mktemp("generated"), SEEDS)


def test_generated_classes_are_in_the_taxonomy() -> None:
    assert set(GENERATED_CLASSES) | {STOCK} == set(MFCADPP_CLASSES)


def test_same_seed_same_part() -> None:
    first, second = generate_part(3), generate_part(3)
    assert first.face_labels == second.face_labels
    assert [_box_key(r) for r in first.features] == [_box_key(r) for r in second.features]


def _box_key(record) -> tuple:
    return record.label, tuple(np.round(record.box_min, 9)), tuple(np.round(record.box_max, 9))


def test_every_face_is_labelled_after_a_step_round_trip(generated: Path) -> None:
    tables = face_class_tables(generated)
    assert len(tables) == len(SEEDS)
    for name, table in tables.items():
        part = load_part(generated / "step" / f"{name}.step", table)
        assert (part.labels >= 0).all(), name
        assert len(part.labels) == len(table)


def test_feature_faces_lie_where_the_feature_was_cut(generated: Path) -> None:
    for labels_path in sorted((generated / "labels").glob("*.json")):
        data = json.loads(labels_path.read_text())
        boxes = {f["instance"]: f for f in data["features"]}
        graph = build_graph(read_cad(generated / "step" / f"{labels_path.stem}.step"))
        by_name = {name: i for i, name in enumerate(graph.face_names)}
        assert any(entry["label"] != STOCK for entry in data["faces"].values())
        for name, entry in data["faces"].items():
            face = by_name[name]
            if entry["label"] == STOCK:
                continue
            record = boxes[entry["instance"]]
            assert record["label"] == entry["label"]
            centroid = graph.face_centroid[face]
            assert (centroid >= np.asarray(record["box_min"]) - TOL).all(), (
                labels_path.stem,
                name,
                entry,
            )
            assert (centroid <= np.asarray(record["box_max"]) + TOL).all(), (
                labels_path.stem,
                name,
                entry,
            )


def test_stock_planes_lie_on_the_block(generated: Path) -> None:
    """A stock face is what is left of a block face: a plane on the block's bounding box."""
    plane = SURFACE_TYPES.index("plane")
    for labels_path in sorted((generated / "labels").glob("*.json")):
        faces = json.loads(labels_path.read_text())["faces"]
        graph = build_graph(read_cad(generated / "step" / f"{labels_path.stem}.step"))
        low, high = graph.edge_midpoint.min(axis=0), graph.edge_midpoint.max(axis=0)
        for face, name in enumerate(graph.face_names):
            if faces[name]["label"] != STOCK:
                continue
            assert graph.face_surface_type[face] == plane
            axis = int(np.argmax(np.abs(graph.face_axis[face])))
            position = graph.face_axis_point[face][axis]
            assert min(abs(position - low[axis]), abs(position - high[axis])) < TOL


def _block_with_pocket() -> PartInProgress:
    """A 100 x 80 x 40 block with a 20 x 20 x 10 pocket in its top face (instance 0)."""
    block = box_at(0.0, 0.0, 0.0, 100.0, 80.0, 40.0)
    part = PartInProgress(block, History(block))
    assert (
        cut_feature(part, "rectangular_pocket", 0, box_between((40, 30, 30), (60, 50, 41)))
        is not None
    )
    return part


def test_a_cut_that_leaves_every_feature_its_faces_is_kept() -> None:
    """A through hole in the pocket's floor splits the floor, but the pocket keeps all
    five faces."""
    part = _block_with_pocket()
    assert cut_feature(part, "through_hole", 1, cylinder(50, 40, -1, 4, 42)) is not None
    labels = part.history.labels()[1]
    assert labels.count("rectangular_pocket") == 5
    assert labels.count("through_hole") == 1


def test_a_cut_that_takes_a_features_face_is_dropped() -> None:
    """A passage wider than the pocket removes its floor: the pocket would be a passage
    labelled pocket, so the cut is dropped and the part stays as it was."""
    part = _block_with_pocket()
    before = part.history.labels()[1]
    assert (
        cut_feature(part, "rectangular_passage", 1, box_between((35, 25, -1), (65, 55, 41))) is None
    )
    assert part.history.labels()[1] == before


def test_a_feature_that_would_lie_in_the_air_of_another_is_dropped() -> None:
    """A blind hole ending above the pocket's floor has no bottom: it is not a blind hole."""
    part = _block_with_pocket()
    assert cut_feature(part, "blind_hole", 1, cylinder(50, 40, 35, 3, 6)) is None


def test_a_cut_that_severs_a_feature_is_dropped() -> None:
    """A through slot across the pocket, deeper than its floor, keeps a piece of every pocket
    face but leaves the far walls in a patch of their own; a slot shallower than the pocket
    is itself cut in two by it. Both are dropped: neither side is one feature any more."""
    part = _block_with_pocket()
    before = part.history.labels()[1]
    assert (
        cut_feature(part, "rectangular_through_slot", 1, box_between((-1, 38, 20), (101, 42, 41)))
        is None
    )
    assert (
        cut_feature(part, "rectangular_through_slot", 1, box_between((-1, 38, 35), (101, 42, 41)))
        is None
    )
    assert part.history.labels()[1] == before


def test_features_are_drawn_from_every_corner_of_every_face() -> None:
    """24 frames, right-handed (u x v = normal), each spanning its whole face: a step drawn
    along local y = 0 can then land on any of the block's 12 edges, from either side."""
    size = np.array([100.0, 60.0, 30.0])
    frames = stock_frames(*size)
    assert len(frames) == 24
    edges = set()
    for frame in frames:
        origin, u, normal = (
            np.asarray(a, dtype=float) for a in (frame.origin, frame.u, frame.normal)
        )
        v = np.cross(normal, u)
        corners = [
            origin,
            origin + frame.lu * u,
            origin + frame.lu * u + frame.lv * v,
            origin + frame.lv * v,
        ]
        assert all(((c >= -TOL) & (c <= size + TOL)).all() for c in corners)
        axis = int(np.argmax(np.abs(normal)))
        assert all(abs(c[axis] - (size[axis] if normal[axis] > 0 else 0.0)) < TOL for c in corners)
        assert abs(frame.depth - size[axis]) < TOL
        edges.add(tuple(np.round((corners[0] + corners[1]) / 2, 6)))  # the local y = 0 side
    assert len(edges) == 12


def test_a_validation_sample_writes_just_the_parts_the_evaluation_scores(tmp_path: Path) -> None:
    """``make eval-data``: of 120 parts, only the 3 validation parts that
    scripts/eval_geometric.py samples (the same names, so the same parts as a
    whole-set run would give it), each in the validation split."""
    generate(tmp_path, 120, workers=1, validation_limit=3)
    written = sorted(p.stem for p in (tmp_path / "labels").glob("*.json"))
    names = [PLAIN.name(seed) for seed in range(120)]
    wanted = stable_sample([name for name in names if split_of(name) == "val"], 3)
    assert written == sorted(wanted)
    assert len(written) == 3 and all(split_of(name) == "val" for name in written)
