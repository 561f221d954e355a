"""Face-level evaluation of the rule-based recognizer on labelled parts.

Runs tier 2 (geometric_fallback.recognize_features) on a stable sample of the
MFCAD parts (labels.json, face id = ADVANCED_FACE name) or the
TurningMilling parts (classes.json, class index = ADVANCED_FACE name), maps
both label sets onto the dataset's classes and prints face accuracy,
per-class recall and precision, the commonest confusions and the time spent
per part reading, meshing and recognizing. Writes the same as JSON to --out.

The data sets are unpacked by `make data` (scripts/unpack_data.sh) into
.data/mfcad and .data/turningmilling; --data names another folder.

    python scripts/eval_geometric.py --limit 500 --out var/eval/geometric_mfcad.json
    python scripts/eval_geometric.py --dataset tm --data .data/turningmilling
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geometry_service.features import Recognition  # noqa: E402
from geometry_service.geometric_fallback import recognize_features  # noqa: E402
from geometry_service.geometry.brep_graph import build_graph  # noqa: E402
from geometry_service.geometry.mesher import mesh_model  # noqa: E402
from geometry_service.geometry.cad_reader import read_cad, silence_occt  # noqa: E402

DEFAULT_FOLDERS = {"mfcad": "mfcad", "tm": "turningmilling"}

# Our types onto the TurningMilling classes; a type not listed counts as itself
# (and so as wrong wherever the dataset has no such class).
TM_MAP = {
    "turned_diameter": "step",
    "turned_face": "step",
    "taper": "step",
    "round": "fillet",
    "Oring": "groove",
    "triangular_pocket": "rectangular_pocket",
    "6sides_pocket": "rectangular_pocket",
    "circular_end_pocket": "rectangular_pocket",
    "triangular_passage": "rectangular_passage",
    "6sides_passage": "rectangular_passage",
}

# TurningMilling's generator cuts its radial "through_hole" and
# "rectangular_passage" from the surface to 2 mm past the centre line, so on
# a solid bar they are a blind hole and a pocket. The rules report what is
# there, flagged past_centre; for this data set that flag names the class.
TM_PAST_CENTRE = {
    "blind_hole": "through_hole",
    "rectangular_pocket": "rectangular_passage",
    "rectangular_blind_slot": "rectangular_passage",
    "rectangular_through_slot": "rectangular_passage",
}


def check_data(data: Path, dataset: str) -> Path:
    """The unpacked dataset folder, or a clear exit where it is missing."""
    if not (data / "step").is_dir():
        raise SystemExit(
            f"eval_geometric: no {dataset} data in {data} (expected {data / 'step'}); "
            "run `make data` to unpack the shared data sets, or pass --data FOLDER"
        )
    return data


def stable_sample(names: list[str], limit: int) -> list[str]:
    """The same parts on every run: sorted by a hash of the name."""
    return sorted(names, key=lambda n: hashlib.sha1(n.encode()).hexdigest())[:limit]


class Dataset:
    """Truth per face of a part, by the face's STEP name."""

    def __init__(self, root: Path, kind: str) -> None:
        self.root, self.kind = root, kind
        if kind == "mfcad":
            labels = json.loads((root / "labels.json").read_text())
            self.classes = labels["classes"]
            self._labels = labels["labels"]
            self.names = list(self._labels)
        else:
            self.classes = json.loads((root / "classes.json").read_text())["LABEL_NAMES"]
            self.names = [p.stem for p in (root / "step").glob("*.step")]

    def path(self, name: str) -> Path:
        return self.root / "step" / f"{name}.step"

    def truth(self, name: str, face_name: str | None) -> str:
        if self.kind == "mfcad":
            return self.classes[self._labels[name][int(face_name)]]
        return self.classes[int(face_name)]

    def predicted(self, recognition: Recognition, face: int) -> str:
        """Our label for a face in the data set's class names."""
        label = recognition.face_labels[face]
        if self.kind != "tm":
            return label
        owner = recognition.face_feature[face]
        if owner is not None and recognition.features[owner].parameters.get("past_centre"):
            label = TM_PAST_CENTRE.get(label, label)
        return TM_MAP.get(label, label)


def evaluate(dataset: Dataset, names: list[str]) -> dict:
    pairs: Counter = Counter()
    timings = {"read_ms": [], "graph_ms": [], "mesh_ms": [], "recognize_ms": []}
    errors, wrong_parts = {}, []
    for name in names:
        try:
            model = read_cad(dataset.path(name))
            graph = build_graph(model)
            started = time.perf_counter()
            recognition = recognize_features(graph)
            recognize_ms = (time.perf_counter() - started) * 1000.0
            mesh = mesh_model(model)
        except Exception as exc:  # noqa: BLE001 - one bad part must not end the evaluation
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        timings["read_ms"].append(model.read_ms)
        timings["graph_ms"].append(graph.build_ms)
        timings["mesh_ms"].append(mesh.mesh_ms)
        timings["recognize_ms"].append(recognize_ms)
        part_wrong = 0
        for face, face_name in enumerate(graph.face_names):
            truth = dataset.truth(name, face_name)
            guess = dataset.predicted(recognition, face)
            pairs[(truth, guess)] += 1
            part_wrong += truth != guess
        if part_wrong:
            wrong_parts.append(name)
    return summarize(pairs, timings, errors, wrong_parts, len(names))


def summarize(pairs: Counter, timings: dict, errors: dict, wrong_parts: list, parts: int) -> dict:
    total = sum(pairs.values())
    correct = sum(n for (t, g), n in pairs.items() if t == g)
    classes = sorted({t for t, _ in pairs} | {g for _, g in pairs})
    per_class = {}
    for cls in classes:
        tp = pairs[(cls, cls)]
        support = sum(n for (t, _), n in pairs.items() if t == cls)
        predicted = sum(n for (_, g), n in pairs.items() if g == cls)
        per_class[cls] = {
            "support": support,
            "recall": tp / support if support else None,
            "precision": tp / predicted if predicted else None,
        }

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    means = {key: mean(values) for key, values in timings.items()}
    read_mesh = means["read_ms"] + means["mesh_ms"]
    return {
        "parts": parts,
        "parts_failed": len(errors),
        "parts_with_wrong_faces": len(wrong_parts),
        "faces": total,
        "face_accuracy": correct / total if total else 0.0,
        "per_class": per_class,
        "confusions": [
            {"truth": t, "predicted": g, "faces": n} for (t, g), n in pairs.most_common() if t != g
        ][:20],
        "mean_ms": means,
        "recognize_over_read_mesh": means["recognize_ms"] / read_mesh if read_mesh else None,
        "errors": errors,
        "wrong_parts": wrong_parts[:50],
    }


def print_report(result: dict, kind: str) -> None:
    print(
        f"{kind}: {result['parts']} parts, {result['faces']} faces, "
        f"{result['parts_failed']} failed, {result['parts_with_wrong_faces']} with a wrong face"
    )
    print(f"face accuracy: {result['face_accuracy']:.4f}")
    print(f"{'class':28s} {'support':>8s} {'recall':>8s} {'precision':>9s}")
    for cls, row in result["per_class"].items():
        recall = "-" if row["recall"] is None else f"{row['recall']:.4f}"
        precision = "-" if row["precision"] is None else f"{row['precision']:.4f}"
        print(f"{cls:28s} {row['support']:8d} {recall:>8s} {precision:>9s}")
    if result["confusions"]:
        print("commonest confusions (truth -> predicted: faces):")
        for row in result["confusions"][:10]:
            print(f"  {row['truth']} -> {row['predicted']}: {row['faces']}")
    ms = result["mean_ms"]
    print(
        "mean per part: "
        + ", ".join(f"{k} {v:.1f}" for k, v in ms.items())
        + f"; recognize / (read + mesh) = {result['recognize_over_read_mesh']:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DEFAULT_FOLDERS), default="mfcad")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="unpacked dataset folder (default: .data/mfcad or .data/turningmilling)",
    )
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    silence_occt()
    data = args.data or Path(__file__).resolve().parents[1] / ".data" / DEFAULT_FOLDERS[args.dataset]
    dataset = Dataset(check_data(data, args.dataset), args.dataset)
    result = evaluate(dataset, stable_sample(dataset.names, args.limit))
    result["dataset"] = args.dataset
    print_report(result, args.dataset)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
