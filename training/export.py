"""Export a trained BRepNet to ONNX with dynamic face, edge and coedge counts.

The version string and the class list go into the ONNX ``metadata_props`` so
that the service can report which model answered without a side file.
"""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import torch

from geometry_service.graph_features import (
    COEDGE_FEATURES,
    EDGE_FEATURES,
    FACE_FEATURES,
    INPUT_NAMES,
)
from geometry_service.recognition.taxonomy import MFCADPP_CLASSES

from .model import BRepNet

OUTPUT_NAME = "face_logits"
OPSET = 18
_AXIS = {
    "face_features": "faces",
    "edge_features": "edges",
    "coedge_features": "coedges",
    "coedge_face": "coedges",
    "coedge_edge": "coedges",
    "coedge_next": "coedges",
    "coedge_prev": "coedges",
    "coedge_mate": "coedges",
}


def _example_inputs() -> tuple[torch.Tensor, ...]:
    """A two-face, one-edge graph (two mated coedges): enough to trace every operation."""
    index = torch.tensor([0, 1])
    return (
        torch.zeros(2, FACE_FEATURES),
        torch.zeros(1, EDGE_FEATURES),
        torch.zeros(2, COEDGE_FEATURES),
        index,
        torch.tensor([0, 0]),
        index,
        index,
        torch.tensor([1, 0]),
    )


def export_onnx(
    model: BRepNet, path: Path, version: str, extra: dict[str, str] | None = None
) -> Path:
    """Write ``model`` to ``path``; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    model.eval()
    torch.onnx.export(
        model,
        _example_inputs(),
        str(path),
        input_names=list(INPUT_NAMES),
        output_names=[OUTPUT_NAME],
        dynamic_axes={
            **{name: {0: axis} for name, axis in _AXIS.items()},
            OUTPUT_NAME: {0: "faces"},
        },
        opset_version=OPSET,
        dynamo=False,
    )
    proto = onnx.load(str(path))
    metadata = {
        "version": version,
        "classes": json.dumps(list(MFCADPP_CLASSES)),
        "config": json.dumps(model.config.to_json()),
        **(extra or {}),
    }
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return path
