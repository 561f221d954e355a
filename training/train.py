"""Train the BRepNet on MFCAD and generated parts, export ONNX, write the evaluation report.

Reproducible: one seed fixes the weights, the batch order and the split (the
split is a hash of each part's name). CPU by default, a GPU when there is one.
Checkpoints after every epoch (``last.pt``, and ``best.pt`` by validation face
accuracy); ``--resume`` continues from ``last.pt``.

    python -m training.train --epochs 30 --model-out models/brepnet.onnx
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from geometry_service.brepnet_wrapper import BRepNetModel

from .dataset import LabelledPart, collate, load_cached, preprocess, split_of
from .evaluate import Evaluation, evaluate, predict, write_report
from .export import export_onnx
from .model import BRepNet, ModelConfig


@dataclass
class TrainSettings:
    data: list[Path] = field(
        default_factory=lambda: [
            Path(".data/mfcad"),
            Path(".data/generated"),
            Path(".data/realistic"),
        ]
    )
    repeat: list[int] = field(
        default_factory=lambda: [1, 3, 2]
    )  # per data folder: copies of its train parts per epoch
    cache: Path = Path(".data/cache/inputs-1.5")  # input arrays: new folder per input change
    out: Path = Path("var/train/brepnet")
    model_out: Path = Path("models/brepnet.onnx")
    version: str = "brepnet-1.6.0"
    epochs: int = 12
    parts_per_batch: int = 32
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    hidden: int = 64
    layers: int = 3
    seed: int = 0
    threads: int = field(
        default_factory=lambda: os.cpu_count() or 1
    )  # torch intra-op threads on the CPU
    workers: int = 2
    limit: int | None = None  # parts per data folder, for quick runs
    max_steps: int | None = None  # stop early, for the smoke test in CI
    resume: bool = False


@dataclass
class TrainResult:
    model: BRepNet
    onnx_path: Path
    evaluations: list[Evaluation]
    seconds: float
    device: str
    train_parts: int
    val_parts: int


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _load(settings: TrainSettings) -> dict[str, dict[str, list[LabelledPart]]]:
    """Per data folder: its train and val parts, preprocessed into the cache first."""
    sets = {}
    for root in settings.data:
        if not root.is_dir():
            print(f"no data at {root}, skipped", file=sys.stderr)
            continue
        files = preprocess(root, settings.cache / root.name, settings.workers, settings.limit)
        parts = [load_cached(f) for f in files]
        sets[root.name] = {
            "train": [p for p in parts if split_of(p.name) == "train"],
            "val": [p for p in parts if split_of(p.name) == "val"],
        }
    return sets


def _tensors(
    parts: list[LabelledPart], device: torch.device
) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    inputs, labels = collate(parts)
    return tuple(torch.from_numpy(a).to(device) for a in inputs.arrays()), torch.from_numpy(
        labels
    ).to(device)


def _accuracy(model: BRepNet, parts: list[LabelledPart], device: torch.device) -> float:
    model.eval()
    hits = total = 0
    with torch.no_grad():
        for start in range(0, len(parts), 256):
            inputs, labels = _tensors(parts[start : start + 256], device)
            known = labels >= 0
            hits += int((model(*inputs).argmax(dim=1)[known] == labels[known]).sum())
            total += int(known.sum())
    return hits / max(total, 1)


def train(settings: TrainSettings) -> TrainResult:
    started = time.perf_counter()
    _seed_everything(settings.seed)
    torch.set_num_threads(settings.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sets = _load(settings)
    repeats = dict(zip((root.name for root in settings.data), settings.repeat, strict=False))
    train_parts = [p for name, s in sets.items() for p in s["train"] * repeats.get(name, 1)]
    val_parts = [p for s in sets.values() for p in s["val"]]
    distinct_train = sum(len(s["train"]) for s in sets.values())
    if not train_parts:
        raise SystemExit("no training parts")

    model = BRepNet(ModelConfig(hidden=settings.hidden, layers=settings.layers)).to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    steps_per_epoch = -(-len(train_parts) // settings.parts_per_batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, settings.learning_rate, total_steps=settings.epochs * steps_per_epoch
    )
    loss_function = nn.CrossEntropyLoss(ignore_index=-1)
    settings.out.mkdir(parents=True, exist_ok=True)
    first_epoch, best = 0, -1.0
    if settings.resume and (settings.out / "last.pt").is_file():
        state = torch.load(settings.out / "last.pt", map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        first_epoch, best = state["epoch"] + 1, state["best"]

    from tqdm import tqdm

    steps = 0
    for epoch in range(first_epoch, settings.epochs):
        model.train()
        shuffled = np.random.default_rng(settings.seed + epoch).permutation(len(train_parts))
        batches = [
            shuffled[i : i + settings.parts_per_batch]
            for i in range(0, len(shuffled), settings.parts_per_batch)
        ]
        progress = tqdm(
            batches, desc=f"epoch {epoch + 1}/{settings.epochs}", file=sys.stderr, mininterval=5
        )
        for batch in progress:
            inputs, labels = _tensors([train_parts[i] for i in batch], device)
            loss = loss_function(model(*inputs), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            steps += 1
            progress.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
            if settings.max_steps and steps >= settings.max_steps:
                break
        accuracy = _accuracy(model, val_parts, device) if val_parts else 0.0
        print(f"epoch {epoch + 1}: val face accuracy {100 * accuracy:.3f} %", file=sys.stderr)
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "epoch": epoch,
            "best": max(best, accuracy),
            "config": model.config.to_json(),
        }
        torch.save(state, settings.out / "last.pt")
        if accuracy > best:
            best = accuracy
            torch.save(state, settings.out / "best.pt")
        if settings.max_steps and steps >= settings.max_steps:
            break

    model.load_state_dict(torch.load(settings.out / "best.pt", map_location=device)["model"])
    model = model.cpu()
    seconds = time.perf_counter() - started
    summary = {
        "train_parts": str(distinct_train),
        "val_parts": str(len(val_parts)),
        "train_seconds": f"{seconds:.0f}",
        "device": device.type,
    }
    onnx_path = export_onnx(model, settings.model_out, settings.version, summary)
    runtime = BRepNetModel(onnx_path)
    evaluations = [
        evaluate(f"{name}_val", s["val"], predict(runtime, s["val"]))
        for name, s in sets.items()
        if s["val"]
    ]
    settings_json = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()}
    settings_json["data"] = [str(p) for p in settings.data]
    write_report(
        evaluations,
        settings.out,
        f"# {settings.version}: evaluation on the validation splits",
        {"settings": settings_json, **summary},
    )
    return TrainResult(
        model, onnx_path, evaluations, seconds, device.type, distinct_train, len(val_parts)
    )


def main() -> None:
    defaults = TrainSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", default=defaults.data)
    parser.add_argument("--repeat", type=int, nargs="+", default=defaults.repeat)
    for name in ("cache", "out", "model_out"):
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=Path, default=getattr(defaults, name)
        )
    for name in ("version",):
        parser.add_argument(f"--{name}", default=getattr(defaults, name))
    for name in (
        "epochs",
        "parts_per_batch",
        "hidden",
        "layers",
        "seed",
        "threads",
        "workers",
        "limit",
        "max_steps",
    ):
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name)
        )
    for name in ("learning_rate", "weight_decay"):
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name)
        )
    parser.add_argument("--resume", action="store_true")
    settings = TrainSettings(**vars(parser.parse_args()))
    result = train(settings)
    for evaluation in result.evaluations:
        print(
            f"{evaluation.dataset}: face accuracy {100 * evaluation.face_accuracy:.3f} %, "
            f"mean IoU {100 * evaluation.mean_iou:.2f} %"
        )
    print(
        json.dumps(
            {
                "seconds": round(result.seconds),
                "device": result.device,
                "onnx": str(result.onnx_path),
            }
        )
    )


if __name__ == "__main__":
    main()
