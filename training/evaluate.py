"""Face-level evaluation of an ONNX model: metrics, JSON + Markdown report, confusion matrix PNG.

Evaluates the exported artifact (what the service runs), not the torch
module, so the report describes the shipped model.

    python -m training.evaluate --data .data/mfcad --model models/brepnet.onnx
                                --out var/eval/brepnet
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from geometry_service.brepnet_wrapper import BRepNetModel
from geometry_service.recognition.taxonomy import MFCADPP_CLASSES

from .dataset import LabelledPart, load_cached, preprocess, split_of

CLASSES = len(MFCADPP_CLASSES)


@dataclass
class ClassMetrics:
    name: str
    support: int  # true faces of the class
    predicted: int
    precision: float | None
    recall: float | None
    iou: float | None


@dataclass
class Evaluation:
    """Metrics over every labelled face of a set of parts."""

    dataset: str
    parts: int
    faces: int
    face_accuracy: float
    mean_iou: float  # over the classes present in the truth
    per_class: list[ClassMetrics]
    confusion: list[list[int]]  # [true][predicted]

    def to_json(self) -> dict:
        return asdict(self)


def predict(model: BRepNetModel, parts: list[LabelledPart]) -> list[np.ndarray]:
    return [model.logits(part.inputs).argmax(axis=1) for part in parts]


def evaluate(dataset: str, parts: list[LabelledPart], predictions: list[np.ndarray]) -> Evaluation:
    truth = np.concatenate([part.labels for part in parts])
    guess = np.concatenate(predictions)
    known = truth >= 0
    truth, guess = truth[known], guess[known]
    confusion = np.zeros((CLASSES, CLASSES), dtype=np.int64)
    np.add.at(confusion, (truth, guess), 1)
    hits = np.diag(confusion)
    support, predicted = confusion.sum(axis=1), confusion.sum(axis=0)
    union = support + predicted - hits
    per_class = [
        ClassMetrics(
            name,
            int(support[k]),
            int(predicted[k]),
            float(hits[k] / predicted[k]) if predicted[k] else None,
            float(hits[k] / support[k]) if support[k] else None,
            float(hits[k] / union[k]) if support[k] else None,
        )
        for k, name in enumerate(MFCADPP_CLASSES)
    ]
    present = support > 0
    return Evaluation(
        dataset=dataset,
        parts=len(parts),
        faces=int(known.sum()),
        face_accuracy=float(hits.sum() / max(known.sum(), 1)),
        mean_iou=float(np.mean(hits[present] / union[present])) if present.any() else 0.0,
        per_class=per_class,
        confusion=confusion.tolist(),
    )


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}"


def markdown(evaluations: list[Evaluation], header: str) -> str:
    lines = [header, ""]
    for ev in evaluations:
        lines += [
            f"## {ev.dataset}",
            "",
            f"{ev.parts} parts, {ev.faces} faces: "
            f"face accuracy **{100 * ev.face_accuracy:.2f} %**, "
            f"mean IoU {100 * ev.mean_iou:.2f} %.",
            "",
            "| class | faces | precision % | recall % | IoU % |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {c.name} | {c.support} | {_percent(c.precision)} | {_percent(c.recall)} "
            f"| {_percent(c.iou)} |"
            for c in ev.per_class
            if c.support or c.predicted
        ]
        lines.append("")
    return "\n".join(lines)


def confusion_png(evaluation: Evaluation, path: Path) -> None:
    """Row-normalised confusion matrix, log-free so that small confusions stay visible
    as numbers."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    matrix = np.asarray(evaluation.confusion, dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    figure, axes = pyplot.subplots(figsize=(12, 11))
    axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(CLASSES), MFCADPP_CLASSES, rotation=90, fontsize=8)
    axes.set_yticks(range(CLASSES), MFCADPP_CLASSES, fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"{evaluation.dataset}: face accuracy {100 * evaluation.face_accuracy:.2f} %")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            axes.text(
                j,
                i,
                int(count),
                ha="center",
                va="center",
                fontsize=6,
                color="white" if share[i, j] > 0.5 else "black",
            )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def write_report(
    evaluations: list[Evaluation], out: Path, header: str, extra: dict | None = None
) -> None:
    """``report.json``, ``report.md`` and one ``confusion_<dataset>.png`` per evaluation."""
    out.mkdir(parents=True, exist_ok=True)
    payload = {**(extra or {}), "evaluations": [ev.to_json() for ev in evaluations]}
    (out / "report.json").write_text(json.dumps(payload, indent=2))
    (out / "report.md").write_text(markdown(evaluations, header))
    for ev in evaluations:
        confusion_png(ev, out / f"confusion_{ev.dataset}.png")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Evaluate an ONNX model on a folder of labelled STEP files."
    )
    parser.add_argument("--data", type=Path, required=True, help="MFCAD-style or generated folder")
    parser.add_argument("--model", type=Path, default=Path("models/brepnet.onnx"))
    parser.add_argument("--cache", type=Path, default=Path(".data/cache/inputs-1.5"))
    parser.add_argument("--out", type=Path, default=Path("var/eval/brepnet"))
    parser.add_argument("--split", choices=["val", "train", "all"], default="all")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    files = preprocess(args.data, args.cache / args.data.name, limit=args.limit)
    parts = [load_cached(f) for f in files if args.split == "all" or split_of(f.stem) == args.split]
    evaluation = evaluate(args.data.name, parts, predict(BRepNetModel(args.model), parts))
    write_report([evaluation], args.out, f"# {args.model.name} on {args.data} ({args.split})")
    print(
        f"{evaluation.dataset}: {evaluation.parts} parts, "
        f"face accuracy {100 * evaluation.face_accuracy:.2f} %"
    )


if __name__ == "__main__":
    main()
