"""Tier 2 rule-based recognition on parts with exactly known features.

Every part goes through a STEP round trip (write, read, graph) as a real
upload would, then the rules; types, counts and dimensions are asserted to
1e-6 mm.
"""

from __future__ import annotations

import math

import pytest

from geometry_service.features import STOCK
from geometry_service.geometric_fallback import recognize_features
from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.step_reader import read_step
from geometry_service.recognition.iso_sizes import nearest_drill, nearest_tap
from geometry_service.recognition.taxonomy import FEATURE_TYPES, MFCADPP_CLASSES
from tests import feature_parts as fp
from tests import part_builders as pb

TOL = 1e-6


@pytest.fixture(scope="module")
def recognize(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    cache = {}

    def run(builder, *args):
        key = (builder.__name__, args)
        if key not in cache:
            path = pb.write_step(builder(*args), folder / f"{builder.__name__}_{len(cache)}.step")
            cache[key] = recognize_features(build_graph(read_step(path)))
        return cache[key]

    return run


def only(recognition, kind):
    found = [f for f in recognition.features if f.type == kind]
    assert len(found) == 1, [(f.type, f.face_ids) for f in recognition.features]
    return found[0]


def close(value, expected):
    return abs(value - expected) < TOL


def vec_close(value, expected):
    return all(abs(a - b) < TOL for a, b in zip(value, expected))


def assert_every_face_labelled(recognition):
    for face, label in enumerate(recognition.face_labels):
        assert label in FEATURE_TYPES
        owner = recognition.face_feature[face]
        if label == STOCK:
            assert owner is None
        else:
            assert face in recognition.features[owner].face_ids


def test_taxonomy_keeps_the_mfcadpp_names_in_order():
    assert len(MFCADPP_CLASSES) == 25
    assert MFCADPP_CLASSES[0] == "chamfer" and MFCADPP_CLASSES[-1] == "stock"


def test_plain_block_is_all_stock(recognize):
    result = recognize(pb.box)
    assert result.features == [] and set(result.face_labels) == {STOCK}
    assert result.part_type == "prismatic"
    assert vec_close(result.part_parameters["stock_box"]["size"], [100, 60, 30])
    assert close(result.part_parameters["removed_volume"], 0.0)


def test_through_hole(recognize):
    result = recognize(pb.box_with_through_hole)
    hole = only(result, "through_hole")
    p = hole.parameters
    assert close(p["diameter"], 10.0) and close(p["depth"], 30.0)
    assert p["through"] and p["bottom"] == "through" and not p["partial"]
    assert vec_close(p["axis"], [0, 0, -1]) and vec_close(p["entry_point"], [50, 30, 30])
    assert p["iso_drill"] == {"size": 10.0, "difference": 0.0}
    assert close(result.part_parameters["removed_volume"], math.pi * 25 * 30)
    assert_every_face_labelled(result)


def test_blind_hole_flat_bottom(recognize):
    hole = only(recognize(pb.box_with_blind_hole), "blind_hole")
    p = hole.parameters
    assert close(p["diameter"], 8.0) and close(p["depth"], 12.0)
    assert p["bottom"] == "flat" and not p["through"] and len(hole.face_ids) == 2


def test_blind_hole_drill_point(recognize):
    hole = only(recognize(fp.drill_point_hole), "blind_hole")
    p = hole.parameters
    assert close(p["diameter"], 6.8) and close(p["depth"], 15.0)
    assert p["bottom"] == "drill_point" and close(p["drill_point_angle_deg"], 118.0)
    assert close(p["tip_depth"], 15.0 + 3.4 / math.tan(math.radians(59.0)))
    assert p["iso_tap"]["thread"] == "M8"


def test_counterbored_hole(recognize):
    hole = only(recognize(fp.counterbored_hole), "through_hole")
    p = hole.parameters
    assert hole.subtype == "counterbore" and len(hole.face_ids) == 3
    assert close(p["diameter"], 6.6) and close(p["depth"], 30.0)
    (bore,) = p["segments"]
    assert (
        bore["kind"] == "counterbore"
        and close(bore["diameter"], 11.0)
        and close(bore["depth"], 6.8)
    )
    assert vec_close(p["axis"], [0, 0, -1]) and vec_close(p["entry_point"], [30, 30, 30])


def test_countersunk_hole(recognize):
    hole = only(recognize(fp.countersunk_hole), "through_hole")
    p = hole.parameters
    assert hole.subtype == "countersink"
    (sink,) = p["segments"]
    assert close(sink["diameter"], 13.0) and close(sink["angle_deg"], 90.0)
    assert close(sink["depth"], 3.2) and close(p["diameter"], 6.6)
    assert vec_close(p["entry_point"], [70, 30, 30])


def test_holes_along_other_axes(recognize):
    result = recognize(fp.cross_hole_block)
    through, blind = only(result, "through_hole"), only(result, "blind_hole")
    assert close(through.parameters["diameter"], 10.0) and close(through.parameters["depth"], 100.0)
    assert vec_close(through.parameters["axis"], [-1, 0, 0])
    assert close(blind.parameters["depth"], 20.0) and vec_close(
        blind.parameters["axis"], [0, -1, 0]
    )
    assert vec_close(blind.parameters["entry_point"], [70, 60, 15])


def test_hole_grid_with_chamfered_rims(recognize):
    result = recognize(pb.hole_grid_plate)
    holes = [f for f in result.features if f.type == "through_hole"]
    assert len(holes) == 100 and len(result.features) == 100
    for hole in holes:
        p = hole.parameters
        assert close(p["diameter"], 5.0) and close(p["depth"], 10.0)
        assert hole.subtype == "countersink+exit_countersink"
        entry, exit_ = p["segments"]
        assert close(entry["diameter"], 6.0) and close(entry["depth"], 0.5)
        assert close(exit_["angle_deg"], 90.0) and close(exit_["depth"], 0.5)
    assert_every_face_labelled(result)


def test_sharp_rectangular_pocket(recognize):
    pocket = only(recognize(pb.box_with_pocket), "rectangular_pocket")
    p = pocket.parameters
    assert len(p["wall_faces"]) == 4 and close(p["depth"], 10.0)
    assert close(p["length"], 40.0) and close(p["width"], 20.0)
    assert close(p["min_corner_radius"], 0.0) and vec_close(p["tool_access_direction"], [0, 0, 1])
    assert vec_close(p["length_direction"], [1, 0, 0])


def test_pocket_with_corner_radii(recognize):
    pocket = only(recognize(fp.rounded_pocket), "rectangular_pocket")
    p = pocket.parameters
    assert len(pocket.face_ids) == 9 and close(p["min_corner_radius"], 3.0)
    assert close(p["length"], 40.0) and close(p["width"], 20.0) and close(p["depth"], 10.0)


def test_circular_end_pocket(recognize):
    pocket = only(recognize(fp.circular_end_pocket), "circular_end_pocket")
    p = pocket.parameters
    assert close(p["length"], 40.0) and close(p["width"], 12.0) and close(p["depth"], 5.0)
    assert close(p["min_corner_radius"], 6.0)


def test_through_slot(recognize):
    slot = only(recognize(pb.box_with_slot), "rectangular_through_slot")
    p = slot.parameters
    assert close(p["width"], 10.0) and close(p["depth"], 8.0) and close(p["length"], 60.0)
    assert vec_close(p["length_direction"], [0, 1, 0])


def test_blind_slot(recognize):
    slot = only(recognize(fp.blind_slot), "rectangular_blind_slot")
    p = slot.parameters
    assert len(slot.face_ids) == 4 and vec_close(p["tool_access_direction"], [0, 0, 1])
    assert close(p["width"], 10.0) and close(p["depth"], 8.0) and close(p["length"], 35.0)


def test_through_step(recognize):
    step = only(recognize(pb.box_with_step), "rectangular_through_step")
    p = step.parameters
    assert close(p["depth"], 10.0) and close(p["width"], 30.0) and close(p["length"], 60.0)


def test_blind_step(recognize):
    step = only(recognize(fp.blind_step), "rectangular_blind_step")
    p = step.parameters
    assert close(p["depth"], 12.0) and close(p["length"], 20.0) and close(p["width"], 15.0)


def test_boss(recognize):
    result = recognize(fp.boss_plate)
    boss = only(result, "boss")
    p = boss.parameters
    assert close(p["height"], 15.0) and close(p["length"], 20.0) and close(p["width"], 20.0)
    assert len(p["wall_faces"]) == 4


def test_chamfer_and_fillet(recognize):
    result = recognize(pb.chamfered_filleted_block)
    chamfer, fillet = only(result, "chamfer"), only(result, "round")
    assert close(chamfer.parameters["distance_1"], 2.0) and close(
        chamfer.parameters["distance_2"], 2.0
    )
    assert close(chamfer.parameters["angle_deg"], 45.0) and close(
        chamfer.parameters["length"], 100.0
    )
    assert close(fillet.parameters["radius"], 3.0)
    assert_every_face_labelled(result)


def test_turned_shaft(recognize):
    result = recognize(pb.turned_shaft)
    assert result.part_type == "rotational"
    assert close(result.part_parameters["bar_diameter"], 30.0) and close(
        result.part_parameters["bar_length"], 90.0
    )
    groove = only(result, "groove")
    assert close(groove.parameters["width"], 3.0) and close(groove.parameters["depth"], 2.0)
    assert close(groove.parameters["diameter"], 26.0)
    diameters = sorted(
        (f.parameters["diameter"], f.parameters["length"])
        for f in result.features
        if f.type == "turned_diameter"
    )
    assert [d for d, _ in diameters] == pytest.approx([16.0, 20.0], abs=TOL)
    assert [length for _, length in diameters] == pytest.approx([20.0, 30.0], abs=TOL)


def test_shaft_with_taper(recognize):
    result = recognize(fp.stepped_shaft)
    taper = only(result, "taper")
    p = taper.parameters
    assert (
        close(p["length"], 10.0)
        and close(p["diameter_large"], 30.0)
        and close(p["diameter_small"], 20.0)
    )
    assert close(p["included_angle_deg"], 2 * math.degrees(math.atan(0.5)))
    assert close(only(result, "groove").parameters["depth"], 2.0)


def test_flanged_bushing_is_turned_with_cross_holes(recognize):
    result = recognize(fp.flanged_bushing)
    assert result.part_type == "mixed"
    holes = [f for f in result.features if f.type == "through_hole"]
    bore = [h for h in holes if close(h.parameters["diameter"], 20.0)]
    cross = [h for h in holes if close(h.parameters["diameter"], 6.0)]
    assert len(bore) == 1 and len(cross) == 2
    assert close(bore[0].parameters["depth"], 50.0)
    for hole in cross:
        assert hole.parameters["entry_faces"] != bore[0].face_ids  # drilled from outside
    body = only(result, "turned_diameter")
    assert close(body.parameters["diameter"], 40.0) and close(body.parameters["length"], 42.0)
    assert_every_face_labelled(result)


def test_iso_sizes():
    assert nearest_drill(6.62).size == pytest.approx(6.6)
    tap = nearest_tap(5.0)
    assert tap.thread == "M6" and close(tap.difference, 0.0)
