"""Load test: N concurrent clients POST parts to a running service for a while.

    python scripts/load_test.py [--url http://localhost:8080] [--clients 10] [--seconds 60]

The parts are the small generated test parts (7 to about 40 faces, all under
100). Each request sends a copy with a unique header name, so every request
misses the result cache and runs the whole pipeline (``--allow-cache`` sends
the files as they are). Prints p50, p95, p99, throughput and the error rate,
and writes them as JSON to bench/results/load.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import part_builders as parts  # noqa: E402

PART_BUILDERS = {
    "box": parts.box,
    "through_hole": parts.box_with_through_hole,
    "blind_hole": parts.box_with_blind_hole,
    "pocket": parts.box_with_pocket,
    "slot": parts.box_with_slot,
    "step": parts.box_with_step,
    "chamfered_filleted": parts.chamfered_filleted_block,
    "turned_shaft": parts.turned_shaft,
}


def build_parts(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        name: parts.write_step(build(), folder / f"{name}.step").read_bytes()
        for name, build in PART_BUILDERS.items()
    }


def unique_copy(data: bytes) -> bytes:
    """The same part under another header name: a new sha256, so a cache miss."""
    return data.replace(b"FILE_NAME('", f"FILE_NAME('load-{uuid.uuid4().hex}-".encode(), 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(url: str, clients: int, seconds: float, files: dict[str, bytes], allow_cache: bool) -> dict:
    latencies: list[float] = []
    statuses: Counter = Counter()
    tiers: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    names = itertools.cycle(sorted(files))

    def client() -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            with lock:
                name = next(names)
            data = files[name] if allow_cache else unique_copy(files[name])
            started = time.monotonic()
            try:
                response = session.post(
                    f"{url}/analyze", files={"file": (f"{name}.step", data)}, timeout=60
                )
                status = str(response.status_code)
                tier = response.json().get("processing_tier") if response.ok else None
            except requests.RequestException as exc:
                status, tier = type(exc).__name__, None
            elapsed = time.monotonic() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1
                if tier:
                    tiers[tier] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    total = len(latencies)
    errors = total - statuses["200"]
    return {
        "url": url,
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": total,
        "throughput_rps": round(total / wall, 2),
        "error_rate": round(errors / total, 4) if total else None,
        "statuses": dict(statuses),
        "tiers": dict(tiers),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * percentile(latencies, 0.95), 1) if latencies else None,
        "p99_ms": round(1000 * percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(1000 * max(latencies), 1) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8080")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--allow-cache", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args(argv)

    files = build_parts(ROOT / "var" / "load_parts")
    print(
        f"{args.clients} clients for {args.seconds:.0f} s against {args.url} ({len(files)} parts)"
    )
    result = run(args.url.rstrip("/"), args.clients, args.seconds, files, args.allow_cache)
    for key in (
        "requests",
        "throughput_rps",
        "error_rate",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "statuses",
        "tiers",
    ):
        print(f"  {key:15} {result[key]}")
    passed = result["error_rate"] == 0 and result["p95_ms"] is not None and result["p95_ms"] < 2000
    print(f"target (no errors, p95 < 2000 ms): {'PASS' if passed else 'FAIL'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**result, "target_passed": passed}, indent=1))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
