"""The network in torch: ONNX export matches torch, and a tiny training runs end to end.

Needs torch (requirements-train.txt); skipped with the reason when it is not installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="torch is not installed (pip install -r requirements-train.txt)"
)
pytest.importorskip("onnx", reason="onnx is not installed (pip install -r requirements-train.txt)")

from geometry_service.brepnet_wrapper import BRepNetModel  # noqa: E402
from training.dataset import LabelledPart, face_class_tables, load_part  # noqa: E402
from training.export import export_onnx  # noqa: E402
from training.generator import write_parts  # noqa: E402
from training.model import BRepNet, ModelConfig  # noqa: E402
from training.train import TrainSettings, train  # noqa: E402

SEEDS = range(100, 112)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return write_parts(tmp_path_factory.mktemp("generated"), SEEDS)


@pytest.fixture(scope="module")
def parts(generated: Path) -> list[LabelledPart]:
    tables = face_class_tables(generated)
    return [load_part(generated / "step" / f"{name}.step", table) for name, table in tables.items()]


def test_onnx_matches_torch_on_several_parts(parts: list[LabelledPart], tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = BRepNet(ModelConfig(hidden=32, layers=2)).eval()
    path = export_onnx(model, tmp_path / "model.onnx", "test-1")
    runtime = BRepNetModel(path)
    assert runtime.version == "test-1"
    counts = set()
    for part in parts[:5]:
        with torch.no_grad():
            expected = model(*(torch.from_numpy(a) for a in part.inputs.arrays())).numpy()
        got = runtime.logits(part.inputs)
        assert got.shape == (len(part.labels), 25)
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
        counts.add(len(part.labels))
    assert len(counts) > 1  # the face count really is dynamic


def test_tiny_training_writes_model_and_report(generated: Path, tmp_path: Path) -> None:
    settings = TrainSettings(
        data=[generated],
        cache=tmp_path / "cache",
        out=tmp_path / "run",
        model_out=tmp_path / "brepnet.onnx",
        version="tiny",
        epochs=2,
        parts_per_batch=4,
        hidden=16,
        layers=1,
        threads=1,
        workers=1,
        max_steps=3,
    )
    result = train(settings)
    assert result.train_parts + result.val_parts == len(SEEDS)
    assert BRepNetModel(result.onnx_path).version == "tiny"
    for name in ("report.json", "report.md", "last.pt", "best.pt"):
        assert (settings.out / name).is_file(), name
    for evaluation in result.evaluations:
        assert (settings.out / f"confusion_{evaluation.dataset}.png").is_file()
        assert 0.0 <= evaluation.face_accuracy <= 1.0
