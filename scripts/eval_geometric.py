"""Face-level evaluation of tier 1 (the network), tier 2 (the rules) and the served answer.

``make eval`` runs it on every labelled set we have, each scored face by face
against its labels (matched by STEP face name, never by explorer order):

- ``mfcad``: MFCAD's validation parts (by name hash, as training/ splits);
- ``generated``: the validation parts of training/generator.py's set;
- ``realistic``: the validation parts of training/realistic.py's set (rim
  chamfers and rounds, corner radii and floor fillets, counterbored,
  countersunk and drilled holes, holes in floors, half the parts turned);
- ``rotated``: the same MFCAD validation parts, each turned and moved by a
  random rotation fixed by its name (training/placement.py: geometry
  rewritten exactly, faces and their names kept), so a number that differs
  from ``mfcad`` is a dependence on how the part stands;
- ``tm``: the TurningMilling parts (classes.json, class index = face name).

Per part it runs the worker's ladder (part_analysis.build_ladder: tier 1,
the network combined with the rules, else tier 2, the rules alone) and the
network alone on every face (its argmax, whether or not tier 1 would serve
it), and scores three answers: ``network``, ``rules`` and ``served``, each
mapped onto the set's classes. Per set it prints one table with a row per
class (faces, recall and precision of each answer), the commonest
confusions, which tier served how many parts and why tier 1 declined the
others, and the time per part; then one summary table over the sets. Writes
``<set>.json`` and ``summary.json`` under --out.

The data sets are unpacked by ``make data`` (scripts/unpack_data.sh) into
.data/mfcad and .data/turningmilling; ``make eval-data`` writes the validation
parts it scores into .data/generated and .data/realistic (``make generate``
writes every part of both sets).

    python scripts/eval_geometric.py --sets mfcad rotated --limit 200 --out var/eval
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geometry_service.analysis_request import AnalysisRequest  # noqa: E402
from geometry_service.brepnet_wrapper import model_at  # noqa: E402
from geometry_service.features import Recognition  # noqa: E402
from geometry_service.geometry.brep_graph import build_graph  # noqa: E402
from geometry_service.geometry.cad_reader import CadModel, read_cad, silence_occt  # noqa: E402
from geometry_service.geometry.mesher import mesh_model  # noqa: E402
from geometry_service.geometry.part import Part  # noqa: E402
from geometry_service.graceful_degradation import Tier  # noqa: E402
from geometry_service.part_analysis import PartContext, build_ladder  # noqa: E402
from geometry_service.recognition.taxonomy import MFCADPP_CLASSES  # noqa: E402
from training.dataset import (  # noqa: E402
    face_class_tables,
    name_hash,
    stable_sample,
    validation_sample,
)
from training.placement import placed_model, random_placement  # noqa: E402

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


@dataclass(frozen=True)
class LabelledSet:
    """One labelled set: its folder under --data, label format, split, and whether
    each part is turned before it is read into the graph."""

    folder: str
    kind: str  # "mfcad" (labels.json), "generated" (labels/*.json) or "tm" (classes.json)
    validation_only: bool
    turned: bool = False


SETS = {
    "mfcad": LabelledSet("mfcad", "mfcad", validation_only=True),
    "generated": LabelledSet("generated", "generated", validation_only=True),
    "realistic": LabelledSet("realistic", "generated", validation_only=True),
    "rotated": LabelledSet("mfcad", "mfcad", validation_only=True, turned=True),
    "tm": LabelledSet("turningmilling", "tm", validation_only=False),
}


def check_data(data: Path, name: str) -> Path:
    """The unpacked set's folder, or a clear exit where it is missing."""
    if not (data / "step").is_dir():
        raise SystemExit(
            f"eval_geometric: no {name} data in {data} (expected {data / 'step'}); run "
            "`make data` (MFCAD, TurningMilling) or `make eval-data` (generated, realistic), "
            "or pass --data"
        )
    return data


class Dataset:
    """Truth per face of a part, by the face's STEP name, and the part as read
    (turned, for the rotated set, by a placement fixed by the part's name)."""

    def __init__(self, root: Path, spec: LabelledSet) -> None:
        self.root, self.spec = root, spec
        if spec.kind == "tm":
            self.classes = json.loads((root / "classes.json").read_text())["LABEL_NAMES"]
            self.names = sorted(p.stem for p in (root / "step").glob("*.step"))
        else:
            self._tables = face_class_tables(root)
            self.names = sorted(self._tables)

    def read(self, name: str) -> CadModel:
        model = read_cad(self.root / "step" / f"{name}.step")
        return placed_model(model, random_placement(name_hash(name))) if self.spec.turned else model

    def truth(self, name: str, face_name: str | None) -> str:
        if self.spec.kind == "tm":
            return self.classes[int(face_name)]
        return MFCADPP_CLASSES[self._tables[name][face_name]]

    def predicted(self, label: str, past_centre: bool = False) -> str:
        """Our label for a face in the data set's class names."""
        if self.spec.kind != "tm":
            return label
        if past_centre:
            label = TM_PAST_CENTRE.get(label, label)
        return TM_MAP.get(label, label)

    def recognized(self, recognition: Recognition, face: int) -> str:
        owner = recognition.face_feature[face]
        past_centre = owner is not None and bool(
            recognition.features[owner].parameters.get("past_centre")
        )
        return self.predicted(recognition.face_labels[face], past_centre)


ANSWERS = ("network", "rules", "served")


def evaluate(dataset: Dataset, names: list[str], model_path: Path) -> dict:
    """The three answers' summaries, with how the served one was reached."""
    pairs: dict[str, Counter] = {answer: Counter() for answer in ANSWERS}
    wrong_parts: dict[str, list[str]] = {answer: [] for answer in ANSWERS}
    timings = {"read_ms": [], "graph_ms": [], "mesh_ms": [], "network_ms": [], "served_ms": []}
    tiers: Counter = Counter()
    declined: Counter = Counter()
    network_faces = 0
    errors = {}
    network = model_at(model_path)
    ladder = build_ladder(AnalysisRequest(include_mesh=False, model_path=model_path), None)
    for name in names:
        try:
            model = dataset.read(name)
            graph = build_graph(model)
            started = time.perf_counter()
            prediction = network.predict(graph)
            network_ms = (time.perf_counter() - started) * 1000.0
            started = time.perf_counter()
            context = PartContext(model=model, part=Part.from_graph(graph), mesh=None)
            result = ladder.run(context)
            served_ms = (time.perf_counter() - started) * 1000.0
            mesh = mesh_model(model)
        except Exception as exc:  # noqa: BLE001 - one bad part must not end the evaluation
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        if context.rules is None:  # the rules raised: the ladder fell past both recognizers
            errors[name] = "; ".join(f"{f.code}: {f.reason}" for f in result.degradation)
            continue
        for key, value in zip(
            timings,
            (model.read_ms, graph.build_ms, mesh.mesh_ms, network_ms, served_ms),
            strict=True,
        ):
            timings[key].append(value)
        tiers[result.tier.label] += 1
        declined.update(failure.code for failure in result.degradation)
        recognizers = result.recognition.part_parameters.get("recognizers") or {}
        network_faces += recognizers.get("network_named_faces", 0)
        answers = {
            "network": [dataset.predicted(label) for label in prediction.labels],
            "rules": [dataset.recognized(context.rules, f) for f in range(graph.face_count)],
            "served": [dataset.recognized(result.recognition, f) for f in range(graph.face_count)],
        }
        truth = [dataset.truth(name, face_name) for face_name in graph.face_names]
        for answer, guesses in answers.items():
            pairs[answer].update(zip(truth, guesses, strict=True))
            if any(t != g for t, g in zip(truth, guesses, strict=True)):
                wrong_parts[answer].append(name)
    report = {answer: summarize(pairs[answer], wrong_parts[answer]) for answer in ANSWERS}
    faces = report["served"]["faces"]
    report.update(
        parts=len(names) - len(errors),
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
    """Mean milliseconds per part of each stage, and of all of them together."""
    means = {key: sum(values) / len(values) if values else 0.0 for key, values in timings.items()}
    means["total_ms"] = sum(means.values())
    return means


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def print_report(result: dict, name: str) -> None:
    """One set: accuracy per answer, a row per class, confusions, tiers and times."""
    print(
        f"\n## {name}: {result['parts']} parts, {result['served']['faces']} faces, "
        f"{result['parts_failed']} failed\n"
    )
    print(f"{'answer':8s} {'face acc %':>10s} {'parts with a wrong face':>24s}")
    for answer in ANSWERS:
        report = result[answer]
        print(
            f"{answer:8s} {_share(report['face_accuracy']):>10s} "
            f"{report['parts_with_wrong_faces']:>24d}"
        )
    classes = sorted({cls for answer in ANSWERS for cls in result[answer]["per_class"]})
    print(
        f"\n{'class (recall / precision %)':30s} {'faces':>6s}"
        + "".join(f" {a:>15s}" for a in ANSWERS)
    )
    for cls in classes:
        rows = [result[answer]["per_class"].get(cls) for answer in ANSWERS]
        support = max(row["support"] for row in rows if row)
        cells = "".join(
            f" {'':>15s}"
            if row is None
            else f" {_share(row['recall']):>7s}/{_share(row['precision']):>7s}"
            for row in rows
        )
        print(f"{cls:30s} {support:6d}{cells}")
    for answer in ANSWERS:
        confusions = result[answer]["confusions"][:5]
        if confusions:
            print(
                f"{answer} commonest confusions: "
                + "; ".join(f"{c['truth']} -> {c['predicted']} {c['faces']}" for c in confusions)
            )
    print(
        f"served by: {result['served_by']}; tier 1 declined: {result['tier_1_declined']}; "
        f"faces named by the network: {_share(result['network_named_share'])} %"
    )
    print("mean ms per part: " + ", ".join(f"{k} {v:.1f}" for k, v in result["mean_ms"].items()))


def print_summary(results: dict[str, dict]) -> None:
    """One row per set: face accuracy of each answer, parts tier 1 served, time per part."""
    print("\n## summary (face accuracy %)\n")
    print("| set | parts | faces | network | rules | served | served by tier 1 | ms/part |")
    print("|---|---|---|---|---|---|---|---|")
    for name, result in results.items():
        tier_1 = result["served_by"].get(Tier.BREP_ML.label, 0)
        print(
            f"| {name} | {result['parts']} | {result['served']['faces']} | "
            + " | ".join(_share(result[answer]["face_accuracy"]) for answer in ANSWERS)
            + f" | {tier_1} | {result['mean_ms']['total_ms']:.0f} |"
        )


def main(argv: list[str] | None = None) -> int:
    project = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS))
    parser.add_argument(
        "--data", type=Path, default=project / ".data", help="folder holding the sets' folders"
    )
    parser.add_argument("--limit", type=int, default=300, help="parts per set at most")
    parser.add_argument("--model", type=Path, default=project / "models" / "brepnet.onnx")
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for <set>.json, summary.json"
    )
    args = parser.parse_args(argv)

    silence_occt()
    results = {}
    for name in args.sets:
        spec = SETS[name]
        dataset = Dataset(check_data(args.data / spec.folder, name), spec)
        sample = validation_sample if spec.validation_only else stable_sample
        result = evaluate(dataset, sample(dataset.names, args.limit), args.model)
        result.update(set=name, model=model_at(args.model).version)
        print_report(result, name)
        results[name] = result
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{name}.json").write_text(json.dumps(result, indent=1))
    print_summary(results)
    if args.out:
        summary = {
            name: {
                "model": result["model"],
                "parts": result["parts"],
                "faces": result["served"]["faces"],
                **{answer: result[answer]["face_accuracy"] for answer in ANSWERS},
                "served_by": result["served_by"],
                "mean_ms": result["mean_ms"]["total_ms"],
            }
            for name, result in results.items()
        }
        (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
