"""Labelled parts as network inputs: STEP + labels -> cached graph arrays.

Two label formats, both keyed by the STEP name of each face (never by
explorer order, which a STEP round trip does not keep):
- MFCAD: one ``labels.json`` with ``{"classes": [...], "labels": {part: [class per face name]}}``,
  the face names being ``"0"``, ``"1"``, ...;
- generated (training/generator.py): ``labels/NAME.json`` beside ``step/NAME.step`` with
  ``{"faces": {face name: {"label": class name, "instance": id}}}``.

Reading a STEP file and building its graph costs 10-50 ms, so every part is
read once, in parallel, and cached as an ``.npz`` file; training loads the cache.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.cad_reader import read_cad, silence_occt
from geometry_service.graph_features import INPUT_NAMES, GraphInputs, graph_inputs
from geometry_service.recognition.taxonomy import MFCADPP_CLASSES

CLASS_INDEX = {name: index for index, name in enumerate(MFCADPP_CLASSES)}
UNLABELLED = -1
VALIDATION_SHARE = 10  # one part in ten, chosen by a hash of its name


@dataclass
class LabelledPart:
    """One part's network inputs and its true class index per face (-1: no label)."""

    name: str
    inputs: GraphInputs
    labels: np.ndarray  # int64 (F,)


def split_of(name: str) -> str:
    """``"val"`` or ``"train"``: stable across runs and machines, and independent of order."""
    return "val" if name_hash(name) % VALIDATION_SHARE == 0 else "train"


def name_hash(name: str) -> int:
    """A number fixed by a part's name alone (the first 32 bits of its SHA-1)."""
    return int(hashlib.sha1(name.encode()).hexdigest()[:8], 16)


def stable_sample(names: list[str], limit: int) -> list[str]:
    """The same ``limit`` parts on every run and machine: sorted by a hash of the name."""
    return sorted(names, key=name_hash)[:limit]


def validation_sample(names: list[str], limit: int) -> list[str]:
    """The ``limit`` validation parts of ``names`` that the evaluation scores
    (scripts/eval_geometric.py), and so the ones the generator writes for it
    (``--validation-sample``)."""
    return stable_sample([name for name in names if split_of(name) == "val"], limit)


def face_class_tables(root: Path) -> dict[str, dict[str, int]]:
    """Part name -> (face STEP name -> index into MFCADPP_CLASSES), for a folder in
    either format."""
    mfcad = root / "labels.json"
    if mfcad.is_file():
        data = json.loads(mfcad.read_text())
        ours = [CLASS_INDEX[name] for name in data["classes"]]
        return {
            part: {str(face): ours[label] for face, label in enumerate(labels)}
            for part, labels in data["labels"].items()
        }
    tables = {}
    for path in sorted((root / "labels").glob("*.json")):
        faces = json.loads(path.read_text())["faces"]
        tables[path.stem] = {face: CLASS_INDEX[entry["label"]] for face, entry in faces.items()}
    return tables


def load_part(step_path: Path, face_classes: dict[str, int]) -> LabelledPart:
    """Read one STEP file and label its faces by their STEP names."""
    model = read_cad(step_path)
    graph = build_graph(model)
    labels = np.array(
        [face_classes.get(name, UNLABELLED) if name else UNLABELLED for name in graph.face_names],
        dtype=np.int64,
    )
    return LabelledPart(step_path.stem, graph_inputs(graph), labels)


def save_part(part: LabelledPart, path: Path) -> None:
    np.savez(path, labels=part.labels, **part.inputs.feed())


def load_cached(path: Path) -> LabelledPart:
    with np.load(path) as data:
        inputs = GraphInputs(*(data[name] for name in INPUT_NAMES))
        return LabelledPart(path.stem, inputs, data["labels"])


def _preprocess_one(job: tuple[Path, dict[str, int], Path]) -> str | None:
    """Worker: cache one part; returns an error line instead of raising, so one bad part
    does not stop the run."""
    step_path, face_classes, target = job
    try:
        save_part(load_part(step_path, face_classes), target)
    except Exception as exc:  # noqa: BLE001 - reported and skipped
        return f"{step_path.name}: {type(exc).__name__}: {exc}"
    return None


def preprocess(root: Path, cache: Path, workers: int = 2, limit: int | None = None) -> list[Path]:
    """Cache every labelled part of ``root`` under ``cache``; returns the cache files.

    Parts already cached are not read again, so an interrupted run resumes.
    """
    from tqdm import tqdm

    cache.mkdir(parents=True, exist_ok=True)
    tables = face_class_tables(root)
    names = sorted(tables)[:limit] if limit else sorted(tables)
    jobs = [
        (root / "step" / f"{name}.step", tables[name], cache / f"{name}.npz")
        for name in names
        if not (cache / f"{name}.npz").is_file()
    ]
    errors = []
    with multiprocessing.get_context("forkserver").Pool(workers, silence_occt) as pool:
        for error in tqdm(
            pool.imap_unordered(_preprocess_one, jobs, chunksize=16),
            total=len(jobs),
            desc=f"graphs {root.name}",
            file=sys.stderr,
        ):
            if error:
                errors.append(error)
    for error in errors[:20]:
        print(f"skipped {error}", file=sys.stderr)
    return [cache / f"{name}.npz" for name in names if (cache / f"{name}.npz").is_file()]


def collate(parts: list[LabelledPart]) -> tuple[GraphInputs, np.ndarray]:
    """Several parts as one disconnected graph: indices shifted by the counts before them."""
    faces = np.cumsum([0] + [len(p.labels) for p in parts])[:-1]
    edges = np.cumsum([0] + [len(p.inputs.edge_features) for p in parts])[:-1]
    coedges = np.cumsum([0] + [len(p.inputs.coedge_face) for p in parts])[:-1]

    def joined(name: str, offsets: np.ndarray | None) -> np.ndarray:
        arrays = [getattr(p.inputs, name) for p in parts]
        if offsets is not None:
            arrays = [array + offset for array, offset in zip(arrays, offsets, strict=True)]
        return np.concatenate(arrays)

    inputs = GraphInputs(
        face_features=joined("face_features", None),
        edge_features=joined("edge_features", None),
        coedge_features=joined("coedge_features", None),
        coedge_face=joined("coedge_face", faces),
        coedge_edge=joined("coedge_edge", edges),
        coedge_next=joined("coedge_next", coedges),
        coedge_prev=joined("coedge_prev", coedges),
        coedge_mate=joined("coedge_mate", coedges),
    )
    return inputs, np.concatenate([p.labels for p in parts])
