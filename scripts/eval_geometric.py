"""Face-level evaluation of the rules and of the served answer on labelled parts.

Runs the worker's ladder (part_analysis.build_ladder: tier 1, the network
combined with the rules, else tier 2, the rules alone) on a stable sample of
the MFCAD parts (labels.json, face id = ADVANCED_FACE name) or the
TurningMilling parts (classes.json, class index = ADVANCED_FACE name), and
scores two answers per part: the rules alone (tier 2) and the one the
service serves. Both label sets are mapped onto the dataset's classes; for
each answer it prints face accuracy, per-class recall and precision and the
commonest confusions, then which tier served how many parts and why tier 1
declined the others, and the time spent per part reading, meshing and
recognizing. Writes the same as JSON to --out.

The data sets are unpacked by `make data` (scripts/unpack_data.sh) into
.data/mfcad and .data/turningmilling; --data names another folder. MFCAD's
validation parts (--split val) are those the network was not trained on.

    python scripts/eval_geometric.py --split val --out var/eval/geometric_mfcad.json
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

from geometry_service.analysis_request import AnalysisRequest  # noqa: E402
from geometry_service.features import Recognition  # noqa: E402
from geometry_service.geometry.brep_graph import build_graph  # noqa: E402
from geometry_service.geometry.cad_reader import read_cad, silence_occt  # noqa: E402
from geometry_service.geometry.mesher import mesh_model  # noqa: E402
from geometry_service.geometry.part import Part  # noqa: E402
from geometry_service.part_analysis import PartContext, build_ladder  # noqa: E402
from training.dataset import split_of  # noqa: E402

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


ANSWERS = ("rules", "served")


def evaluate(dataset: Dataset, names: list[str]) -> dict:
    """Both answers' summaries, with how the served one was reached."""
    pairs: dict[str, Counter] = {answer: Counter() for answer in ANSWERS}
    wrong_parts: dict[str, list[str]] = {answer: [] for answer in ANSWERS}
    timings = {"read_ms": [], "graph_ms": [], "mesh_ms": [], "recognize_ms": []}
    tiers: Counter = Counter()
    declined: Counter = Counter()
    network_faces = 0
    errors = {}
    ladder = build_ladder(AnalysisRequest(include_mesh=False), None)
    for name in names:
        try:
            model = read_cad(dataset.path(name))
            graph = build_graph(model)
            started = time.perf_counter()
            context = PartContext(model=model, part=Part.from_graph(graph), mesh=None)
            result = ladder.run(context)
            recognize_ms = (time.perf_counter() - started) * 1000.0
            mesh = mesh_model(model)
        except Exception as exc:  # noqa: BLE001 - one bad part must not end the evaluation
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        timings["read_ms"].append(model.read_ms)
        timings["graph_ms"].append(graph.build_ms)
        timings["mesh_ms"].append(mesh.mesh_ms)
        timings["recognize_ms"].append(recognize_ms)
        tiers[result.tier.label] += 1
        declined.update(failure.code for failure in result.degradation)
        recognizers = result.recognition.part_parameters.get("recognizers") or {}
        network_faces += recognizers.get("network_named_faces", 0)
        for answer, recognition in zip(ANSWERS, (context.rules, result.recognition), strict=True):
            part_wrong = 0
            for face, face_name in enumerate(graph.face_names):
                truth = dataset.truth(name, face_name)
                guess = dataset.predicted(recognition, face)
                pairs[answer][(truth, guess)] += 1
                part_wrong += truth != guess
            if part_wrong:
                wrong_parts[answer].append(name)
    report = {answer: summarize(pairs[answer], wrong_parts[answer]) for answer in ANSWERS}
    faces = report["served"]["faces"]
    report.update(
        parts=len(names),
        parts_failed=len(errors),
        errors=errors,
        served_by=dict(tiers),
        tier_1_declined=dict(declined),
        network_named_faces=network_faces,
        network_named_share=network_faces / faces if faces else 0.0,
        mean_ms=_means(timings),
    )
    return report


def summarize(pairs: Counter, wrong_parts: list) -> dict:
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
    return {
        "parts_with_wrong_faces": len(wrong_parts),
        "faces": total,
        "face_accuracy": correct / total if total else 0.0,
        "per_class": per_class,
        "confusions": [
            {"truth": t, "predicted": g, "faces": n} for (t, g), n in pairs.most_common() if t != g
        ][:20],
        "wrong_parts": wrong_parts[:50],
    }


def _means(timings: dict) -> dict:
    means = {key: sum(values) / len(values) if values else 0.0 for key, values in timings.items()}
    read_mesh = means["read_ms"] + means["mesh_ms"]
    means["recognize_over_read_mesh"] = means["recognize_ms"] / read_mesh if read_mesh else None
    return means


def print_report(result: dict, kind: str) -> None:
    print(f"{kind}: {result['parts']} parts, {result['parts_failed']} failed")
    for answer in ANSWERS:
        report = result[answer]
        print(
            f"\n{answer}: {report['faces']} faces, face accuracy {report['face_accuracy']:.4f}, "
            f"{report['parts_with_wrong_faces']} parts with a wrong face"
        )
        print(f"{'class':28s} {'support':>8s} {'recall':>8s} {'precision':>9s}")
        for cls, row in report["per_class"].items():
            recall = "-" if row["recall"] is None else f"{row['recall']:.4f}"
            precision = "-" if row["precision"] is None else f"{row['precision']:.4f}"
            print(f"{cls:28s} {row['support']:8d} {recall:>8s} {precision:>9s}")
        if report["confusions"]:
            print("commonest confusions (truth -> predicted: faces):")
            for row in report["confusions"][:10]:
                print(f"  {row['truth']} -> {row['predicted']}: {row['faces']}")
    print(
        f"\nserved by: {result['served_by']}; tier 1 declined: {result['tier_1_declined']}; "
        f"faces named by the network: {result['network_named_share']:.4f}"
    )
    ms = result["mean_ms"]
    print(
        "mean per part: "
        + ", ".join(f"{k} {v:.1f}" for k, v in ms.items() if k != "recognize_over_read_mesh")
        + f"; recognize / (read + mesh) = {ms['recognize_over_read_mesh']:.3f}"
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
    parser.add_argument(
        "--split",
        choices=["all", "val"],
        default="all",
        help=(
            "val: only the parts the network was not trained on (by name hash, as training/ splits)"
        ),
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    silence_occt()
    data = (
        args.data or Path(__file__).resolve().parents[1] / ".data" / DEFAULT_FOLDERS[args.dataset]
    )
    dataset = Dataset(check_data(data, args.dataset), args.dataset)
    names = [n for n in dataset.names if args.split == "all" or split_of(n) == "val"]
    result = evaluate(dataset, stable_sample(names, args.limit))
    result["dataset"] = args.dataset
    print_report(result, args.dataset)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
