"""Realistic training parts (training/realistic.py): labels true to the finished shape.

Parts are read back from the STEP files the generator writes, through the
dataset code training uses; the compound features (a countersunk hole, a
hole in a pocket's floor) are cut here on known blocks so what each face
must be called is known exactly.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from geometry_service.features import STOCK
from geometry_service.geometric_fallback import recognize_features
from geometry_service.geometry.brep_graph import SURFACE_TYPES, build_graph
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.geometry.part import Part
from geometry_service.recognition.taxonomy import MFCADPP_CLASSES
from training.dataset import face_class_tables, load_part
from training.generator import (
    PLAIN,
    Frame,
    History,
    PartInProgress,
    Style,
    stock_frames,
    write_parts,
)
from training.realistic import REALISTIC, Cut, Site, cut_drawn, decorated
from training.shapes import box_at, box_between, cylinder, revolve

SEEDS = range(16)
TOL = 1e-3  # mm


@pytest.fixture(scope="module")
def realistic(tmp_path_factory) -> Path:
    return write_parts(tmp_path_factory.mktemp("realistic"), SEEDS, REALISTIC)


def test_same_seed_same_part() -> None:
    first, second = REALISTIC.part(5), REALISTIC.part(5)
    assert first.face_labels == second.face_labels
    assert [(r.label, r.instance) for r in first.features] == [
        (r.label, r.instance) for r in second.features
    ]


def test_every_face_is_labelled_in_the_taxonomy(realistic: Path) -> None:
    tables = face_class_tables(realistic)
    assert len(tables) == len(SEEDS)
    assert all(name.startswith("real_") for name in tables)
    for name, table in tables.items():
        part = load_part(realistic / "step" / f"{name}.step", table)
        assert (part.labels >= 0).all(), name
        assert (part.labels < len(MFCADPP_CLASSES)).all(), name


def test_the_set_holds_what_real_parts_have(realistic: Path) -> None:
    """Across the seeds: corner radii in pockets, cones that are countersinks or drill
    points, rims rounded, and parts that do not stand square to the axes."""
    kinds: Counter = Counter()
    turned = 0
    for labels_path in sorted((realistic / "labels").glob("*.json")):
        faces = json.loads(labels_path.read_text())["faces"]
        graph = build_graph(read_cad(realistic / "step" / f"{labels_path.stem}.step"))
        for face, name in enumerate(graph.face_names):
            kinds[(faces[name]["label"], SURFACE_TYPES[graph.face_surface_type[face]])] += 1
        stock = [f for f, name in enumerate(graph.face_names) if faces[name]["label"] == STOCK]
        axes = np.abs(graph.face_axis[stock])
        turned += bool((axes.max(axis=1) < 1 - 1e-6).any())
    pocket_radii = sum(
        kinds[(label, "cylinder")] for label in ("rectangular_pocket", "rectangular_blind_slot")
    )
    assert pocket_radii > 0
    assert kinds[("chamfer", "cone")] > 0
    assert kinds[("round", "cylinder")] + kinds[("round", "torus")] > 0
    assert 0 < turned < len(SEEDS)


def test_feature_faces_lie_where_the_feature_was_cut(realistic: Path) -> None:
    for labels_path in sorted((realistic / "labels").glob("*.json")):
        data = json.loads(labels_path.read_text())
        boxes = {f["instance"]: f for f in data["features"]}
        graph = build_graph(read_cad(realistic / "step" / f"{labels_path.stem}.step"))
        for face, name in enumerate(graph.face_names):
            entry = data["faces"][name]
            if entry["label"] == STOCK:
                continue
            record = boxes[entry["instance"]]
            assert record["label"] == entry["label"]
            centroid = graph.face_centroid[face]
            assert (centroid >= np.asarray(record["box_min"]) - TOL).all(), (labels_path, name)
            assert (centroid <= np.asarray(record["box_max"]) + TOL).all(), (labels_path, name)


def _block() -> PartInProgress:
    block = box_at(0, 0, 0, 100, 80, 40)
    return PartInProgress(block, History(block))


def _labels(part: PartInProgress) -> Counter:
    return Counter(part.history.labels()[1])


def test_a_countersink_is_a_chamfer_round_its_hole() -> None:
    part, records, floors = _block(), [], []
    top = Site(stock_frames(100, 80, 40)[0])  # the face z = 40, local origin at (0, 0, 40)
    cone = revolve([(0, -4), (2, -4), (9, 1), (0, 1)], centre=(50, 40, 0))
    made = cut_drawn(
        part,
        top,
        [Cut("through_hole", cylinder(50, 40, -41, 4, 42)), Cut("chamfer", cone)],
        records,
        floors,
    )
    assert made == {0, 1}
    assert _labels(part) == Counter({STOCK: 6, "through_hole": 1, "chamfer": 1})


def test_a_hole_in_a_pocket_floor_is_judged_against_the_pocket() -> None:
    """Cut alone into the plain block the hole would be blind from below; against the block
    with its pocket it is the through hole it is."""
    part, records, floors = _block(), [], []
    top = Site(stock_frames(100, 80, 40)[0])
    pocket = Cut(
        "rectangular_pocket",
        box_between((30, 20, -10), (70, 60, 1)),
        Frame((30.0, 20.0, -10.0), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), 40.0, 40.0, 30.0),
    )
    assert cut_drawn(part, top, [pocket], records, floors) == {0}
    assert len(floors) == 1 and floors[0].frame.origin == pytest.approx((30, 20, 30))
    floor = floors[0]
    hole = Cut("through_hole", cylinder(20, 20, -31, 3, 32))
    assert cut_drawn(part, Site(floor.frame), [hole], records, floors) == set()
    assert cut_drawn(part, floor, [hole], records, floors) == {1}
    assert _labels(part) == Counter({STOCK: 6, "rectangular_pocket": 5, "through_hole": 1})


def test_corner_radii_and_floor_fillets_belong_to_the_pocket() -> None:
    import random

    frame = stock_frames(100, 80, 40)[0]
    tool = decorated(random.Random(1), box_between((30, 20, -10), (70, 60, 1)), frame)
    part, records, floors = _block(), [], []
    assert cut_drawn(part, Site(frame), [Cut("rectangular_pocket", tool)], records, floors)
    labels = _labels(part)
    assert labels[STOCK] == 6 and labels["rectangular_pocket"] > 5
    assert set(labels) == {STOCK, "rectangular_pocket"}


def _rules_on(folder: Path, seed: int, truth: str, style: Style = REALISTIC):
    """Part ``seed`` of ``style`` read back: its model, the rules' recognition, and the
    faces whose label is ``truth``."""
    write_parts(folder, [seed], style)
    ((name, table),) = face_class_tables(folder).items()
    model = read_cad(folder / "step" / f"{name}.step")
    wanted = MFCADPP_CLASSES.index(truth)
    faces = [i for i, face in enumerate(model.face_names) if table[face] == wanted]
    return model, recognize_features(Part.from_model(model)), faces


def test_the_rules_keep_a_crossed_corner_patch_in_its_pocket(tmp_path: Path) -> None:
    """Realistic part 2456: a pocket whose corner patch (a surface of revolution where
    a floor fillet meets a corner radius) a hole crosses. The patch meets the hole over
    a convex edge and its pocket's faces tangentially: it is the pocket's, not stock."""
    _, recognition, faces = _rules_on(tmp_path, 2456, "rectangular_pocket")
    assert faces and all(recognition.face_labels[i] == "rectangular_pocket" for i in faces)


def test_a_chamfer_round_a_spline_corner_is_one_chamfer(tmp_path: Path) -> None:
    """Realistic part 5343: a rim chamfer that runs round a corner CAD closed with a
    spline patch (flat and conical pieces, and a spline piece between them)."""
    model, recognition, faces = _rules_on(tmp_path, 5343, "chamfer")
    kinds = build_graph(model).face_surface_type
    assert any(SURFACE_TYPES[kinds[i]] == "bspline" for i in faces)
    assert all(recognition.face_labels[i] == "chamfer" for i in faces)


def test_a_narrow_v_groove_with_chamfered_rims_is_no_chamfer(tmp_path: Path) -> None:
    """Realistic part 4300: a V groove whose sides meet along its whole length, its
    rims chamfered; its sides are the groove's (a chamfer's strip meets the next one in
    a short valley at a corner)."""
    _, recognition, faces = _rules_on(tmp_path, 4300, "triangular_through_slot")
    assert faces and all(recognition.face_labels[i] == "triangular_through_slot" for i in faces)


def test_a_pocket_that_runs_into_an_oring_groove_stays_a_pocket(tmp_path: Path) -> None:
    """Generated (plain) part 2433: a rectangular pocket walled on three sides whose
    floor runs into O-ring grooves; the grooves are found first, and running into
    another cut leaves a pocket a pocket (not a blind slot open onto them)."""
    _, recognition, faces = _rules_on(tmp_path, 2433, "rectangular_pocket", PLAIN)
    assert faces and all(recognition.face_labels[i] == "rectangular_pocket" for i in faces)


def test_a_slot_end_rising_between_its_sides_is_blind_though_crossed(tmp_path: Path) -> None:
    """Generated (plain) part 309: a slot whose end rises in a quarter circle between
    its sides, crossed by other cuts whose walls stand opposite its open end. A slot
    closed by such an end is blind, whatever faces the open end."""
    _, recognition, faces = _rules_on(tmp_path, 309, "v_circular_end_blind_slot", PLAIN)
    assert faces and all(recognition.face_labels[i] == "v_circular_end_blind_slot" for i in faces)


def test_a_rim_chamfer_run_into_an_inside_corner_is_a_chamfer(tmp_path: Path) -> None:
    """Realistic part 1325: a triangular blind step's rim chamfered; the chamfer's two
    pieces meet in the step's inside corner, where one touches the far wall over
    0.34 mm (against its own 27.6 mm): a sliver, not the valley of a V groove."""
    _, recognition, faces = _rules_on(tmp_path, 1325, "chamfer")
    assert faces and all(recognition.face_labels[i] == "chamfer" for i in faces)


def test_a_channel_whose_rim_a_later_cut_took_in_part_is_a_channel(tmp_path: Path) -> None:
    """Realistic part 2094: a round-bottomed channel along the block, a stretch of one
    of its sides taken by a blind step cut after it; its sides still run mostly along
    the block's faces."""
    _, recognition, faces = _rules_on(tmp_path, 2094, "circular_through_slot")
    assert faces and all(recognition.face_labels[i] == "circular_through_slot" for i in faces)


def test_a_wide_chamfer_round_a_hexagonal_rim_is_one_chamfer(tmp_path: Path) -> None:
    """Realistic part 2143: a 6-sided passage's rim chamfered; the pieces meet at the
    hexagon's corners in valleys that together are more than half a piece's rim (a
    wide strip on short sides), but they run across the strip, not along it."""
    _, recognition, faces = _rules_on(tmp_path, 2143, "chamfer")
    assert faces and all(recognition.face_labels[i] == "chamfer" for i in faces)


def test_a_v_groove_a_hole_splits_a_side_of_is_a_v_groove(tmp_path: Path) -> None:
    """Realistic part 4503: a shallow V groove crossed by a through hole that splits
    one of its sides in two pieces on one plane: two planes, still a V."""
    _, recognition, faces = _rules_on(tmp_path, 4503, "triangular_through_slot")
    assert faces and all(recognition.face_labels[i] == "triangular_through_slot" for i in faces)


def test_a_cut_across_a_slots_floor_is_no_way_out_of_it(tmp_path: Path) -> None:
    """Generated (plain) part 3610: a blind slot whose floor another cut crosses; the
    crossing cut's walls face each other across the gap, opposite ways, and the floor
    goes on beyond them. The slot runs out only where it opens onto the block: blind."""
    _, recognition, faces = _rules_on(tmp_path, 3610, "rectangular_blind_slot", PLAIN)
    assert faces and all(recognition.face_labels[i] == "rectangular_blind_slot" for i in faces)


def test_a_channel_with_one_side_chamfered_is_a_channel(tmp_path: Path) -> None:
    """Realistic part 4330: a round-bottomed channel one of whose rims is chamfered:
    half its side length runs along the block, half along the chamfer."""
    _, recognition, faces = _rules_on(tmp_path, 4330, "circular_through_slot")
    assert faces and all(recognition.face_labels[i] == "circular_through_slot" for i in faces)


def test_a_hole_entering_at_a_slant_through_a_rounded_rim_is_a_hole(tmp_path: Path) -> None:
    """Realistic part 2603: a blind hole 79 mm deep drilled at a slant, its rim rounded;
    where the hole meets the face obliquely the round is B-spline, not a torus. It
    widens away from the bore, so it is the bore's rim, and the bore still a hole."""
    _, recognition, faces = _rules_on(tmp_path, 2603, "blind_hole")
    assert faces and all(recognition.face_labels[i] == "blind_hole" for i in faces)


def test_a_channels_end_chamfer_is_a_chamfer(tmp_path: Path) -> None:
    """Realistic part 2703: a round-bottomed channel whose end is chamfered by a cone on
    its axis. A hole's cone would be its countersink; a channel's is a chamfer."""
    _, recognition, faces = _rules_on(tmp_path, 2703, "chamfer")
    assert faces and all(recognition.face_labels[i] == "chamfer" for i in faces)
    channel = [
        i for i, label in enumerate(recognition.face_labels) if label == "circular_through_slot"
    ]
    assert channel and not set(channel) & set(faces)
