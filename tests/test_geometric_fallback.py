"""Tier 2 rule-based recognition on parts with exactly known features.

Every part goes through a STEP round trip (write, read, graph) as a real
upload would, then the rules. Each test asserts the whole list of feature
types found (nothing missed, nothing extra) and every dimension to 1e-6 mm.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from geometry_service.features import STOCK
from geometry_service.geometric_fallback import recognize_features
from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.geometry.part import Part
from geometry_service.recognition.iso_sizes import nearest_drill, nearest_tap
from geometry_service.recognition.taxonomy import (
    FAMILY_BY_TYPE,
    FEATURE_TYPES,
    MFCADPP_CLASSES,
    MFCADPP_FACE_READING,
)
from tests import feature_parts as fp
from tests import part_builders as pb

TOL = 1e-6
NIST = Path(__file__).resolve().parents[1] / ".data" / "nist"

ALL_PARTS = [
    pb.box,
    pb.box_with_through_hole,
    pb.box_with_blind_hole,
    fp.drill_point_hole,
    fp.counterbored_hole,
    fp.chamfered_counterbored_hole,
    fp.countersunk_hole,
    fp.half_hole_at_edge,
    fp.channel_along_top,
    fp.notch_in_thin_plate,
    fp.hole_half_taken_by_a_slot,
    fp.blind_slot_with_a_deeper_cut_into_its_floor,
    fp.partial_blind_hole,
    fp.cross_hole_block,
    fp.blind_hole_crossed_near_its_bottom,
    fp.slanted_hole_with_rounded_rim,
    fp.round_pocket_with_domed_floor,
    fp.chamfered_blind_hole,
    fp.holes_through_a_pocket_floor,
    pb.hole_grid_plate,
    pb.box_with_pocket,
    fp.rounded_pocket,
    fp.chamfered_rounded_pocket,
    fp.chamfered_pocket,
    fp.circular_end_pocket,
    fp.oring_groove,
    fp.oring_groove_with_hole_through_its_floor,
    fp.oring_groove_crossed_by_slot,
    fp.triangular_passage,
    fp.hexagonal_pocket_beside_a_deeper_pocket,
    fp.pocket_with_island,
    fp.pocket_with_island_and_floor_fillets,
    pb.box_with_slot,
    fp.blind_slot,
    fp.h_circular_end_blind_slot,
    fp.h_circular_end_blind_slot_into_a_pocket,
    fp.h_circular_end_blind_slot_with_its_end_cut,
    fp.v_circular_end_blind_slot,
    fp.v_circular_end_blind_slot_with_rounded_end_rim,
    pb.box_with_step,
    fp.corner_step_with_split_corner_radius,
    fp.corner_notch_with_rounded_rim,
    fp.blind_step,
    fp.boss_plate,
    pb.chamfered_filleted_block,
    fp.unequal_chamfer,
    fp.fillet_chain,
    fp.rotated_block,
    pb.turned_shaft,
    fp.stepped_shaft,
    fp.groove_beside_step,
    fp.staircase_shaft,
    fp.pocket_through_bar_rim,
    fp.flanged_bushing,
    fp.cross_drilled_shaft,
    fp.filleted_pocket,
    fp.pocket_pierced_by_counterbored_hole,
    fp.through_slot_with_chamfered_exit,
    fp.corner_cut_by_end_mill,
    fp.pocket_beside_a_deeper_pocket,
]


@pytest.fixture(scope="module")
def recognize(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    cache = {}

    def run(builder):
        if builder not in cache:
            path = pb.write_step(builder(), folder / f"{builder.__name__}.step")
            cache[builder] = recognize_features(Part.from_model(read_cad(path)))
        return cache[builder]

    return run


def kinds(recognition) -> dict[str, int]:
    return dict(Counter(f.type for f in recognition.features))


def only(recognition, kind):
    found = [f for f in recognition.features if f.type == kind]
    assert len(found) == 1, [(f.type, f.face_ids) for f in recognition.features]
    return found[0]


def turned_diameters(recognition, *keys) -> list[tuple]:
    """The named parameters of every turned diameter, sorted."""
    return sorted(
        tuple(f.parameters[key] for key in keys)
        for f in recognition.features
        if f.type == "turned_diameter"
    )


def close(value, expected):
    return abs(value - expected) < TOL


def vec_close(value, expected):
    return len(value) == len(expected) and all(
        abs(a - b) < TOL for a, b in zip(value, expected, strict=True)
    )


def test_a_half_bore_as_long_as_it_is_wide_on_the_block_is_a_channel(recognize):
    """No drill centres on a part's face: a bore of at most half a circle whose
    sides open onto the raw block is a circular through slot, measured as a slot."""
    half = only(recognize(fp.half_hole_at_edge), "circular_through_slot")
    assert kinds(recognize(fp.half_hole_at_edge)) == {"circular_through_slot": 1}
    p = half.parameters
    assert close(p["arc_deg"], 180.0) and close(p["radius"], 5.0)
    assert close(p["width"], 10.0) and close(p["depth"], 5.0) and close(p["length"], 30.0)
    assert vec_close(p["tool_access_direction"], [-1, 0, 0])
    assert vec_close([abs(c) for c in p["length_direction"]], [0, 0, 1])
    narrow = only(recognize(fp.channel_along_top), "circular_through_slot").parameters
    assert close(narrow["arc_deg"], 2 * math.degrees(math.acos(0.4)))
    assert close(narrow["width"], 2 * math.sqrt(21.0)) and close(narrow["depth"], 3.0)
    assert close(narrow["length"], 100.0)
    assert vec_close(narrow["tool_access_direction"], [0, 0, 1])


def test_a_hole_drilled_at_a_slant_through_a_rounded_rim_is_a_hole(recognize):
    """The rim round of a hole entering a face obliquely is a B-spline face that
    widens away from the bore: the bore's rim, so the bore is still a hole."""
    hole = only(recognize(fp.slanted_hole_with_rounded_rim), "blind_hole").parameters
    assert close(hole["diameter"], 10.0) and hole["bottom"] == "flat"
    half = math.radians(30.0)
    assert vec_close(hole["axis"], [math.sin(half), 0.0, -math.cos(half)])


def test_a_bore_closed_by_a_b_spline_dome_is_no_hole(recognize):
    """A B-spline tangent to a bore that stays inside its radius closes it: a domed
    pocket floor, not a rim round (no drill leaves a dome)."""
    result = recognize(fp.round_pocket_with_domed_floor)
    assert not [f for f in result.features if f.type in ("blind_hole", "through_hole")]


def test_a_hole_another_cut_opened_stays_a_hole(recognize):
    """Half a circle opening into a slot's floor, not onto the block: the hole was
    drilled whole before the slot took its upper half."""
    result = recognize(fp.hole_half_taken_by_a_slot)
    hole = only(result, "through_hole").parameters
    assert hole["partial"] and close(hole["arc_deg"], 180.0) and close(hole["diameter"], 10.0)
    assert "circular_through_slot" not in kinds(result)


def test_a_cut_into_a_slots_floor_is_no_way_out_of_it(recognize):
    """The deeper slot's walls face opposite ways across the notch in the first
    slot's floor, and that floor goes on beyond them: the first slot opens onto
    the block at x=0 only, and is blind."""
    result = recognize(fp.blind_slot_with_a_deeper_cut_into_its_floor)
    blind = [f for f in result.features if f.type == "rectangular_blind_slot"]
    assert any(
        close(f.parameters["depth"], 10.0) and close(f.parameters["length"], 70.0) for f in blind
    ), [(f.type, f.parameters.get("depth"), f.parameters.get("length")) for f in result.features]


def test_taxonomy_keeps_the_mfcadpp_names_in_order():
    assert len(MFCADPP_CLASSES) == 25
    assert MFCADPP_CLASSES[0] == "chamfer" and MFCADPP_CLASSES[-1] == "stock"


@pytest.mark.parametrize("builder", ALL_PARTS, ids=lambda b: b.__name__)
def test_features_answer_in_the_common_shape_and_cover_every_face(recognize, builder):
    result = recognize(builder)
    for number, feature in enumerate(result.features):
        answer = feature.to_json()
        assert set(answer) == {
            "id",
            "type",
            "subtype",
            "face_ids",
            "parameters",
            "confidence",
            "recognition_method",
        }
        assert answer["id"] == number and answer["recognition_method"] == "geometric"
        assert answer["type"] in FEATURE_TYPES and 0.0 < answer["confidence"] <= 1.0
    for face, label in enumerate(result.face_labels):
        assert label in FEATURE_TYPES
        owner = result.face_feature[face]
        if label == STOCK:
            assert owner is None
        else:
            feature = result.features[owner]
            assert face in feature.face_ids
            readings = {
                MFCADPP_FACE_READING[part["kind"]]
                for part in feature.parameters.get("segments", ())
                if face in part["faces"] and part["kind"] in MFCADPP_FACE_READING
            }
            assert label in (readings or {feature.type})


@pytest.mark.parametrize("builder", ALL_PARTS, ids=lambda b: b.__name__)
def test_rules_answer_alike_on_the_part_turned_and_moved(tmp_path, builder):
    """The rules judge shapes, not placements: the same part under a random
    rotation and shift (exact, so faces keep their order) gets the same
    label on every face and the same features."""
    part = builder()
    placed = build_graph(read_cad(pb.write_step(part, tmp_path / "placed.step")))
    shape = pb.turned_and_moved(part, ALL_PARTS.index(builder))
    graph = build_graph(read_cad(pb.write_step(shape, tmp_path / "turned.step")))
    assert graph.face_area == pytest.approx(placed.face_area, rel=1e-9)  # the same faces, in order
    result, turned = (recognize_features(Part.from_graph(g)) for g in (placed, graph))
    assert turned.face_labels == result.face_labels
    assert kinds(turned) == kinds(result)


def test_plain_block_is_all_stock(recognize):
    result = recognize(pb.box)
    assert result.features == [] and set(result.face_labels) == {STOCK}
    assert result.part_type == "prismatic"
    part = result.part_parameters
    assert vec_close(part["stock_box"]["min"], [0, 0, 0])
    assert vec_close(part["stock_box"]["size"], [100, 60, 30])
    assert vec_close(part["oriented_box"]["size"], [100, 60, 30])
    assert close(part["volume"], 180000.0) and close(part["removed_volume"], 0.0)


def test_turned_block_keeps_its_own_box(recognize):
    result = recognize(fp.rotated_block)
    assert result.features == []
    part = result.part_parameters
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    assert vec_close(part["stock_box"]["size"], [100 * c + 60 * s, 100 * s + 60 * c, 30])
    box = part["oriented_box"]
    assert sorted(box["size"]) == pytest.approx([30, 60, 100], abs=TOL)
    along = dict(zip((round(size) for size in box["size"]), box["axes"], strict=True))
    assert vec_close([abs(a) for a in along[100]], [c, s, 0])
    assert vec_close([abs(a) for a in along[30]], [0, 0, 1])
    assert close(part["stock_volume"], 180000.0) and abs(part["removed_volume"]) < 1e-6


def test_through_hole(recognize):
    result = recognize(pb.box_with_through_hole)
    assert kinds(result) == {"through_hole": 1}
    hole = only(result, "through_hole")
    p = hole.parameters
    assert hole.subtype == "plain" and len(hole.face_ids) == 1
    assert close(p["diameter"], 10.0) and close(p["radius"], 5.0) and close(p["depth"], 30.0)
    assert p["through"] and p["bottom"] == "through" and not p["partial"]
    assert close(p["arc_deg"], 360.0)
    assert vec_close(p["axis"], [0, 0, -1]) and vec_close(p["entry_point"], [50, 30, 30])
    assert len(p["entry_faces"]) == 1 and result.face_labels[p["entry_faces"][0]] == STOCK
    assert p["iso_drill"] == {"size": 10.0, "difference": 0.0}
    assert p["iso_tap"] == {"thread": "M12", "pitch": 1.75, "tap_drill": 10.25, "difference": -0.25}
    assert close(result.part_parameters["removed_volume"], math.pi * 25 * 30)


def test_blind_hole_flat_bottom(recognize):
    result = recognize(pb.box_with_blind_hole)
    assert kinds(result) == {"blind_hole": 1}
    p = only(result, "blind_hole").parameters
    assert close(p["diameter"], 8.0) and close(p["depth"], 12.0)
    assert p["bottom"] == "flat" and not p["through"] and not p["partial"]
    assert vec_close(p["axis"], [0, 0, -1]) and vec_close(p["entry_point"], [50, 30, 30])
    assert p["iso_drill"] == {"size": 8.0, "difference": 0.0}
    assert p["iso_tap"]["thread"] == "M10" and close(p["iso_tap"]["difference"], -0.5)
    assert len(only(result, "blind_hole").face_ids) == 2
    assert close(result.part_parameters["removed_volume"], math.pi * 16 * 12)


def test_blind_hole_drill_point(recognize):
    result = recognize(fp.drill_point_hole)
    assert kinds(result) == {"blind_hole": 1}
    p = only(result, "blind_hole").parameters
    tip = 3.4 / math.tan(math.radians(59.0))
    assert close(p["diameter"], 6.8) and close(p["depth"], 15.0)
    assert p["bottom"] == "drill_point" and close(p["drill_point_angle_deg"], 118.0)
    assert close(p["tip_depth"], 15.0 + tip)
    assert vec_close(p["entry_point"], [30, 30, 30]) and vec_close(p["axis"], [0, 0, -1])
    assert p["iso_drill"] == {"size": 6.8, "difference": 0.0}
    assert p["iso_tap"]["thread"] == "M8" and close(p["iso_tap"]["difference"], 0.05)
    removed = math.pi * 3.4**2 * (15.0 + tip / 3.0)
    assert close(result.part_parameters["removed_volume"], removed)


def test_a_chamfered_counterbore_is_still_a_counterbore(recognize):
    result = recognize(fp.chamfered_counterbored_hole)
    hole = only(result, "through_hole")
    p = hole.parameters
    assert close(p["diameter"], 6.6) and close(p["depth"], 30.0)
    chamfer, bore = p["segments"]
    assert chamfer["kind"] == "countersink" and close(chamfer["angle_deg"], 90.0)
    assert bore["kind"] == "counterbore" and close(bore["diameter"], 11.0)
    assert close(bore["depth"], 5.8)  # below the 1 mm chamfer


def test_counterbored_hole(recognize):
    result = recognize(fp.counterbored_hole)
    assert kinds(result) == {"through_hole": 1}
    hole = only(result, "through_hole")
    p = hole.parameters
    assert hole.subtype == "counterbore" and len(hole.face_ids) == 3
    assert close(p["diameter"], 6.6) and close(p["depth"], 30.0)
    (bore,) = p["segments"]
    assert bore["kind"] == "counterbore"
    assert close(bore["diameter"], 11.0) and close(bore["depth"], 6.8)
    # In MFCAD++ terms the counterbore's wall and shoulder are a blind hole over the hole.
    assert len(bore["faces"]) == 2
    assert sorted(result.face_labels[f] for f in hole.face_ids) == [
        "blind_hole",
        "blind_hole",
        "through_hole",
    ]
    assert vec_close(p["axis"], [0, 0, -1]) and vec_close(p["entry_point"], [30, 30, 30])
    removed = math.pi * (3.3**2 * (30 - 6.8) + 5.5**2 * 6.8)
    assert close(result.part_parameters["removed_volume"], removed)


def test_countersunk_hole(recognize):
    result = recognize(fp.countersunk_hole)
    assert kinds(result) == {"through_hole": 1}
    hole = only(result, "through_hole")
    p = hole.parameters
    assert hole.subtype == "countersink" and len(hole.face_ids) == 2
    (sink,) = p["segments"]
    assert sink["kind"] == "countersink"
    assert sorted(result.face_labels[f] for f in hole.face_ids) == ["chamfer", "through_hole"]
    assert close(sink["diameter"], 13.0) and close(sink["angle_deg"], 90.0)
    assert close(sink["depth"], 3.2) and close(p["diameter"], 6.6) and close(p["depth"], 30.0)
    assert vec_close(p["entry_point"], [70, 30, 30])
    cone = math.pi * 3.2 / 3.0 * (6.5**2 + 6.5 * 3.3 + 3.3**2)
    removed = math.pi * 3.3**2 * (30 - 3.2) + cone
    assert close(result.part_parameters["removed_volume"], removed)


def test_chamfered_rim_of_a_blind_hole_is_its_countersink(recognize):
    result = recognize(fp.chamfered_blind_hole)
    assert kinds(result) == {"blind_hole": 1}
    hole = only(result, "blind_hole")
    p = hole.parameters
    assert hole.subtype == "countersink" and len(hole.face_ids) == 3  # rim cone, bore, bottom
    assert close(p["diameter"], 8.0) and close(p["depth"], 12.0) and p["bottom"] == "flat"
    (sink,) = p["segments"]
    assert (
        close(sink["diameter"], 10.0)
        and close(sink["angle_deg"], 90.0)
        and close(sink["depth"], 1.0)
    )


def test_holes_from_a_pocket_floor_through_and_blind(recognize):
    result = recognize(fp.holes_through_a_pocket_floor)
    assert kinds(result) == {"rectangular_pocket": 1, "through_hole": 1, "blind_hole": 1}
    through = only(result, "through_hole").parameters
    assert close(through["diameter"], 6.0) and close(through["depth"], 20.0) and through["through"]
    assert vec_close(through["entry_point"], [40, 30, 20])
    blind = only(result, "blind_hole").parameters
    assert (
        close(blind["diameter"], 8.0) and close(blind["depth"], 8.0) and blind["bottom"] == "flat"
    )
    assert vec_close(blind["entry_point"], [60, 30, 20]) and vec_close(blind["axis"], [0, 0, -1])
    pocket = only(result, "rectangular_pocket").parameters
    assert close(pocket["depth"], 10.0) and close(
        pocket["floor_area"], 800.0 - math.pi * (9.0 + 16.0)
    )


def test_partial_holes_are_flagged(recognize):
    notch = only(recognize(fp.notch_in_thin_plate), "through_hole").parameters
    assert notch["partial"] and close(notch["arc_deg"], 180.0)
    assert close(notch["diameter"], 10.0) and close(notch["depth"], 3.0)
    assert vec_close(notch["entry_point"], [0, 30, 3])
    result = recognize(fp.partial_blind_hole)
    assert kinds(result) == {"blind_hole": 1}
    hole = only(result, "blind_hole")
    p = hole.parameters
    assert p["partial"] and close(p["arc_deg"], 2 * math.degrees(math.acos(-0.4)))
    assert p["bottom"] == "flat" and len(hole.face_ids) == 3
    assert close(p["diameter"], 10.0) and close(p["depth"], 10.0)
    assert vec_close(p["entry_point"], [2, 30, 30])


def test_holes_along_other_axes(recognize):
    result = recognize(fp.cross_hole_block)
    assert kinds(result) == {"through_hole": 1, "blind_hole": 1}
    through, blind = only(result, "through_hole"), only(result, "blind_hole")
    assert close(through.parameters["diameter"], 10.0)
    assert close(through.parameters["depth"], 100.0)
    assert vec_close(through.parameters["axis"], [-1, 0, 0])
    assert vec_close(through.parameters["entry_point"], [100, 30, 15])
    assert close(blind.parameters["diameter"], 8.0) and close(blind.parameters["depth"], 20.0)
    assert vec_close(blind.parameters["axis"], [0, -1, 0])
    assert vec_close(blind.parameters["entry_point"], [70, 60, 15])


def test_hole_grid_with_chamfered_rims(recognize):
    result = recognize(pb.hole_grid_plate)
    assert kinds(result) == {"through_hole": 100}
    centres = set()
    for hole in result.features:
        p = hole.parameters
        assert hole.subtype == "countersink+exit_countersink" and len(hole.face_ids) == 3
        assert close(p["diameter"], 5.0) and close(p["depth"], 10.0)
        entry, exit_ = p["segments"]
        assert entry["kind"] == "countersink" and exit_["kind"] == "exit_countersink"
        for sink in (entry, exit_):
            assert close(sink["diameter"], 6.0) and close(sink["angle_deg"], 90.0)
            assert close(sink["depth"], 0.5)
        centres.add((round(p["entry_point"][0], 6), round(p["entry_point"][1], 6)))
    assert centres == {(10.0 * (i + 1), 10.0 * (j + 1)) for i in range(10) for j in range(10)}


def test_sharp_rectangular_pocket(recognize):
    result = recognize(pb.box_with_pocket)
    assert kinds(result) == {"rectangular_pocket": 1}
    pocket = only(result, "rectangular_pocket")
    p = pocket.parameters
    assert pocket.subtype == "closed" and len(p["wall_faces"]) == 4
    assert close(p["depth"], 10.0) and close(p["length"], 40.0) and close(p["width"], 20.0)
    assert close(p["min_corner_radius"], 0.0) and close(p["floor_area"], 800.0)
    assert vec_close(p["tool_access_direction"], [0, 0, 1])
    assert vec_close(p["length_direction"], [1, 0, 0])


def test_pocket_with_corner_radii(recognize):
    result = recognize(fp.rounded_pocket)
    assert kinds(result) == {"rectangular_pocket": 1}
    pocket = only(result, "rectangular_pocket")
    p = pocket.parameters
    assert len(pocket.face_ids) == 9 and close(p["min_corner_radius"], 3.0)
    assert close(p["length"], 40.0) and close(p["width"], 20.0) and close(p["depth"], 10.0)
    assert close(p["floor_area"], 800.0 - (4.0 - math.pi) * 9.0)
    assert vec_close(p["tool_access_direction"], [0, 0, 1])


def test_chamfer_run_round_a_rounded_pocket(recognize):
    result = recognize(fp.chamfered_rounded_pocket)
    assert kinds(result) == {"rectangular_pocket": 1, "chamfer": 1}
    chamfer = only(result, "chamfer")
    assert chamfer.subtype == "chain" and len(chamfer.face_ids) == 8  # 4 flats, 4 cones
    p = chamfer.parameters
    assert close(p["distance_1"], 1.0) and close(p["distance_2"], 1.0)
    assert close(p["width"], math.sqrt(2.0)) and close(p["angle_deg"], 45.0)
    pocket = only(result, "rectangular_pocket").parameters
    assert close(pocket["depth"], 10.0) and close(pocket["min_corner_radius"], 3.0)
    assert close(pocket["length"], 40.0) and close(pocket["width"], 20.0)


def test_chamfer_run_round_a_sharp_pocket_meets_itself_in_valleys(recognize):
    result = recognize(fp.chamfered_pocket)
    assert kinds(result) == {"rectangular_pocket": 1, "chamfer": 1}
    chamfer = only(result, "chamfer")
    assert chamfer.subtype == "chain" and len(chamfer.face_ids) == 4
    p = chamfer.parameters
    assert (
        close(p["distance_1"], 1.0) and close(p["distance_2"], 1.0) and close(p["angle_deg"], 45.0)
    )
    pocket = only(result, "rectangular_pocket")
    assert len(pocket.face_ids) == 5 and not set(pocket.face_ids) & set(chamfer.face_ids)
    assert close(pocket.parameters["depth"], 10.0) and close(pocket.parameters["length"], 40.0)
    assert close(pocket.parameters["width"], 20.0) and close(pocket.parameters["floor_area"], 800.0)


def test_oring_groove(recognize):
    result = recognize(fp.oring_groove)
    assert kinds(result) == {"Oring": 1}
    groove = only(result, "Oring")
    p = groove.parameters
    assert groove.subtype == "face" and len(groove.face_ids) == 3  # floor, outer and inner walls
    assert close(p["outer_diameter"], 30.0) and close(p["inner_diameter"], 20.0)
    assert close(p["width"], 5.0) and close(p["depth"], 4.0)
    assert vec_close(p["centre"], [50, 30, 26]) and vec_close(p["axis"], [0, 0, 1])
    assert close(result.part_parameters["removed_volume"], math.pi * (15**2 - 10**2) * 4.0)


def test_oring_groove_with_a_hole_through_its_floor(recognize):
    result = recognize(fp.oring_groove_with_hole_through_its_floor)
    assert kinds(result) == {"Oring": 1, "through_hole": 1}
    groove, hole = only(result, "Oring"), only(result, "through_hole")
    assert len(groove.face_ids) == 3 and not set(groove.face_ids) & set(hole.face_ids)
    assert close(groove.parameters["outer_diameter"], 30.0)
    assert close(groove.parameters["inner_diameter"], 20.0)
    assert close(groove.parameters["depth"], 4.0)
    assert close(hole.parameters["diameter"], 3.0) and close(hole.parameters["depth"], 26.0)


def test_oring_groove_crossed_by_a_slot_is_one_groove(recognize):
    result = recognize(fp.oring_groove_crossed_by_slot)
    groove = only(result, "Oring")
    assert len(groove.parameters["floor_faces"]) == 2 and len(groove.parameters["wall_faces"]) == 4
    assert close(groove.parameters["outer_diameter"], 30.0)
    assert close(groove.parameters["inner_diameter"], 20.0)
    assert close(groove.parameters["depth"], 4.0)
    assert vec_close(groove.parameters["centre"], [50, 30, 26])


def test_through_step_opening_through_a_rounded_rim(recognize):
    result = recognize(fp.corner_notch_with_rounded_rim)
    step = only(result, "rectangular_through_step")
    assert step.subtype == "through" and len(step.face_ids) == 2
    assert close(step.parameters["depth"], 20.0)
    assert kinds(result) == {"rectangular_through_step": 1, "round": 2}  # one round a top edge


def test_hexagonal_pocket_opening_into_a_deeper_one_keeps_its_six_sides(recognize):
    result = recognize(fp.hexagonal_pocket_beside_a_deeper_pocket)
    hexagon = only(result, "6sides_pocket")
    assert len(hexagon.parameters["wall_faces"]) == 6 and close(hexagon.parameters["depth"], 8.0)


def test_a_slot_with_a_round_end_is_blind_though_it_runs_into_a_pocket(recognize):
    result = recognize(fp.h_circular_end_blind_slot_into_a_pocket)
    assert kinds(result) == {"h_circular_end_blind_slot": 1, "rectangular_pocket": 1}
    slot = only(result, "h_circular_end_blind_slot")
    assert slot.subtype == "blind" and close(slot.parameters["depth"], 8.0)
    assert close(slot.parameters["width"], 10.0) and close(slot.parameters["length"], 40.0)


def test_a_corner_radius_split_by_a_hole_is_no_round_end(recognize):
    result = recognize(fp.corner_step_with_split_corner_radius)
    assert kinds(result) == {"rectangular_blind_step": 1, "through_hole": 1}
    step = only(result, "rectangular_blind_step")
    assert close(step.parameters["depth"], 15.0) and close(step.parameters["length"], 30.0)
    assert close(step.parameters["width"], 20.0)


def test_a_slot_end_rising_into_a_rounded_rim(recognize):
    result = recognize(fp.v_circular_end_blind_slot_with_rounded_end_rim)
    assert kinds(result) == {"v_circular_end_blind_slot": 1, "round": 1}
    slot = only(result, "v_circular_end_blind_slot")
    assert close(slot.parameters["end_radius"], 8.0) and close(slot.parameters["depth"], 8.0)


def test_a_slot_end_another_cut_took_part_of_is_still_round(recognize):
    result = recognize(fp.h_circular_end_blind_slot_with_its_end_cut)
    slot = only(result, "h_circular_end_blind_slot")
    assert slot.subtype == "blind" and close(slot.parameters["width"], 10.0)
    assert close(slot.parameters["depth"], 8.0)


def test_triangular_passage(recognize):
    result = recognize(fp.triangular_passage)
    assert kinds(result) == {"triangular_passage": 1}
    passage = only(result, "triangular_passage")
    assert passage.subtype == "through" and len(passage.face_ids) == 3
    assert close(passage.parameters["depth"], 30.0)
    assert close(result.part_parameters["removed_volume"], 0.5 * 30 * 30 * 30)


def test_closed_pocket_with_an_island_is_one_pocket(recognize):
    result = recognize(fp.pocket_with_island)
    assert kinds(result) == {"rectangular_pocket": 1, "boss": 1}
    pocket, boss = only(result, "rectangular_pocket"), only(result, "boss")
    p = pocket.parameters
    assert pocket.subtype == "closed" and close(p["depth"], 10.0)
    assert (
        close(p["length"], 60.0) and close(p["width"], 40.0) and close(p["min_corner_radius"], 5.0)
    )
    assert close(p["floor_area"], 60 * 40 - (4 - math.pi) * 25 - 100)  # corners and island off
    assert sorted(p["island_faces"]) == sorted(boss.parameters["wall_faces"])
    assert len(p["island_faces"]) == 4 and len(p["wall_faces"]) == 8
    b = boss.parameters
    assert b["inside_cut"] and close(b["height"], 10.0)
    assert (
        close(b["length"], 10.0) and close(b["width"], 10.0) and b["floor_face"] == p["floor_face"]
    )


def test_floor_fillets_stay_with_the_pocket_and_its_island(recognize):
    result = recognize(fp.pocket_with_island_and_floor_fillets)
    assert kinds(result) == {"rectangular_pocket": 1, "boss": 1}
    pocket, boss = only(result, "rectangular_pocket"), only(result, "boss")
    p = pocket.parameters
    assert close(p["depth"], 10.0) and close(p["min_corner_radius"], 5.0)
    assert close(p["floor_fillet_radius"], 2.0)
    assert boss.parameters["inside_cut"] and close(boss.parameters["height"], 10.0)
    # 32 faces: the block's six and the island's top are stock, the rest the two features
    assert len(result.face_labels) == 32 and result.face_labels.count(STOCK) == 7
    assert len(pocket.face_ids) == 17 and len(boss.face_ids) == 8


def test_circular_end_pocket(recognize):
    result = recognize(fp.circular_end_pocket)
    assert kinds(result) == {"circular_end_pocket": 1}
    p = only(result, "circular_end_pocket").parameters
    assert close(p["length"], 40.0) and close(p["width"], 12.0) and close(p["depth"], 5.0)
    assert close(p["min_corner_radius"], 6.0) and close(p["floor_area"], 28 * 12 + math.pi * 36)
    assert vec_close(p["length_direction"], [1, 0, 0])
    assert vec_close(p["tool_access_direction"], [0, 0, 1])


def test_through_slot(recognize):
    result = recognize(pb.box_with_slot)
    assert kinds(result) == {"rectangular_through_slot": 1}
    slot = only(result, "rectangular_through_slot")
    p = slot.parameters
    assert slot.subtype == "through" and len(slot.face_ids) == 3
    assert close(p["width"], 10.0) and close(p["depth"], 8.0) and close(p["length"], 60.0)
    assert vec_close(p["length_direction"], [0, 1, 0])
    assert vec_close(p["tool_access_direction"], [0, 0, 1])


def test_blind_slot(recognize):
    result = recognize(fp.blind_slot)
    assert kinds(result) == {"rectangular_blind_slot": 1}
    slot = only(result, "rectangular_blind_slot")
    p = slot.parameters
    assert slot.subtype == "blind" and len(slot.face_ids) == 4
    assert vec_close(p["tool_access_direction"], [0, 0, 1])
    assert close(p["width"], 10.0) and close(p["depth"], 8.0) and close(p["length"], 35.0)
    assert vec_close(p["length_direction"], [1, 0, 0])


def test_blind_slot_with_a_half_round_end_in_plan(recognize):
    result = recognize(fp.h_circular_end_blind_slot)
    assert kinds(result) == {"h_circular_end_blind_slot": 1}
    p = only(result, "h_circular_end_blind_slot").parameters
    assert close(p["width"], 10.0) and close(p["depth"], 8.0) and close(p["length"], 40.0)
    assert close(p["min_corner_radius"], 5.0) and close(p["floor_area"], 350.0 + math.pi * 12.5)
    assert vec_close(p["length_direction"], [1, 0, 0])


def test_blind_slot_whose_end_rises_to_the_top_in_a_quarter_circle(recognize):
    result = recognize(fp.v_circular_end_blind_slot)
    assert kinds(result) == {"v_circular_end_blind_slot": 1}
    slot = only(result, "v_circular_end_blind_slot")
    p = slot.parameters
    assert slot.subtype == "blind" and "floor_fillet_radius" not in p
    assert close(p["end_radius"], 8.0) and close(p["depth"], 8.0)
    assert close(p["width"], 10.0) and close(p["length"], 35.0) and close(p["floor_area"], 350.0)
    assert close(result.part_parameters["removed_volume"], 10 * (35 * 8 + math.pi * 64 / 4))


def test_through_step(recognize):
    result = recognize(pb.box_with_step)
    assert kinds(result) == {"rectangular_through_step": 1}
    p = only(result, "rectangular_through_step").parameters
    assert close(p["depth"], 10.0) and close(p["width"], 30.0) and close(p["length"], 60.0)
    assert vec_close(p["tool_access_direction"], [0, 0, 1])
    assert close(result.part_parameters["removed_volume"], 30 * 10 * 60)


def test_blind_step(recognize):
    result = recognize(fp.blind_step)
    assert kinds(result) == {"rectangular_blind_step": 1}
    step = only(result, "rectangular_blind_step")
    p = step.parameters
    assert len(step.face_ids) == 3 and len(p["wall_faces"]) == 2
    assert close(p["depth"], 12.0) and close(p["length"], 20.0) and close(p["width"], 15.0)
    assert vec_close(p["tool_access_direction"], [0, 0, 1])


def test_boss(recognize):
    result = recognize(fp.boss_plate)
    assert kinds(result) == {"boss": 1}
    boss = only(result, "boss")
    p = boss.parameters
    assert boss.subtype == "island" and len(p["wall_faces"]) == 4 and p["top_faces"] == []
    assert close(p["height"], 15.0) and close(p["length"], 20.0) and close(p["width"], 20.0)
    assert vec_close(p["tool_access_direction"], [0, 0, 1])
    assert close(result.part_parameters["removed_volume"], 100 * 60 * 15 - 20 * 20 * 15)


def test_the_parts_outer_contour_is_a_contour_not_a_boss(recognize):
    """Walls standing on an open floor (the flange round the part) that cover most of
    the block's footprint: the outside milled down, a step all round."""
    result = recognize(fp.contoured_plate)
    assert kinds(result) == {"contour": 1, "round": 4}
    contour = only(result, "contour")
    p = contour.parameters
    assert contour.subtype == "outer" and len(p["wall_faces"]) == 4 and p["top_faces"] == []
    assert close(p["height"], 20.0) and close(p["length"], 90.0) and close(p["width"], 50.0)
    assert close(p["footprint_share"], 90.0 * 50.0 / (100.0 * 60.0))
    assert FAMILY_BY_TYPE["contour"] == "step"


def test_chamfer_and_fillet(recognize):
    result = recognize(pb.chamfered_filleted_block)
    assert kinds(result) == {"chamfer": 1, "round": 1}
    chamfer, fillet = only(result, "chamfer"), only(result, "round")
    p = chamfer.parameters
    assert chamfer.subtype == "planar"
    assert close(p["distance_1"], 2.0) and close(p["distance_2"], 2.0)
    assert close(p["width"], 2.0 * math.sqrt(2.0)) and close(p["angle_deg"], 45.0)
    assert close(p["length"], 100.0)
    assert fillet.subtype == "convex" and len(fillet.face_ids) == 1
    assert close(fillet.parameters["radius"], 3.0)
    removed = 100 * (2.0**2 / 2 + 3.0**2 * (1 - math.pi / 4))
    assert close(result.part_parameters["removed_volume"], removed)


def test_chamfer_with_unequal_legs(recognize):
    result = recognize(fp.unequal_chamfer)
    assert kinds(result) == {"chamfer": 1}
    p = only(result, "chamfer").parameters
    assert sorted([p["distance_1"], p["distance_2"]]) == pytest.approx([2.0, 4.0], abs=TOL)
    assert close(p["width"], math.sqrt(20.0)) and close(p["length"], 100.0)
    assert min(p["angle_deg"], 90 - p["angle_deg"]) == pytest.approx(
        math.degrees(math.atan(0.5)), abs=TOL
    )
    assert close(result.part_parameters["removed_volume"], 100 * 2.0 * 4.0 / 2)


def test_fillet_chain_is_grouped_by_tangency_and_radius(recognize):
    result = recognize(fp.fillet_chain)
    assert kinds(result) == {"round": 2}
    rounds = sorted(result.features, key=lambda f: f.parameters["radius"])
    assert close(rounds[0].parameters["radius"], 3.0) and len(rounds[0].face_ids) == 3
    assert close(rounds[1].parameters["radius"], 8.0) and len(rounds[1].face_ids) == 1


def test_turned_shaft(recognize):
    result = recognize(pb.turned_shaft)
    assert result.part_type == "rotational"
    assert kinds(result) == {"turned_diameter": 2, "groove": 1}
    part = result.part_parameters
    assert close(part["bar_diameter"], 30.0) and close(part["bar_length"], 90.0)
    assert vec_close(part["turning_axis"], [0, 0, 1])
    assert close(part["bar_volume"], math.pi * 15**2 * 90)
    assert close(part["removed_from_bar"], math.pi * (15**2 * 90 - 13112))
    groove = only(result, "groove").parameters
    assert close(groove["width"], 3.0) and close(groove["depth"], 2.0)
    assert close(groove["diameter"], 26.0)
    assert close(groove["axial_start"], 45.0) and close(groove["axial_end"], 48.0)
    assert turned_diameters(result, "diameter", "length", "depth") == [
        pytest.approx((16.0, 20.0, 7.0), abs=TOL),
        pytest.approx((20.0, 30.0, 5.0), abs=TOL),
    ]


def test_shaft_with_steps_groove_and_taper(recognize):
    result = recognize(fp.stepped_shaft)
    assert result.part_type == "rotational"
    assert kinds(result) == {"turned_diameter": 3, "groove": 1, "taper": 1}
    taper = only(result, "taper").parameters
    assert close(taper["length"], 10.0)
    assert close(taper["diameter_large"], 30.0) and close(taper["diameter_small"], 20.0)
    assert close(taper["included_angle_deg"], 2 * math.degrees(math.atan(0.5)))
    groove = only(result, "groove").parameters
    assert close(groove["depth"], 2.0) and close(groove["width"], 3.0)
    assert close(groove["diameter"], 26.0) and close(groove["axial_start"], 36.0)
    assert turned_diameters(result, "diameter", "axial_start", "axial_end") == [
        pytest.approx((20.0, 60.0, 80.0), abs=TOL),
        pytest.approx((30.0, 30.0, 36.0), abs=TOL),
        pytest.approx((30.0, 39.0, 50.0), abs=TOL),
    ]
    assert close(result.part_parameters["bar_diameter"], 40.0)


def test_groove_cut_beside_a_step_is_a_groove(recognize):
    result = recognize(fp.groove_beside_step)
    assert result.part_type == "rotational"
    assert kinds(result) == {"turned_diameter": 1, "groove": 1}
    groove = only(result, "groove")
    assert len(groove.face_ids) == 2  # its floor and the one wall the step left
    p = groove.parameters
    assert p["beside_step"] and close(p["diameter"], 29.0) and close(p["depth"], 0.5)
    assert close(p["width"], 2.0) and close(p["axial_start"], 40.0) and close(p["axial_end"], 42.0)
    assert turned_diameters(result, "diameter", "axial_start", "depth") == [
        pytest.approx((24.0, 42.0, 3.0), abs=TOL)
    ]


def test_a_rounded_groove_rim_is_a_round_and_leaves_the_wall_to_the_groove(recognize):
    """A round is tangent to both faces like a floor fillet, but it bulges out: the
    turned diameter beside the groove must not take the groove's wall through it."""
    result = recognize(fp.grooved_bar_with_rounded_rim)
    assert kinds(result) == {"turned_diameter": 2, "groove": 1, "round": 1}
    assert only(result, "round").subtype == "convex"
    groove = only(result, "groove")
    assert len(groove.face_ids) == 3  # its floor and both walls
    p = groove.parameters
    assert close(p["axial_start"], 10.0) and close(p["axial_end"], 15.0)


def test_a_slot_across_a_grooves_floor_fillet_leaves_its_wall_to_the_groove(recognize):
    """The slot gives the concave floor fillet convex edges; the wall beyond it is
    still the groove's, not a turned face."""
    result = recognize(fp.grooved_bar_with_filleted_floor_and_slot)
    assert "turned_face" not in kinds(result)
    walls = [f for f in result.features if f.type == "groove" and len(f.face_ids) == 3]
    assert len(walls) == 1
    assert kinds(result)["rectangular_pocket"] == 1


def test_staircase_levels_are_turned_diameters(recognize):
    result = recognize(fp.staircase_shaft)
    assert kinds(result) == {"turned_diameter": 2}
    assert turned_diameters(result, "diameter", "axial_start", "axial_end") == [
        pytest.approx((24.0, 60.0, 80.0), abs=TOL),
        pytest.approx((27.0, 40.0, 60.0), abs=TOL),
    ]


def test_pocket_clipped_by_the_bars_outside_is_an_open_pocket(recognize):
    result = recognize(fp.pocket_through_bar_rim)
    assert result.part_type == "mixed"
    assert kinds(result) == {"rectangular_pocket": 1}
    pocket = only(result, "rectangular_pocket")
    p = pocket.parameters
    assert pocket.subtype == "open" and len(p["wall_faces"]) == 3
    assert close(p["depth"], 2.0) and vec_close(p["tool_access_direction"], [0, 0, 1])
    # the disc of radius 10 where x >= 6 and |y| <= 3
    assert close(p["floor_area"], 3 * math.sqrt(91) + 100 * math.asin(0.3) - 36)


def test_flanged_bushing_is_turned_with_cross_holes(recognize):
    result = recognize(fp.flanged_bushing)
    assert result.part_type == "mixed"
    assert kinds(result) == {"turned_diameter": 1, "through_hole": 3}
    holes = [f for f in result.features if f.type == "through_hole"]
    bore = [h for h in holes if close(h.parameters["diameter"], 20.0)]
    cross = [h for h in holes if close(h.parameters["diameter"], 6.0)]
    assert len(bore) == 1 and len(cross) == 2
    assert close(bore[0].parameters["depth"], 50.0)
    assert "radial" not in bore[0].parameters
    wall = 20.0 - math.sqrt(10.0**2 - 3.0**2)  # from the body's surface to the bore
    entries = []
    for hole in cross:
        p = hole.parameters
        assert close(p["depth"], wall) and p["through"]
        assert p["radial"] and not p["past_centre"] and close(p["centre_overrun"], wall - 20.0)
        assert set(p["entry_faces"]).isdisjoint(bore[0].face_ids)  # drilled from outside
        entries.append((p["entry_point"], p["axis"]))
    assert sorted(entry + axis for entry, axis in entries) == [
        pytest.approx([-20.0, 0.0, 30.0, 1.0, 0.0, 0.0], abs=TOL),
        pytest.approx([20.0, 0.0, 30.0, -1.0, 0.0, 0.0], abs=TOL),
    ]
    body = only(result, "turned_diameter").parameters
    assert close(body["diameter"], 40.0) and close(body["length"], 42.0)
    assert close(result.part_parameters["bar_diameter"], 60.0)


def test_a_blind_hole_keeps_its_bottom_where_a_cross_hole_cuts_it(recognize):
    result = recognize(fp.blind_hole_crossed_near_its_bottom)
    assert kinds(result) == {"blind_hole": 1, "through_hole": 1}
    blind, cross = only(result, "blind_hole").parameters, only(result, "through_hole").parameters
    assert close(blind["diameter"], 10.0) and close(blind["depth"], 20.0)
    assert blind["bottom"] == "flat" and len(blind["bottom_faces"]) == 2
    assert close(cross["diameter"], 8.0) and close(cross["depth"], 100.0)


def test_cross_hole_past_the_centre_of_a_bar(recognize):
    result = recognize(fp.cross_drilled_shaft)
    assert result.part_type == "mixed" and kinds(result) == {"blind_hole": 1}
    p = only(result, "blind_hole").parameters
    assert close(p["diameter"], 5.0) and close(p["depth"], 12.0) and p["bottom"] == "flat"
    assert vec_close(p["entry_point"], [0, 10, 30]) and vec_close(p["axis"], [0, -1, 0])
    assert p["radial"] and p["past_centre"] and close(p["centre_overrun"], 2.0)


def test_iso_sizes():
    assert nearest_drill(6.62).size == pytest.approx(6.6)
    assert nearest_drill(6.62).difference == pytest.approx(0.02)
    tap = nearest_tap(5.0)
    assert tap.thread == "M6" and close(tap.difference, 0.0)
    assert nearest_drill(254.0) is None and nearest_tap(254.0) is None  # bored, not drilled


@pytest.mark.slow
@pytest.mark.skipif(not NIST.is_dir(), reason="NIST parts not unpacked (make data)")
def test_real_parts_are_recognized():
    """The NIST test parts: the whole pipeline answers from a recognizing tier
    (falling to the point cloud would be a bug), every face is labelled and
    the holes are measured."""
    from geometry_service.analysis_request import AnalysisRequest, blocked_tiers
    from geometry_service.composition import mesh_settings
    from geometry_service.config import Settings
    from geometry_service.part_analysis import analyze_file

    settings = Settings.from_env()
    request = AnalysisRequest(
        mesh=mesh_settings(settings),
        blocked_tiers=blocked_tiers(settings.model_path, inference_admitted=True),
        include_mesh=False,
    )
    parts = sorted(NIST.rglob("*.stp"))
    assert len(parts) >= 9
    for path in parts:
        answer = analyze_file(path, request)
        assert answer.tier.label in ("tier_1_brep_ml", "tier_2_mesh_heuristics"), path.name
        result = recognize_features(Part.from_model(read_cad(path)))
        assert len(result.face_labels) == len(result.face_feature)
        holes = [f for f in result.features if f.type in ("through_hole", "blind_hole")]
        assert holes, path.name
        assert all(h.parameters["diameter"] > 0.5 for h in holes)


@pytest.mark.skipif(not NIST.is_dir(), reason="NIST parts not unpacked (make data)")
def test_the_bar_is_as_long_as_the_part_where_a_rounded_rim_reaches_past_its_edges() -> None:
    """NIST FTC 11 is a disc 3 mm thick whose rim is rounded: no edge reaches its top,
    and the bar measured between the faces' vertices came out 1.997 mm long."""
    [path] = NIST.rglob("nist_ftc_11_*.stp")
    result = recognize_features(Part.from_model(read_cad(path)))
    assert result.part_type == "mixed"
    assert result.part_parameters["turning_axis"] == pytest.approx([0.0, 0.0, 1.0])
    assert result.part_parameters["bar_length"] == pytest.approx(3.0, abs=1e-6)
    assert result.part_parameters["bar_diameter"] == pytest.approx(63.0, abs=1e-6)


def test_a_pocket_with_spline_corner_patches_is_one_closed_pocket(recognize):
    """Corner radii of 4 and floor fillets of 2 meet in spline patches; they belong to
    the pocket, which is closed (it was a blind slot open at its patches)."""
    result = recognize(fp.filleted_pocket)
    assert kinds(result) == {"rectangular_pocket": 1}
    pocket = only(result, "rectangular_pocket")
    assert pocket.subtype == "closed" and len(pocket.face_ids) == 17
    assert close(pocket.parameters["depth"], 10.0)
    assert close(pocket.parameters["floor_fillet_radius"], 2.0)


def test_a_pocket_pierced_by_a_counterbore_stays_closed(recognize):
    result = recognize(fp.pocket_pierced_by_counterbored_hole)
    assert kinds(result) == {"rectangular_pocket": 1, "through_hole": 1}
    assert only(result, "rectangular_pocket").subtype == "closed"
    hole = only(result, "through_hole")
    assert hole.subtype == "counterbore" and close(hole.parameters["diameter"], 6.0)


def test_a_chamfer_where_a_slot_runs_out_is_a_chamfer(recognize):
    result = recognize(fp.through_slot_with_chamfered_exit)
    assert kinds(result) == {"rectangular_through_slot": 1, "chamfer": 1}
    chamfer = only(result, "chamfer")
    assert len(chamfer.face_ids) == 3
    assert {result.face_labels[f] for f in chamfer.face_ids} == {"chamfer"}


def test_a_quarter_circle_at_a_corner_is_a_circular_blind_step(recognize):
    result = recognize(fp.corner_cut_by_end_mill)
    assert kinds(result) == {"circular_blind_step": 1}
    step = only(result, "circular_blind_step")
    assert close(step.parameters["diameter"], 30.0) and close(step.parameters["depth"], 10.0)
    assert close(step.parameters["arc_deg"], 90.0)


def test_a_pocket_whose_floor_drops_into_a_deeper_pocket_is_a_pocket(recognize):
    result = recognize(fp.pocket_beside_a_deeper_pocket)
    assert kinds(result) == {"rectangular_pocket": 2}
    depths = sorted(f.parameters["depth"] for f in result.features)
    assert close(depths[0], 8.0) and close(depths[1], 16.0)
