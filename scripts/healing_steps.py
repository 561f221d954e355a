"""Which of the STEP reader's ShapeFix steps real files need: answers with steps off, compared.

    python scripts/healing_steps.py [--data .data] [--mfcad 50] [--baseline SET]
        [--candidate SET ...] [--greedy MODE,MODE,...] [--out FILE]

A SET is the whole set of ``FixShape.*`` modes switched off (comma-separated,
the ``FixShape.`` prefix optional): ``default`` is the reader's own
``cad_reader.SKIPPED_SHAPE_FIXES``, ``full`` switches nothing off
(STEP_FULL_HEALING=1), ``all`` every mode; ``default+A,B`` adds modes to the
reader's own. Every STEP file of ``occt_step/`` and ``nist/`` and ``--mfcad``
MFCAD parts (a fixed stride through the sorted list) is read once per set, each
read in a worker process with a hard timeout (a file that crashes or hangs OCCT
counts as failed and kills only its worker), and summarised as the service
would answer it: faces, solids, closed or not, volume (the B-Rep graph's exact
one, or the mesh's where there is no solid), surface area, the rules' features
(types and counts) and face labels, the read's CPU ms (the fastest of
``--repeats``). A file is *identical* under a set when every one of those but
the time equals the baseline's (volume and area to 1e-9 relative, 1e-6 mm³/mm²
absolute), *different* otherwise, *failed* when its worker crashed, timed out
or raised where the baseline did not.

``--greedy`` searches in the order given: starting from the baseline's set,
each mode is added and kept when no file changes. A rejected step stops at the
first file that differs (files that differed before are tried first), so its
counts are partial; an accepted one ran every file.

Prints a table (per set: identical, different, failed, total read CPU
against the baseline's) with the files that differ and how, and writes
everything as JSON. Results are cached per file and set in ``--cache``, so a
rerun only reads what it has not.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import resource
import sys
import time
from collections import Counter
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEP_SUFFIXES = {".step", ".stp"}
PREFIX = "FixShape."
VOLUME_RELATIVE = 1e-9
VOLUME_ABSOLUTE = 1e-6
COMPARED = ("faces", "solids", "closed", "volume", "area", "features", "labels", "error")
MEMORY_LIMIT = 8 * 2**30


def real_files(data: Path, mfcad: int) -> list[tuple[str, Path]]:
    """(set, path) of every STEP file of occt_step and nist, and an MFCAD sample."""
    found = []
    for name in ("occt_step", "nist"):
        found += [
            (name, path)
            for path in sorted((data / name).rglob("*"))
            if path.suffix.lower() in STEP_SUFFIXES
        ]
    parts = sorted((data / "mfcad" / "step").glob("*.step"))
    if parts and mfcad > 0:
        stride = max(1, len(parts) // mfcad)
        found += [("mfcad", path) for path in parts[::stride][:mfcad]]
    return found


def mode_set(text: str) -> tuple[str, ...] | None:
    """The modes a SET names, sorted; None for ``full`` (every step on)."""
    from geometry_service.geometry import cad_reader

    if text == "full":
        return None
    if text == "all":
        return tuple(sorted(PREFIX + name for name in all_modes()))
    modes: set[str] = set()
    if text == "default" or text.startswith("default+"):
        modes.update(cad_reader.SKIPPED_SHAPE_FIXES)
        text = text.removeprefix("default").removeprefix("+")
    for name in filter(None, (item.strip() for item in text.split(","))):
        full_name = name if name.startswith(PREFIX) else PREFIX + name
        if full_name.removeprefix(PREFIX) not in all_modes():
            raise SystemExit(f"unknown ShapeFix mode {name!r}; known: {', '.join(all_modes())}")
        modes.add(full_name)
    return tuple(sorted(modes))


@functools.cache
def all_modes() -> list[str]:
    """The names of OCCT's ``FixShape.*`` parameters (without the prefix)."""
    from OCP.DE import DE_ShapeFixParameters
    from OCP.STEPControl import STEPControl_Reader

    reader = STEPControl_Reader()  # the parameters live in the transfer actor a read makes
    reader.ReadFile(str(ROOT / "tests" / "smoke_part.step"))
    reader.SetShapeFixParameters(DE_ShapeFixParameters())
    parameters = reader.GetShapeFixParameters()
    return [name for name in KNOWN_MODES if parameters.IsBound(_ascii(PREFIX + name))]


def _ascii(text: str):
    from OCP.TCollection import TCollection_AsciiString

    return TCollection_AsciiString(text)


KNOWN_MODES = """FixFreeShellMode FixFreeFaceMode FixFreeWireMode FixSameParameterMode FixSolidMode
FixShellOrientationMode CreateOpenSolidMode FixShellMode FixFaceOrientationMode FixFaceMode
FixWireMode FixOrientationMode FixAddNaturalBoundMode FixMissingSeamMode FixSmallAreaWireMode
RemoveSmallAreaFaceMode FixIntersectingWiresMode FixLoopWiresMode FixSplitFaceMode
AutoCorrectPrecisionMode ModifyTopologyMode ModifyGeometryMode ClosedWireMode
PreferencePCurveMode FixReorderMode FixSmallMode FixConnectedMode FixEdgeCurvesMode
FixDegeneratedMode FixLackingMode FixSelfIntersectionMode RemoveLoopMode FixReversed2dMode
FixRemovePCurveMode FixRemoveCurve3dMode FixAddPCurveMode FixAddCurve3dMode FixSeamMode
FixShiftedMode FixEdgeSameParameterMode FixNotchedEdgesMode FixTailMode
FixSelfIntersectingEdgeMode FixIntersectingEdgesMode FixNonAdjacentIntersectingEdgesMode
FixVertexPositionMode FixVertexToleranceMode""".split()


def set_name(modes: tuple[str, ...] | None) -> str:
    if modes is None:
        return "full"
    return ",".join(mode.removeprefix(PREFIX) for mode in modes) or "none off"


# --- in the worker -------------------------------------------------------------------------


def _worker_start() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    from geometry_service.geometry.cad_reader import silence_occt

    silence_occt()


def summarize_file(path: str, modes: tuple[str, ...] | None, repeats: int) -> dict[str, Any]:
    """Read ``path`` with ``modes`` off (None: full healing) and what the service answers of it."""
    from geometry_service.errors import PermanentError
    from geometry_service.geometric_fallback import recognize_features
    from geometry_service.geometry import cad_reader
    from geometry_service.geometry.mesh_measures import mesh_volume
    from geometry_service.geometry.mesher import mesh_model
    from geometry_service.geometry.part import Part

    cad_reader.SKIPPED_SHAPE_FIXES = modes or ()
    read_ms = math.inf
    for _ in range(repeats):
        started = time.process_time()
        try:
            model = cad_reader.read_cad(Path(path), full_healing=modes is None)
        except PermanentError as exc:
            return {"error": f"refused: {exc.code}", "read_ms": None}
        read_ms = min(read_ms, (time.process_time() - started) * 1000.0)
    summary: dict[str, Any] = {
        "faces": model.face_count,
        "solids": model.solid_count,
        "closed": model.closed,
        "read_ms": round(read_ms, 2),
        "error": None,
    }
    if model.closed and model.faces_without_surface < model.face_count:
        try:
            part = Part.from_model(model)
            recognition = recognize_features(part)
        except Exception as exc:  # what the service degrades on; a change all the same
            summary["error"] = f"graph: {type(exc).__name__}: {exc}"[:200]
            return summary
        summary["volume"] = part.volume
        summary["area"] = float(part.graph.face_area.sum())
        summary["features"] = dict(sorted(Counter(f.type for f in recognition.features).items()))
        summary["labels"] = dict(sorted(Counter(recognition.face_labels).items()))
    else:
        try:
            mesh = mesh_model(model)
        except Exception as exc:  # the service would answer an error: a change all the same
            summary["error"] = f"mesh: {type(exc).__name__}: {exc}"[:200]
            return summary
        summary["volume"] = mesh_volume(mesh.vertices, mesh.indices)
        summary["area"] = None
        summary["features"] = None
        summary["labels"] = None
    return summary


# --- in the parent ----------------------------------------------------------------------------


def _key(path: Path, modes: tuple[str, ...] | None) -> str:
    stat = path.stat()
    return f"{path.name}|{stat.st_size}|{int(stat.st_mtime)}|{set_name(modes)}"


class Runner:
    """Summaries of (file, set), from the cache or from a pool of worker processes."""

    def __init__(self, workers: int, timeout_s: float, repeats: int, cache: Path | None):
        self.workers, self.timeout_s, self.repeats, self.cache_path = (
            workers,
            timeout_s,
            repeats,
            cache,
        )
        self.cache: dict[str, dict] = {}
        if cache is not None and cache.exists():
            self.cache = json.loads(cache.read_text())

    def save(self) -> None:
        if self.cache_path is not None:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            self.cache_path.write_text(json.dumps(self.cache))

    def run(
        self,
        files: list[tuple[str, Path]],
        modes: tuple[str, ...] | None,
        stop=lambda path, summary: False,
    ) -> dict[str, dict]:
        """Every file's summary under ``modes`` (fewer when ``stop`` says so on one)."""
        results: dict[str, dict] = {}
        todo = []
        for _, path in files:
            cached = self.cache.get(_key(path, modes))
            if cached is None:
                todo.append(path)
                continue
            results[path.name] = cached
            if stop(path, cached):
                return results
        if not todo:
            return results
        with ProcessPool(max_workers=self.workers, max_tasks=50, initializer=_worker_start) as pool:
            futures: list[tuple[Path, Future]] = [
                (
                    path,
                    pool.schedule(
                        summarize_file,
                        args=(str(path), modes, self.repeats),
                        timeout=self.timeout_s,
                    ),
                )
                for path in todo
            ]
            for path, future in futures:
                try:
                    summary = future.result()
                except FutureTimeout:
                    summary = {"error": f"failed: over {self.timeout_s:.0f} s", "read_ms": None}
                except ProcessExpired as exc:
                    summary = {"error": f"failed: worker died ({exc.exitcode})", "read_ms": None}
                except Exception as exc:
                    summary = {"error": f"failed: {type(exc).__name__}: {exc}"[:200]}
                    summary["read_ms"] = None
                self.cache[_key(path, modes)] = summary
                results[path.name] = summary
                if stop(path, summary):
                    for _, pending in futures:
                        pending.cancel()
                    break
        self.save()
        return results


def _close(left, right) -> bool:
    if left is None or right is None:
        return left is right
    return abs(left - right) <= max(VOLUME_ABSOLUTE, VOLUME_RELATIVE * max(abs(left), abs(right)))


def changes(before: dict, after: dict) -> list[str]:
    """What differs between two summaries of one file, as short phrases."""
    found = []
    for field in COMPARED:
        left, right = before.get(field), after.get(field)
        if field in ("volume", "area"):
            if not _close(left, right):
                found.append(f"{field} {_number(left)} -> {_number(right)}")
        elif left != right:
            if isinstance(left, dict) and isinstance(right, dict):
                delta = {
                    k: right.get(k, 0) - left.get(k, 0)
                    for k in left.keys() | right.keys()
                    if left.get(k, 0) != right.get(k, 0)
                }
                found.append(f"{field} {dict(sorted(delta.items()))}")
            else:
                found.append(f"{field} {left!r} -> {right!r}")
    return found


def _number(value) -> str:
    return "-" if value is None else f"{value:,.6g}"


def compare(
    files: list[tuple[str, Path]], baseline: dict[str, dict], results: dict[str, dict]
) -> dict[str, Any]:
    identical, different, failed = [], {}, {}
    read_base = read_set = 0.0
    for _, path in files:
        if path.name not in results:
            continue
        before, after = baseline[path.name], results[path.name]
        after_failed = str(after.get("error") or "").startswith("failed")
        if after_failed and not str(before.get("error") or "").startswith("failed"):
            failed[path.name] = after["error"]
            continue
        found = changes(before, after)
        if found:
            different[path.name] = found
        else:
            identical.append(path.name)
        if before.get("read_ms") is not None and after.get("read_ms") is not None:
            read_base += before["read_ms"]
            read_set += after["read_ms"]
    return {
        "files": sum(path.name in results for _, path in files),
        "identical": len(identical),
        "different": different,
        "failed": failed,
        "read_ms_baseline": round(read_base, 1),
        "read_ms": round(read_set, 1),
    }


def greedy(
    runner: Runner,
    files: list[tuple[str, Path]],
    start: tuple[str, ...] | None,
    baseline: dict[str, dict],
    order: list[str],
) -> list[dict[str, Any]]:
    """Add each mode of ``order`` to the set when no file's answer changes."""
    kept = set(start or ())
    suspects: list[str] = []  # files that differed under an earlier step: tried first
    steps = []
    for name in order:
        mode = name if name.startswith(PREFIX) else PREFIX + name
        if mode in kept:
            continue
        candidate = tuple(sorted(kept | {mode}))
        ordered = sorted(files, key=lambda item: item[1].name not in suspects)

        def differs(path: Path, summary: dict) -> bool:
            return bool(compare([("", path)], baseline, {path.name: summary})["identical"] == 0)

        results = runner.run(ordered, candidate, stop=differs)
        outcome = compare(ordered, baseline, results)
        accepted = not outcome["different"] and not outcome["failed"]
        if accepted:
            kept.add(mode)
        else:
            suspects += [
                n for n in [*outcome["different"], *outcome["failed"]] if n not in suspects
            ]
        steps.append(
            {
                "mode": mode,
                "set": set_name(candidate),
                "accepted": accepted,
                "partial": not accepted,
            }
            | outcome
        )
        print(_row(f"+{mode.removeprefix(PREFIX)}", steps[-1]), flush=True)
    return steps


def _row(label: str, outcome: dict[str, Any]) -> str:
    different, failed = len(outcome["different"]), len(outcome["failed"])
    mark = "" if not outcome.get("partial") else " (stopped at the first)"
    kept = {True: "  kept", False: "  rejected", None: ""}[outcome.get("accepted")]
    speed = (
        f"{outcome['read_ms']:>10,.0f} {outcome['read_ms_baseline']:>10,.0f}"
        if outcome["read_ms_baseline"]
        else f"{'-':>10} {'-':>10}"
    )
    first = next(iter({**outcome["different"], **outcome["failed"]}.items()), None)
    why = f"  e.g. {first[0]}: {first[1]}" if first else ""
    return (
        f"{label[:60]:<60} {outcome['files']:>5} {outcome['identical']:>9} {different:>9}"
        f" {failed:>6} {speed}{mark}{kept}{why}"
    )[:400]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT / ".data")
    parser.add_argument("--mfcad", type=int, default=50, help="MFCAD parts in the sample")
    parser.add_argument("--baseline", default="default", help="the set compared against")
    parser.add_argument("--candidate", action="append", default=[], help="a set to compare")
    parser.add_argument("--greedy", help="modes to add one at a time, most costly first")
    parser.add_argument(
        "--greedy-from", help="the set the greedy search starts from (the baseline's)"
    )
    parser.add_argument("--only", help="only files whose names contain this (comma-separated)")
    parser.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per file and set")
    parser.add_argument("--repeats", type=int, default=1, help="reads per file: fastest counts")
    parser.add_argument("--cache", type=Path, default=ROOT / "var/healing/cache.json")
    parser.add_argument("--out", type=Path, default=ROOT / "var/healing/healing_steps.json")
    args = parser.parse_args()

    files = real_files(args.data, args.mfcad)
    if args.only:
        wanted = args.only.split(",")
        files = [item for item in files if any(w in item[1].name for w in wanted)]
    if not files:
        raise SystemExit(f"no STEP files under {args.data} (make data)")
    runner = Runner(args.workers, args.timeout, args.repeats, args.cache)
    baseline_modes = mode_set(args.baseline)
    started = time.monotonic()
    baseline = runner.run(files, baseline_modes)
    print(
        f"{len(files)} files ({dict(Counter(kind for kind, _ in files))}); "
        f"baseline {args.baseline} = {set_name(baseline_modes)} "
        f"({time.monotonic() - started:.0f} s)"
    )
    header = (
        f"{'set (modes off)':<60} {'files':>5} {'identical':>9} {'different':>9} {'failed':>6}"
        f" {'read ms':>10} {'baseline':>10}"
    )
    print(header)
    report: dict[str, Any] = {
        "baseline": {"name": args.baseline, "modes": baseline_modes, "files": baseline},
        "candidates": [],
        "greedy": None,
    }
    for text in args.candidate:
        modes = mode_set(text)
        outcome = compare(files, baseline, runner.run(files, modes)) | {"set": set_name(modes)}
        report["candidates"].append({"name": text, "modes": modes} | outcome)
        print(_row(text, outcome), flush=True)
    if args.greedy:
        start = mode_set(args.greedy_from) if args.greedy_from else baseline_modes
        report["greedy"] = greedy(runner, files, start, baseline, args.greedy.split(","))
        kept = sorted({s["mode"] for s in report["greedy"] if s["accepted"]} | set(start or ()))
        print(f"\nkept: {set_name(tuple(kept))}")
    for entry in report["candidates"] + (report["greedy"] or []):
        for name, found in {**entry["different"], **entry["failed"]}.items():
            label = entry.get("name") or "+" + entry["mode"].removeprefix(PREFIX)
            print(f"  {label[:40]}: {name}: {found}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
