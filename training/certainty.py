"""How sure the model is, part by part: the numbers behind the service's certainty gate.

Tier 1 lets the network name a face only where its top probability is at
least ``MODEL_MIN_FACE_PROBABILITY`` (geometry_service/combined_recognition.py);
the rules name the rest. This prints, for each folder of STEP files, how many
parts it is sure of in full (tier 1 answers ``brepnet``), the share of faces
under the threshold and the lowest face probability per part, so that the
threshold is chosen from measurements, not guessed.

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


def folder_certainty(
    model: BRepNetModel, folder: Path, gate: float, limit: int | None, split: str
) -> FolderCertainty:
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
    parser.add_argument(
        "--split",
        choices=["val", "train", "all"],
        default="all",
        help="by part name, as training splits",
    )
    args = parser.parse_args()
    silence_occt()
    model = BRepNetModel(args.model)
    results = [
        folder_certainty(model, folder, args.gate, args.limit, args.split)
        for folder in args.folders
    ]
    for result in results:
        print(
            f"{result.folder}: {result.parts_passing_gate}/{result.parts} parts pass the "
            f"{args.gate} gate, {100 * result.share_of_faces_under_gate:.1f} % of "
            f"{result.faces} faces under it, lowest face probability p05 "
            f"{result.lowest_face_probability_p05:.3f}, "
            f"median {result.lowest_face_probability_median:.3f}",
            file=sys.stderr,
        )
    print(
        json.dumps(
            {"model": str(args.model), "gate": args.gate, "folders": [asdict(r) for r in results]},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
