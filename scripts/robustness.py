"""Every real file through a running service: what each one is answered, and how fast.

    python scripts/robustness.py [--data .data] [--url http://localhost:8080] [--out FILE]

Without ``--url`` it starts the service itself (gunicorn on a free port, the
embedded defaults, failure records in a temporary folder) and stops it after.
Every file of ``occt_step/`` and ``nist/`` under ``--data`` is POSTed to
``/analyze`` once, one at a time. Prints a table (status codes, answering
tiers, degradation codes, the slowest files) and writes every answer's summary
as JSON. Exits 1 when a target fails: no 5xx, every file with faces answered
200, none over 30 s, no tier raising an exception.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SETS = ("occt_step", "nist")
CAD_SUFFIXES = {".step", ".stp", ".igs", ".iges"}
SLOW_S = 30.0
NO_GEOMETRY_CODES = {"no_geometry", "empty_file"}
"""Refusals that are right for a file: nothing in it to draw."""
TIER_EXCEPTION_CODES = {"tier_failed", "graph_failed"}
"""Degradation codes that mean our code raised on a real file: a bug, not a degradation."""


@dataclass
class FileOutcome:
    set: str
    name: str
    size: int
    status: int
    seconds: float
    tier: str | None = None
    error_code: str | None = None
    degradation: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    faces: int | None = None
    features: int | None = None
    file_format: str | None = None

    @property
    def failed_server_side(self) -> bool:
        """A 5xx, or no answer at all (status 0: the connection failed or timed out)."""
        return self.status >= 500 or self.status == 0

    @property
    def tier_exception(self) -> bool:
        return any(code in TIER_EXCEPTION_CODES for code in self.degradation)


def cad_files(data: Path) -> list[tuple[str, Path]]:
    found = []
    for name in SETS:
        folder = data / name
        found += [
            (name, path)
            for path in sorted(folder.rglob("*"))
            if path.suffix.lower() in CAD_SUFFIXES
        ]
    return found


def analyze(url: str, set_name: str, path: Path, timeout_s: float) -> FileOutcome:
    started = time.monotonic()
    with open(path, "rb") as handle:
        response = requests.post(
            f"{url}/analyze",
            files={"file": (path.name, handle)},
            headers={"X-Correlation-ID": f"robustness-{path.stem}"},
            timeout=timeout_s,
        )
    seconds = time.monotonic() - started
    outcome = FileOutcome(set_name, path.name, path.stat().st_size, response.status_code, seconds)
    try:
        body = response.json()
    except ValueError:
        outcome.error_code = "not_json"
        return outcome
    if body.get("success"):
        metadata = body.get("metadata") or {}
        outcome.tier = body.get("processing_tier")
        outcome.degradation = [item["code"] for item in body.get("degradation", [])]
        outcome.warnings = body.get("warnings", [])
        outcome.faces = metadata.get("face_count")
        outcome.features = len(body.get("features") or [])
        outcome.file_format = metadata.get("file_format")
    else:
        outcome.error_code = (body.get("error") or {}).get("code")
    return outcome


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_service(
    scratch: Path, settings: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """gunicorn on the embedded defaults (or ``settings`` over them), every file it writes
    (failure records, training candidates, its log) in ``scratch``; the process and its
    URL once it is ready."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DLQ_SQLITE_PATH": str(scratch / "dlq.sqlite3"),
        "DLQ_SPOOL_PATH": str(scratch / "dlq_spool.sqlite3"),
        "TRAINING_CANDIDATES_DIR": str(scratch / "training_candidates"),
        "LOG_LEVEL": "WARNING",
        **(settings or {}),
    }
    log = open(scratch / "service.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "geometry_service.app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"the service exited with {process.returncode}; see {scratch / 'service.log'}"
            )
        try:
            if requests.get(f"{url}/ready", timeout=2).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("the service did not become ready within 180 s")


def summarize(outcomes: list[FileOutcome]) -> dict:
    refused_with_faces = [
        o.name for o in outcomes if o.status != 200 and o.error_code not in NO_GEOMETRY_CODES
    ]
    slowest = sorted(outcomes, key=lambda o: o.seconds, reverse=True)[:5]
    return {
        "files": len(outcomes),
        "status": dict(sorted(Counter(str(o.status) for o in outcomes).items())),
        "error_codes": dict(Counter(o.error_code for o in outcomes if o.error_code).most_common()),
        "tiers": dict(sorted(Counter(o.tier for o in outcomes if o.tier).items())),
        "degradation_codes": dict(
            Counter(c for o in outcomes for c in set(o.degradation)).most_common()
        ),
        "file_formats": dict(
            Counter(o.file_format for o in outcomes if o.file_format).most_common()
        ),
        "sewn_or_surface": sum(
            any("sewn" in w or "surface model" in w for w in o.warnings) for o in outcomes
        ),
        "slowest": [(o.name, round(o.seconds, 2)) for o in slowest],
        "targets": {
            "no 5xx": not any(o.failed_server_side for o in outcomes),
            "every file with faces answered 200": not refused_with_faces,
            f"none over {SLOW_S:.0f} s": all(o.seconds <= SLOW_S for o in outcomes),
            "no tier exception": not any(o.tier_exception for o in outcomes),
        },
        "refused": refused_with_faces,
        "tier_exceptions": [o.name for o in outcomes if o.tier_exception],
        "server_errors": [
            (o.name, o.status, o.error_code) for o in outcomes if o.failed_server_side
        ],
    }


def print_table(summary: dict) -> None:
    print(f"\n{summary['files']} files")
    for title in ("status", "error_codes", "tiers", "degradation_codes", "file_formats"):
        cells = ", ".join(f"{key} {count}" for key, count in summary[title].items()) or "-"
        print(f"  {title:<18} {cells}")
    print(f"  {'sewn or surface':<18} {summary['sewn_or_surface']}")
    print(f"  {'slowest (s)':<18} " + ", ".join(f"{name} {s}" for name, s in summary["slowest"]))
    for title in ("refused", "tier_exceptions", "server_errors"):
        if summary[title]:
            print(f"  {title:<18} {summary[title][:20]}")
    print_targets(summary["targets"])


def print_targets(targets: dict[str, bool]) -> None:
    print("\ntarget                                 result")
    for name, passed in targets.items():
        print(f"  {name:<36} {'PASS' if passed else 'FAIL'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / ".data")
    parser.add_argument("--url", help="a running service; started here when absent")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "robustness" / "robustness.json")
    parser.add_argument("--timeout", type=float, default=120.0, help="client timeout per file, s")
    args = parser.parse_args()

    files = cad_files(args.data)
    if not files:
        print(
            f"robustness: no files under {args.data}/{{{','.join(SETS)}}}; run `make data`",
            file=sys.stderr,
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="robustness-") as scratch:
        process, url = (None, args.url) if args.url else start_service(Path(scratch))
        try:
            outcomes = []
            for index, (set_name, path) in enumerate(files, 1):
                try:
                    outcome = analyze(url, set_name, path, args.timeout)
                except requests.RequestException as exc:
                    outcome = FileOutcome(
                        set_name,
                        path.name,
                        path.stat().st_size,
                        0,
                        args.timeout,
                        error_code=type(exc).__name__,
                    )
                outcomes.append(outcome)
                print(
                    f"[{index}/{len(files)}] {outcome.status} {outcome.seconds:6.2f}s "
                    f"{outcome.tier or outcome.error_code} {set_name}/{path.name}",
                    flush=True,
                )
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    summary = summarize(outcomes)
    print_table(summary)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"summary": summary, "files": [asdict(o) for o in outcomes]}, indent=1)
    )
    print(f"\nwritten: {args.out}")
    return 0 if all(summary["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
