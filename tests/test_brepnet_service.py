"""Tier 1 in the service: the shipped model answers for a generated part and for the
hand-built parts of the other tests, tier 2 when it is missing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from geometry_service.analysis_request import AnalysisRequest, blocked_tiers
from geometry_service.brepnet_wrapper import BRepNetModel
from geometry_service.config import PROJECT_ROOT, Settings
from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.part_analysis import analyze_file
from tests import part_builders
from training.generator import generate_part, write_part

SHIPPED = PROJECT_ROOT / "models" / "brepnet.onnx"
SEED = 900_001  # far from the seeds the shipped model was trained on


@pytest.fixture(scope="module")
def part(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp("part")
    generated = generate_part(SEED)
    write_part(generated, out)
    labels = json.loads((out / "labels" / f"{generated.name}.json").read_text())["faces"]
    return out / "step" / f"{generated.name}.step", {
        name: entry["label"] for name, entry in labels.items()
    }


@pytest.mark.skipif(
    not SHIPPED.is_file(), reason="models/brepnet.onnx is not shipped in this checkout"
)
def test_shipped_model_answers_tier_1_with_the_right_labels(part) -> None:
    path, truth = part
    result = analyze_file(
        path,
        AnalysisRequest(
            blocked_tiers=blocked_tiers(Settings().model_path, True), include_mesh=False
        ),
    )
    assert result.tier.label == "tier_1_brep_ml"
    assert result.degradation == ()
    faces = result.faces
    right = sum(face["label"] == truth[face["step_name"]] for face in faces)
    assert right / len(faces) >= 0.95, [
        (f["step_name"], f["label"], truth[f["step_name"]]) for f in faces
    ]
    assert all(0.0 < face["label_probability"] <= 1.0 for face in faces)
    assert result.features and {f["recognition_method"] for f in result.features} == {"ml"}
    for feature in result.features:
        assert {faces[i]["label"] for i in feature["face_ids"]} == {feature["type"]}


def test_missing_model_falls_to_tier_2_with_model_missing(part, tmp_path: Path) -> None:
    path, _ = part
    settings = Settings(model_path=tmp_path / "absent.onnx")
    result = analyze_file(
        path,
        AnalysisRequest(blocked_tiers=blocked_tiers(settings.model_path, True), include_mesh=False),
    )
    assert result.tier.label == "tier_2_mesh_heuristics"
    assert result.degradation[0].tier.label == "tier_1_brep_ml"
    assert result.degradation[0].code == "model_missing"


HAND_BUILT = [
    ("box_with_through_hole", {"through_hole"}),
    ("box_with_blind_hole", {"blind_hole"}),
    ("box_with_pocket", {"rectangular_pocket"}),
    ("box_with_slot", {"rectangular_through_slot"}),
    ("box_with_step", {"rectangular_through_step"}),
    ("chamfered_filleted_block", {"chamfer", "round"}),
]


@pytest.mark.skipif(
    not SHIPPED.is_file(), reason="models/brepnet.onnx is not shipped in this checkout"
)
@pytest.mark.parametrize("builder, expected", HAND_BUILT, ids=[name for name, _ in HAND_BUILT])
def test_shipped_model_is_sure_of_hand_built_parts(
    builder: str, expected: set[str], tmp_path: Path
) -> None:
    """Parts built by hand, not by the generator (a 100 x 60 x 30 block, features on its far
    sides too): brepnet-1.2.0 took the step on the block's +X end for a V-groove."""
    path = part_builders.write_step(getattr(part_builders, builder)(), tmp_path / f"{builder}.step")
    result = analyze_file(
        path,
        AnalysisRequest(
            blocked_tiers=blocked_tiers(Settings().model_path, True), include_mesh=False
        ),
    )
    assert result.tier.label == "tier_1_brep_ml", result.degradation
    assert {feature["type"] for feature in result.features} == expected


@pytest.mark.skipif(
    not SHIPPED.is_file(), reason="models/brepnet.onnx is not shipped in this checkout"
)
def test_shipped_model_sees_a_turned_part_as_the_same_part(tmp_path: Path) -> None:
    """A step on the block's near edge and the same step on its far edge are one shape
    turned half a turn: the network's inputs carry no direction, so its answers match."""
    near, far = part_builders.box_with_step(at_start=True), part_builders.box_with_step()
    model = BRepNetModel(SHIPPED)
    answers = []
    for name, shape in (("near", near), ("far", far)):
        prediction = model.predict(
            build_graph(read_cad(part_builders.write_step(shape, tmp_path / f"{name}.step")))
        )
        answers.append((sorted(prediction.labels), np.sort(prediction.probability)))
    assert answers[0][0] == answers[1][0]
    assert np.allclose(answers[0][1], answers[1][1], atol=1e-5)
    assert set(answers[0][0]) == {"rectangular_through_step", "stock"}
