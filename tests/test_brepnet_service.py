"""Tier 1 in the service: the shipped model answers for a generated part, tier 2 when it is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geometry_service.analysis_request import AnalysisRequest, blocked_tiers
from geometry_service.config import PROJECT_ROOT, Settings
from geometry_service.part_analysis import analyze_file
from training.generator import generate_part, write_part

SHIPPED = PROJECT_ROOT / "models" / "brepnet.onnx"
SEED = 900_001  # far from the seeds the shipped model was trained on


@pytest.fixture(scope="module")
def part(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp("part")
    generated = generate_part(SEED)
    write_part(generated, out)
    labels = json.loads((out / "labels" / f"{generated.name}.json").read_text())["faces"]
    return out / "step" / f"{generated.name}.step", {name: entry["label"] for name, entry in labels.items()}


@pytest.mark.skipif(not SHIPPED.is_file(), reason="models/brepnet.onnx is not shipped in this checkout")
def test_shipped_model_answers_tier_1_with_the_right_labels(part) -> None:
    path, truth = part
    result = analyze_file(path, AnalysisRequest(blocked_tiers=blocked_tiers(Settings(), True), include_mesh=False))
    assert result["processing_tier"] == "tier_1_brep_ml"
    assert result["degradation"] == []
    faces = result["faces"]
    right = sum(face["label"] == truth[face["step_name"]] for face in faces)
    assert right / len(faces) >= 0.95, [(f["step_name"], f["label"], truth[f["step_name"]]) for f in faces]
    assert all(0.0 < face["label_probability"] <= 1.0 for face in faces)
    assert result["features"] and {f["recognition_method"] for f in result["features"]} == {"ml"}
    for feature in result["features"]:
        assert {faces[i]["label"] for i in feature["face_ids"]} == {feature["type"]}


def test_missing_model_falls_to_tier_2_with_model_missing(part, tmp_path: Path) -> None:
    path, _ = part
    settings = Settings(model_path=tmp_path / "absent.onnx")
    result = analyze_file(path, AnalysisRequest(blocked_tiers=blocked_tiers(settings, True), include_mesh=False))
    assert result["processing_tier"] == "tier_2_mesh_heuristics"
    assert result["degradation"][0]["tier"] == "tier_1_brep_ml"
    assert result["degradation"][0]["code"] == "model_missing"
