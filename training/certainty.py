"""How sure the model is, part by part: the numbers behind the service's certainty gate.

Tier 1 answers only when every face of a part has a top probability of at
least ``MODEL_MIN_FACE_PROBABILITY`` (geometry_service/part_analysis.py); below
that the rules answer. This prints, for each folder of STEP files, how many
parts would pass that gate, the share of faces under it and the lowest face
probability per part, so that the threshold is chosen from measurements, not
guessed: the held-out labelled parts should pass, real parts unlike the
training data should not.

    python -m training.certainty --model models/brepnet.onnx .data/nist/nist .data/generated/step
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from geometry_service.brepnet_wrapper import BRepNetModel
from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.cad_reader import read_cad, silence_occt

from .dataset import split_of

STEP_SUFFIXES = {".step", ".stp"}


@dataclass
class FolderCertainty:
    folder: str
    parts: int
    faces: int
    parts_passing_gate: int
    share_of_faces_under_gate: float
    lowest_face_probability_p05: float  # 5th percentile over parts of each part's lowest face
    lowest_face_probability_median: float


def folder_certainty(model: BRepNetModel, folder: Path, gate: float, limit: int | None, split: str) -> FolderCertainty:
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in STEP_SUFFIXES)
    if split != "all":
        paths = [p for p in paths if split_of(p.stem) == split]
    paths = paths[:limit] if limit else paths
    lowest, under, faces = [], 0, 0
    for path in paths:
        probability = model.predict(build_graph(read_cad(path))).probability
        lowest.append(float(probability.min()))
        under += int((probability < gate).sum())
        faces += len(probability)
    return FolderCertainty(
        folder=str(folder),
        parts=len(paths),
        faces=faces,
        parts_passing_gate=sum(value >= gate for value in lowest),
        share_of_faces_under_gate=under / max(faces, 1),
        lowest_face_probability_p05=float(np.percentile(lowest, 5)) if lowest else float("nan"),
        lowest_face_probability_median=float(np.median(lowest)) if lowest else float("nan"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+", help="folders of STEP files")
    parser.add_argument("--model", type=Path, default=Path("models/brepnet.onnx"))
    parser.add_argument("--gate", type=float, default=0.9, help="MODEL_MIN_FACE_PROBABILITY")
    parser.add_argument("--limit", type=int, default=None, help="parts per folder")
    parser.add_argument("--split", choices=["val", "train", "all"], default="all", help="by part name, as training splits")
    args = parser.parse_args()
    silence_occt()
    model = BRepNetModel(args.model)
    results = [folder_certainty(model, folder, args.gate, args.limit, args.split) for folder in args.folders]
    for result in results:
        print(
            f"{result.folder}: {result.parts_passing_gate}/{result.parts} parts pass the {args.gate} gate, "
            f"{100 * result.share_of_faces_under_gate:.1f} % of {result.faces} faces under it, lowest face "
            f"probability p05 {result.lowest_face_probability_p05:.3f}, median {result.lowest_face_probability_median:.3f}",
            file=sys.stderr,
        )
    print(json.dumps({"model": str(args.model), "gate": args.gate, "folders": [asdict(r) for r in results]}, indent=2))


if __name__ == "__main__":
    main()
