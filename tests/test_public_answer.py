"""The quote fields of the public answer, on real parts built with OCP and analyzed in process.

The HTTP side (the answer as sent, gzip, /analyze-aag, /openapi.json) is in
test_contract.py; here the worker's result goes straight through public_answer
(local_answer.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from geometry_service.analysis_request import AnalysisRequest
from geometry_service.complexity import complexity_terms
from geometry_service.features import STOCK
from geometry_service.local_answer import local_answer
from geometry_service.recognition.taxonomy import FAMILIES, FAMILY_BY_TYPE, FEATURE_TYPES
from tests import feature_parts
from tests import part_builders as parts

NIST = Path(__file__).resolve().parents[1] / ".data" / "nist"
RULES_ONLY = AnalysisRequest(model_path=Path("no-model.onnx"))


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., dict[str, Any]]:
    """The public answer for a part builder, by the rules (tier 2) unless ``request``
    says otherwise."""
    folder = tmp_path_factory.mktemp("public-answer")
    answers: dict[tuple[str, AnalysisRequest], dict[str, Any]] = {}

    def analyzed(builder: Callable, request: AnalysisRequest = RULES_ONLY) -> dict[str, Any]:
        key = (builder.__name__, request)
        if key not in answers:
            path = parts.write_step(builder(), folder / f"{builder.__name__}.step")
            answers[key] = local_answer(path, request)
        return answers[key]

    return analyzed


def test_every_feature_type_has_a_family_from_the_fixed_vocabulary() -> None:
    types = set(FEATURE_TYPES) - {STOCK}
    assert set(FAMILY_BY_TYPE) == types
    assert set(FAMILY_BY_TYPE.values()) <= set(FAMILIES)


def test_internal_tier_number_stays_inside(answer) -> None:
    body = answer(parts.box_with_through_hole)
    assert "tier_number" not in body
    assert body["processing_tier"] == "tier_2_mesh_heuristics"
    assert body["metadata"]["recognition_method"] == "rules"


def test_recognition_method_names_the_network_when_tier_1_answers(answer) -> None:
    body = answer(parts.box_with_pocket, AnalysisRequest())
    assert body["processing_tier"] == "tier_1_brep_ml"
    assert body["metadata"]["recognition_method"] == "brepnet"


def test_measures_at_top_level_in_cm(answer) -> None:
    body = answer(parts.box)
    assert body["volume_cm3"] * 1000 == pytest.approx(body["metadata"]["volume_mm3"], rel=1e-12)
    assert body["volume_cm3"] == pytest.approx(100 * 60 * 30 / 1000)
    assert body["surface_area_cm2"] == pytest.approx(2 * (100 * 60 + 100 * 30 + 60 * 30) / 100)
    assert body["triangle_count"] == body["mesh_data"]["triangle_count"] > 0


@pytest.mark.parametrize(
    ("builder", "processes"),
    [
        (parts.turned_shaft, ["CNC Lathe"]),
        (feature_parts.stepped_shaft, ["CNC Lathe"]),
        (parts.hole_grid_plate, ["VMC Machining"]),
        (parts.box_with_pocket, ["VMC Machining"]),
        (feature_parts.cross_drilled_shaft, ["CNC Lathe", "VMC Machining"]),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_processes_follow_the_measured_part_type(
    answer, builder: Callable, processes: list[str]
) -> None:
    body = answer(builder)
    assert body["recommended_processes"] == processes
    assert len(body["routing_reasoning"]) == len(processes)
    assert all("% of area" in reason for reason in body["routing_reasoning"])


def test_a_turned_shaft_is_routed_by_its_area_on_faces_of_revolution(answer) -> None:
    (reason,) = answer(parts.turned_shaft)["routing_reasoning"]
    assert reason.startswith("rotational: 100 % of area on faces of revolution about one axis")
    (reason,) = answer(parts.hole_grid_plate)["routing_reasoning"]
    assert reason.startswith("prismatic: only 0 %")


def test_bottom_faces_are_the_floors_of_cuts_and_blind_holes(answer) -> None:
    for builder, family in [
        (parts.box_with_pocket, "pocket"),
        (feature_parts.blind_slot, "slot"),
        (feature_parts.blind_step, "step"),
        (parts.box_with_blind_hole, "hole"),
        (feature_parts.drill_point_hole, "hole"),
    ]:
        body = answer(builder)
        (feature,) = [f for f in body["features"] if f["family"] == family]
        assert feature["bottom_faces"], builder.__name__
        assert set(feature["bottom_faces"]) <= set(feature["face_ids"])
        kinds = {body["faces"][face]["surface_type"] for face in feature["bottom_faces"]}
        assert kinds == ({"cone"} if builder is feature_parts.drill_point_hole else {"plane"})
    (through,) = answer(parts.box_with_through_hole)["features"]
    assert through["family"] == "hole" and through["bottom_faces"] == []


def test_a_plain_block_scores_lowest_and_a_hole_plate_higher(answer) -> None:
    assert answer(parts.box)["complexity_score"] == 1.0
    pocket = answer(parts.box_with_pocket)["complexity_score"]
    plate = answer(parts.hole_grid_plate)["complexity_score"]
    assert 1.0 < pocket < plate < 10.0


def test_complexity_counts_each_extra_tool_direction(answer) -> None:
    def access(body: dict[str, Any]) -> float:
        return complexity_terms(body["metadata"]["face_count"], body["features"], "prismatic")[
            "access"
        ]

    assert access(answer(parts.box_with_pocket)) == 0.0
    assert access(answer(feature_parts.cross_hole_block)) == 0.75  # drilled along X and from +Y


@pytest.mark.parametrize(("corner_radius", "points"), [(5.0, 0.0), (2.0, 0.5), (0.8, 1.0)])
def test_complexity_grows_as_the_smallest_internal_radius_shrinks(
    tmp_path: Path, corner_radius: float, points: float
) -> None:
    part = feature_parts.rounded_pocket(corner_radius=corner_radius)
    path = parts.write_step(part, tmp_path / "pocket.step")
    body = local_answer(path, RULES_ONLY)
    terms = complexity_terms(body["metadata"]["face_count"], body["features"], "prismatic")
    assert terms["internal_radius"] == points


@pytest.mark.skipif(not NIST.is_dir(), reason="NIST parts not unpacked (make data)")
def test_nist_parts_score_high(tmp_path: Path) -> None:
    for path in sorted(NIST.rglob("*.stp"))[:3]:
        body = local_answer(path, RULES_ONLY)
        assert body["complexity_score"] >= 7.0, (path.name, body["complexity_score"])
