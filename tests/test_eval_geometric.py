"""make eval's scoring (scripts/eval_geometric.py) on a few generated parts, as
they stand and turned at random as its rotated set turns MFCAD's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.eval_geometric import ANSWERS, Dataset, LabelledSet, evaluate
from training.generator import write_parts

SHIPPED = Path(__file__).resolve().parents[1] / "models" / "brepnet.onnx"
SEEDS = range(100, 103)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return write_parts(tmp_path_factory.mktemp("generated"), SEEDS)


@pytest.mark.skipif(not SHIPPED.is_file(), reason="models/brepnet.onnx is not shipped")
def test_every_face_is_scored_for_each_answer_and_turning_changes_no_network_label(folder):
    datasets = [
        Dataset(folder, LabelledSet("generated", "generated", False, turned))
        for turned in (False, True)
    ]
    results = [evaluate(dataset, dataset.names, SHIPPED) for dataset in datasets]
    labelled = sum(
        len(json.loads(path.read_text())["faces"]) for path in (folder / "labels").glob("*.json")
    )
    for result in results:
        assert result["parts"] == len(SEEDS) and not result["errors"]
        for answer in ANSWERS:
            assert result[answer]["faces"] == labelled
    assert results[0]["network"] == results[1]["network"]
