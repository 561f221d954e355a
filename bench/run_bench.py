"""Benchmark the geometry core and check it against its targets: ``make bench``.

Measures, warm and in this process, read / graph / mesh / recognize (and,
with the shipped model, tier 1's input features and inference) for
generated parts (10 to 2,000 faces) and for the MFCAD sample, the NIST parts
and the 20 largest OCCT test files when the shared data is unpacked, with the
server's side of a whole answer for each (worker, pickling, JSON, brotli,
bytes); the peak RSS of this process; and the RSS growth
of one worker process over many mixed parts. Prints a table and PASS / FAIL
per target, writes the figures as JSON, and exits 1 if a target fails.

    python -m bench.run_bench --data .data            # full run (minutes)
    python -m bench.run_bench --data .data --quick    # small parts, short growth run
    # real parts only:
    python -m bench.run_bench --data .data --groups nist occt_step --growth-parts 0
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import tempfile
from pathlib import Path

from geometry_service.analysis_request import AnalysisRequest, blocked_tiers
from geometry_service.brepnet_wrapper import BRepNetModel
from geometry_service.config import Settings
from geometry_service.geometry.cad_reader import silence_occt
from geometry_service.worker_pool import freeze_imports

from .parts import (
    LARGEST_OCCT_STEP,
    BenchPart,
    generated_parts,
    mfcad_sample,
    nist_parts,
    occt_step_largest,
)
from .report import format_report
from .stages import PartTiming, time_part
from .targets import check_targets
from .worker_growth import GrowthResult, measure_growth

DEFAULT_OUT = Path(__file__).parent / "results" / "bench.json"
# Parts larger than this stay out of the growth run: it is about memory, not speed.
GROWTH_MAX_FACES = 500
GROUPS = ["generated", "mfcad", "nist", "occt_step"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--data", type=Path, default=Path(".data"), help="unpacked shared data (mfcad/, nist/)")
    add("--out", type=Path, default=DEFAULT_OUT, help="where the JSON results go")
    add("--quick", action="store_true", help="parts to 306 faces, small samples, short growth run")
    add("--repeats", type=int, help="timed runs per part (default 5, quick 3)")
    add("--part-budget-s", type=float, default=20.0, help="stop repeating a part after this long")
    add("--mfcad", type=int, help="MFCAD parts in the sample (default 50, quick 10)")
    add("--growth-parts", type=int, help="growth run length (default 1000, quick 100; 0: none)")
    add("--groups", nargs="+", choices=GROUPS, default=GROUPS, help="which groups of parts to time")
    add(
        "--model",
        type=Path,
        default=Settings().model_path,
        help="ONNX model for tier 1's stages (skipped if absent)",
    )
    return parser.parse_args(argv)


def time_parts(
    parts: list[BenchPart],
    repeats: int,
    budget_s: float,
    model: BRepNetModel | None,
    request: AnalysisRequest,
) -> tuple[list[PartTiming], dict[str, str]]:
    """Time every part; a part that fails is reported, not fatal."""
    timings, errors = [], {}
    for part in parts:
        try:
            timings.append(time_part(part, repeats, budget_s, model, request))
        except Exception as exc:  # a benchmark reports every part it can
            errors[f"{part.group}/{part.name}"] = f"{type(exc).__name__}: {exc}"
        print(f"  {part.group}/{part.name}", file=sys.stderr, flush=True)
    return timings, errors


def growth_mix(parts: list[BenchPart], timings: list[PartTiming]) -> list[BenchPart]:
    """The parts that read, up to GROWTH_MAX_FACES faces, for the worker growth run."""
    faces = {(timing.group, timing.name): timing.faces for timing in timings}
    return [
        part for part in parts if faces.get((part.group, part.name), math.inf) <= GROWTH_MAX_FACES
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    mfcad_count = args.mfcad if args.mfcad is not None else (10 if args.quick else 50)
    growth_count = args.growth_parts
    if growth_count is None:
        growth_count = 100 if args.quick else 1000
    silence_occt()
    freeze_imports()  # as a worker is set up (worker_pool._init_worker): timed like one
    model = BRepNetModel(args.model) if args.model.is_file() else None
    if model is None:
        print(f"no model at {args.model}: tier 1 stages not timed", file=sys.stderr)
    load_before = os.getloadavg()

    settings = Settings(model_path=args.model)
    request = AnalysisRequest(
        model_path=args.model,
        blocked_tiers=blocked_tiers(settings.model_path, inference_admitted=True),
    )

    with tempfile.TemporaryDirectory(prefix="bench-parts-") as scratch:
        parts = generated_parts(Path(scratch), args.quick) if "generated" in args.groups else []
        if "mfcad" in args.groups:
            parts += mfcad_sample(args.data, mfcad_count)
        if "nist" in args.groups:
            parts += nist_parts(args.data, 3 if args.quick else None)
        if "occt_step" in args.groups:
            parts += occt_step_largest(args.data, 3 if args.quick else LARGEST_OCCT_STEP)
        print(f"timing {len(parts)} parts, {repeats} warm repeats each", file=sys.stderr)
        timings, errors = time_parts(parts, repeats, args.part_budget_s, model, request)
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10

        growth: GrowthResult | None = None
        mix = growth_mix(parts, timings)
        if growth_count > 0 and mix:
            print(f"worker growth over {growth_count} parts ({len(mix)} distinct)", file=sys.stderr)
            growth = measure_growth(mix, growth_count)

    targets = check_targets(timings, growth)
    load_after = os.getloadavg()
    print(f"{os.cpu_count()} CPUs; load average {load_before[0]:.1f}, then {load_after[0]:.1f}")
    print(format_report(timings, errors, peak_rss_mb, growth, targets))

    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        "settings": {
            "quick": args.quick,
            "groups": args.groups,
            "repeats": repeats,
            "part_budget_s": args.part_budget_s,
            "model": model.version if model is not None else None,
            "clock": "stages in process CPU time, wall_ms in wall-clock time",
        },
        "parts": [timing.to_json() for timing in timings],
        "errors": errors,
        "peak_rss_mb": peak_rss_mb,
        "growth": growth.to_json() if growth is not None else None,
        "targets": [result.to_json() for result in targets],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"results: {args.out}")
    return 1 if any(result.status == "FAIL" for result in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
