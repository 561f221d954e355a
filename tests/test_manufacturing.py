"""The manufacturing section on OCP-built parts whose answers are known by
construction: which faces a tool reaches, how many set-ups, which tool, which
DFM warnings on which faces, and the stock."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from OCP.TopoDS import TopoDS_Shape

from geometry_service import part_analysis
from geometry_service.analysis_request import AnalysisRequest
from geometry_service.composition import shop_limits
from geometry_service.config import Settings
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.geometry.mesher import mesh_model
from geometry_service.graceful_degradation import Tier, TierFailure
from geometry_service.manufacturing.limits import ShopLimits
from geometry_service.manufacturing.ray_scene import RayScene
from geometry_service.manufacturing.samples import FaceSamples
from geometry_service.part_analysis import analyze_file
from geometry_service.worker_result import WorkerResult
from tests.feature_parts import (
    AIR,
    block,
    fillet_vertical_edges,
    half_hole_at_edge,
    two_sided_plate,
)
from tests.part_builders import box_with_pocket, turned_shaft, write_step
from training.shapes import box_at, cut, cylinder

RULES_ONLY = AnalysisRequest(
    blocked_tiers=(TierFailure(Tier.BREP_ML, "rules under test", "test", "permanent"),),
    include_mesh=False,
)


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., WorkerResult]:
    """The worker's result for a built part, one analysis per part and request."""
    folder = tmp_path_factory.mktemp("manufacturing")
    results: dict[tuple, WorkerResult] = {}

    def analyze(
        name: str, build: Callable[[], TopoDS_Shape], request: AnalysisRequest = RULES_ONLY
    ):
        key = (name, request.shop_limits)
        if key not in results:
            results[key] = analyze_file(write_step(build(), folder / f"{name}.step"), request)
        return results[key]

    return analyze


def warnings_with(result: WorkerResult, code: str) -> list[dict[str, Any]]:
    return [w for w in result.manufacturing["warnings"] if w["code"] == code]


def feature_of(result: WorkerResult, family_types: tuple[str, ...]) -> dict[str, Any]:
    found = [f for f in result.features if f["type"] in family_types]
    assert len(found) == 1, [f["type"] for f in result.features]
    return found[0]


def test_the_any_hit_query_agrees_with_the_first_hits_ray_by_ray(tmp_path: Path) -> None:
    """Tool access asks only whether a ray is blocked; that answer must be the first-hit
    query's, ray for ray, on a part with a pocket (rays from all around, many grazing)."""
    model = read_cad(write_step(deep_rounded_pocket(), tmp_path / "pocket.step"))
    mesh = mesh_model(model)
    scene = RayScene(mesh.vertices, mesh.indices)
    rng = np.random.default_rng(15)
    origins = rng.uniform((-10.0, -10.0, -10.0), (110.0, 70.0, 50.0), size=(20_000, 3))
    directions = rng.normal(size=(20_000, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    blocked = scene.blocked(origins, directions)
    assert 0.2 < blocked.mean() < 0.8  # both answers are well represented
    np.testing.assert_array_equal(blocked, ~scene.first_hits(origins, directions).missed)
    assert scene.blocked(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0,)


# ------------------------------------------------------------------ parts


def deep_rounded_pocket() -> TopoDS_Shape:
    """100 x 60 x 40 block, a 40 x 20 pocket 30 deep with R3 vertical corners."""
    tool = box_at(30.0, 20.0, 10.0, 40.0, 20.0, 30.0 + AIR)
    return cut(block(z=40.0), fillet_vertical_edges(tool, 3.0))


def deep_small_hole() -> TopoDS_Shape:
    """100 x 60 x 50 block, a Ø3 mm hole 40 mm deep down from the top centre."""
    return cut(block(z=50.0), cylinder(50.0, 30.0, 10.0, 1.5, 40.0 + AIR))


def thin_walled_pocket() -> TopoDS_Shape:
    """100 x 60 x 30 block, a 40 x 40 x 20 pocket leaving a 0.5 mm wall to the x=0 side."""
    return cut(block(), box_at(0.5, 10.0, 10.0, 40.0, 40.0, 20.0 + AIR))


def two_sided_plate_with_side_hole() -> TopoDS_Shape:
    """The two-sided plate with a Ø6 blind hole 12 deep into its x=100 end."""
    return cut(
        two_sided_plate(), cylinder(88.0, 45.0, 15.0, 3.0, 12.0 + AIR, direction=(1.0, 0.0, 0.0))
    )


def closed_t_slot() -> TopoDS_Shape:
    """100 x 60 x 30 block, a T-slot along Y closed at both ends: a 10 wide neck
    from the top down to z=20, a 30 wide chamber from z=12 to z=20."""
    return cut(
        block(),
        box_at(45.0, 10.0, 20.0, 10.0, 40.0, 10.0 + AIR),
        box_at(35.0, 10.0, 12.0, 30.0, 40.0, 8.0),
    )


# ------------------------------------------------------------------ tests


def test_sharp_vertical_corners_of_a_pocket_are_warned_on_its_walls(analyzed) -> None:
    result = analyzed("sharp_pocket", box_with_pocket)
    pocket = feature_of(result, ("rectangular_pocket",))
    corners = warnings_with(result, "sharp_internal_corner")
    assert len(corners) == 1
    assert corners[0]["feature_id"] == pocket["id"]
    assert sorted(corners[0]["face_ids"]) == sorted(pocket["parameters"]["wall_faces"])
    assert corners[0]["severity"] == "critical"
    assert "4 sharp internal corner(s)" in corners[0]["message"]


def test_r3_corners_30_deep_take_a_6_mm_tool_too_long_for_its_diameter(analyzed) -> None:
    result = analyzed("deep_r3_pocket", deep_rounded_pocket)
    pocket = feature_of(result, ("rectangular_pocket",))
    tool = next(t for t in result.manufacturing["tools"] if t["feature_id"] == pocket["id"])
    assert (
        tool["tool"] == "end_mill"
        and tool["diameter"] == 6.0
        and tool["limited_by"] == "corner_radius"
    )
    assert tool["reach"] == pytest.approx(30.0, abs=1e-3)
    assert tool["reach_ratio"] == pytest.approx(5.0, abs=1e-3)
    [warning] = warnings_with(result, "internal_radius_too_small_for_depth")
    assert warning["measured"] == pytest.approx(3.0)
    assert warning["limit"] == pytest.approx(30.0 / 4.0 / 2.0)
    assert not warnings_with(result, "sharp_internal_corner")


def test_a_3_mm_hole_40_deep_needs_a_gun_drill(analyzed) -> None:
    result = analyzed("deep_hole", deep_small_hole)
    hole = feature_of(result, ("blind_hole",))
    [warning] = warnings_with(result, "deep_hole")
    assert warning["feature_id"] == hole["id"]
    assert warning["measured"] == pytest.approx(40.0 / 3.0, abs=1e-3)
    assert warning["limit"] == 10.0 and warning["severity"] == "warning"
    operations = result.machining_summary["operations"]
    assert any(
        op["operation"] == "gun_drilling" and op["feature_ids"] == [hole["id"]] for op in operations
    )


def test_a_half_millimetre_wall_is_thin(analyzed) -> None:
    result = analyzed("thin_wall", thin_walled_pocket)
    walls = warnings_with(result, "thin_wall")
    assert len(walls) == 1
    assert walls[0]["measured"] == pytest.approx(0.5, abs=0.01)
    assert walls[0]["limit"] == 1.0
    pocket = feature_of(
        result, ("rectangular_pocket", "rectangular_blind_step", "rectangular_through_step")
    )
    assert set(walls[0]["face_ids"]) & set(pocket["face_ids"])


def test_features_on_top_and_bottom_take_two_setups(analyzed) -> None:
    result = analyzed("two_sided", two_sided_plate)
    setups = result.manufacturing["setups"]
    assert setups["count"] == 2 and setups["machine_class"] == "3-axis"
    assert sorted(s["direction_name"] for s in setups["setups"]) == ["+Z", "-Z"]
    assert sorted(f for s in setups["setups"] for f in s["feature_ids"]) == sorted(
        f["id"] for f in result.features
    )
    assert result.machining_summary["setup_count"] == 2


def test_a_side_hole_adds_a_third_setup(analyzed) -> None:
    result = analyzed("three_sided", two_sided_plate_with_side_hole)
    setups = result.manufacturing["setups"]
    assert setups["count"] == 3
    assert sorted(s["direction_name"] for s in setups["setups"]) == ["+X", "+Z", "-Z"]
    side = next(s for s in setups["setups"] if s["direction_name"] == "+X")
    [hole] = [result.features[f] for f in side["feature_ids"]]
    assert hole["type"] == "blind_hole" and hole["parameters"]["diameter"] == pytest.approx(6.0)


def test_the_undercut_faces_of_a_t_slot_are_inaccessible(analyzed) -> None:
    result = analyzed("t_slot", closed_t_slot)
    access = result.manufacturing["access"]
    faces = {f["id"]: f for f in result.faces}
    inaccessible = access["inaccessible_face_ids"]
    assert inaccessible, "the chamber under the lips must be out of reach"
    # The chamber's ceilings (the lips' undersides, facing down at z=20) are among them.
    areas = sorted(
        round(faces[f]["area"], 3) for f in inaccessible if faces[f]["surface_type"] == "plane"
    )
    assert areas.count(10.0 * 40.0) == 2
    assert {w["code"] for w in result.manufacturing["warnings"]} >= {
        "inaccessible_face",
        "material_left_behind",
    }
    # The neck's walls are reached from the top.
    top = next(d for d in access["directions"] if d["name"] == "+Z")
    assert not set(top["face_ids"]) & set(inaccessible)


def test_a_turned_shaft_is_a_lathe_part_from_bar(analyzed) -> None:
    result = analyzed("shaft", turned_shaft)
    manufacturing = result.manufacturing
    assert manufacturing["setups"]["machine_class"] == "lathe"
    assert [s["kind"] for s in manufacturing["setups"]["setups"]] == ["turning"]
    stock = manufacturing["stock"]
    assert stock["form"] == "round_bar"
    assert stock["size"] == [32.0, 92.0]  # Ø30 + 2 x 1 mm allowance, 90 + 2 x 1 mm
    assert stock["removed_mm3"] == pytest.approx(
        stock["volume_mm3"] - result.metadata["volume_mm3"]
    )


def test_a_prismatic_part_comes_from_the_next_plate_up(analyzed) -> None:
    stock = analyzed("two_sided", two_sided_plate).manufacturing["stock"]
    assert stock["form"] == "plate" and stock["size"] == [102.0, 62.0, 35.0]


def test_a_part_past_the_machine_envelope_is_warned(analyzed) -> None:
    small_machine = AnalysisRequest(
        blocked_tiers=RULES_ONLY.blocked_tiers,
        include_mesh=False,
        shop_limits=ShopLimits(machine_envelope_mm=(80.0, 80.0, 80.0)),
    )
    [warning] = warnings_with(
        analyzed("two_sided", two_sided_plate, small_machine), "part_exceeds_machine_envelope"
    )
    assert warning["measured"] == pytest.approx(100.0) and warning["limit"] == 80.0
    assert not warnings_with(
        analyzed("two_sided", two_sided_plate), "part_exceeds_machine_envelope"
    )


def test_the_section_is_timed_and_summarised_for_the_quote(analyzed) -> None:
    result = analyzed("two_sided", two_sided_plate)
    assert result.timings["manufacturing_ms"] > 0
    summary = result.machining_summary
    assert summary["operations"][0]["operation"] == "facing_and_contouring"
    milled = [f for op in summary["operations"][1:] for f in op["feature_ids"]]
    assert sorted(milled) == sorted(f["id"] for f in result.features)
    assert summary["removed_volume_mm3"] == pytest.approx(
        sum(op["removal_volume_mm3"] for op in summary["operations"]), rel=1e-9
    )


def test_a_channel_is_milled_by_a_tool_of_its_width_and_removes_its_half_circle(analyzed) -> None:
    result = analyzed("channel", half_hole_at_edge)
    channel = feature_of(result, ("circular_through_slot",))
    tool = next(t for t in result.manufacturing["tools"] if t["feature_id"] == channel["id"])
    assert tool["tool"] == "end_mill" and tool["diameter"] <= 10.0
    [operation] = [
        op for op in result.machining_summary["operations"] if channel["id"] in op["feature_ids"]
    ]
    assert operation["removal_volume_mm3"] == pytest.approx(math.pi * 25.0 / 2.0 * 30.0)


def test_a_failure_in_the_section_is_a_warning_not_a_failed_request(
    analyzed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(*args, **kwargs):
        raise ZeroDivisionError("injected")

    monkeypatch.setattr(part_analysis, "analyze_manufacturing", broken)
    result = analyze_file(write_step(box_with_pocket(), tmp_path / "pocket.step"), RULES_ONLY)
    assert result.features and result.manufacturing is None and result.machining_summary is None
    assert "manufacturing analysis failed: ZeroDivisionError: injected" in result.warnings


def test_shop_limits_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"SHOP_MACHINE_ENVELOPE_MM": "1000, 500, 400", "SHOP_MIN_WALL_MM": "0.8"}
    )
    limits = shop_limits(settings)
    assert limits.machine_envelope_mm == (1000.0, 500.0, 400.0) and limits.min_wall_mm == 0.8
    assert shop_limits(Settings.from_env({})) == ShopLimits()


def test_sample_totals_per_face_count_each_face_and_leave_unsampled_faces_at_zero() -> None:
    """Samples of faces 0 and 2 (face 1 and 3 have none), reached in two directions."""
    samples = FaceSamples(
        points=np.zeros((5, 3)),
        normals=np.zeros((5, 3)),
        face=np.array([0, 0, 2, 2, 2]),
        face_count=4,
    )
    reached = np.array([[True, False], [True, True], [False, False], [True, False], [True, True]])
    np.testing.assert_array_equal(samples.totals(reached), [[2, 1], [0, 0], [2, 1], [0, 0]])
    np.testing.assert_array_equal(samples.totals(np.arange(5.0)), [1, 0, 9, 0])
