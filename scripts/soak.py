"""Soak: clients for a minute against one service, mixing good parts, hostile files, slow uploads.

    python scripts/soak.py [--url http://localhost:8080] [--clients 10] [--slow-clients 2]
                           [--seconds 60] [--out var/soak/soak.json]

Without ``--url`` it starts the service itself (gunicorn on a free port, the
embedded defaults: scripts/robustness.py's ``start_service``) and stops it
after. Of the clients, ``--slow-clients`` drip a good part over a socket,
by turns quickly enough to finish inside the request budget and too slowly
to (the service must answer 408 at the budget and not hold a thread longer);
the others send good parts (built with OCP, a fresh copy each time so every
one misses the result cache: scripts/load_test.py's helpers) and, every
fourth request, a hostile file: bytes that are no CAD file, a truncated
STEP, an empty file. A probe asks /health twice a second throughout.

Prints p50/p95/p99 per kind of request, the answers by status and error
code, the slowest /health, and the RSS of every process of the service
(gunicorn, its HTTP worker, the geometry workers; found from the listening
port with --url) before and after; writes it all as JSON. Exits 1 when a
target fails: no 5xx other than 503 (designed overload), every request
answered, /health always under 1 s. `make soak`; not in CI.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import random
import select
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.load_test import build_parts, percentile, unique_copy  # noqa: E402
from scripts.robustness import print_targets, start_service  # noqa: E402

HOSTILE_EVERY = 4
"""Every fourth request of a fast client sends a hostile file."""
DRIP_SECONDS = (10.0, 40.0)
"""How long the slow clients take to send one upload, by turns: inside and past the
service's default 25 s budget."""
DRIP_INTERVAL_S = 0.25
HEALTH_EVERY_S = 0.5
HEALTH_LIMIT_S = 1.0
CLIENT_TIMEOUT_S = 90.0


@dataclass
class Outcome:
    kind: str  # good, hostile or slow
    name: str
    status: str  # the HTTP status, or the exception's name when no answer came
    code: str | None  # the error code of a refusal
    seconds: float


@dataclass
class HealthProbe:
    probes: int = 0
    failures: int = 0
    slowest_ms: float = 0.0
    slowest_at_s: float = 0.0


def hostile_files(good: dict[str, bytes]) -> dict[str, bytes]:
    """Bytes that are no CAD file, the first half of the largest good part, nothing at all."""
    largest = max(good.values(), key=len)
    return {
        "not_cad": random.Random(17).randbytes(32 * 1024),
        "truncated_step": largest[: len(largest) // 2],
        "empty": b"",
    }


def post_file(session: requests.Session, url: str, kind: str, name: str, data: bytes) -> Outcome:
    started = time.monotonic()
    try:
        response = session.post(
            f"{url}/analyze", files={"file": (f"{name}.step", data)}, timeout=CLIENT_TIMEOUT_S
        )
    except requests.RequestException as exc:
        return Outcome(kind, name, type(exc).__name__, None, time.monotonic() - started)
    return Outcome(
        kind,
        name,
        str(response.status_code),
        _error_code(response.content),
        time.monotonic() - started,
    )


def drip_upload(url: str, name: str, data: bytes, seconds: float) -> Outcome:
    """POST ``data`` as multipart field "file" over a plain socket, in even pieces spread
    over ``seconds``; stop sending once the service answers (it may, at its budget)."""
    boundary = "soak-drip-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}.step"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    target = urlsplit(url)
    head = (
        f"POST /analyze HTTP/1.1\r\nHost: {target.netloc}\r\nConnection: close\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    pieces = max(1, int(seconds / DRIP_INTERVAL_S))
    size = -(-len(body) // pieces)
    started = time.monotonic()
    try:
        with socket.create_connection(
            (target.hostname, target.port or 80), timeout=CLIENT_TIMEOUT_S
        ) as sock:
            sock.sendall(head)
            for offset in range(0, len(body), size):
                if select.select([sock], [], [], 0)[0]:
                    break  # answered before the upload ended
                try:
                    sock.sendall(body[offset : offset + size])
                except OSError:
                    break  # the service closed its side; its answer is there to read
                time.sleep(DRIP_INTERVAL_S)
            response = http.client.HTTPResponse(sock)
            response.begin()
            status, payload = response.status, response.read()
    except OSError as exc:
        return Outcome("slow", name, type(exc).__name__, None, time.monotonic() - started)
    return Outcome("slow", name, str(status), _error_code(payload), time.monotonic() - started)


def _error_code(payload: bytes) -> str | None:
    try:
        body = json.loads(payload)
    except ValueError:
        return "not_json"
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def run(
    url: str,
    clients: int,
    slow_clients: int,
    seconds: float,
    good: dict[str, bytes],
    hostile: dict[str, bytes],
) -> tuple[list[Outcome], HealthProbe]:
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    began = time.monotonic()
    stop_at = began + seconds
    good_names = itertools.cycle(sorted(good))
    hostile_names = itertools.cycle(sorted(hostile))
    health = HealthProbe()

    def record(outcome: Outcome) -> None:
        with lock:
            outcomes.append(outcome)

    def fast_client() -> None:
        session = requests.Session()
        for turn in itertools.count(1):
            if time.monotonic() >= stop_at:
                return
            with lock:
                name = next(hostile_names) if turn % HOSTILE_EVERY == 0 else next(good_names)
            if name in hostile:
                record(post_file(session, url, "hostile", name, hostile[name]))
            else:
                record(post_file(session, url, "good", name, unique_copy(good[name])))

    def slow_client(first: int) -> None:
        for turn in itertools.count(first):
            if time.monotonic() >= stop_at:
                return
            with lock:
                name = next(good_names)
            record(
                drip_upload(
                    url, name, unique_copy(good[name]), DRIP_SECONDS[turn % len(DRIP_SECONDS)]
                )
            )

    def probe_health() -> None:
        while time.monotonic() < stop_at:
            started = time.monotonic()
            try:
                ok = requests.get(f"{url}/health", timeout=10).status_code == 200
            except requests.RequestException:
                ok = False
            elapsed_ms = 1000 * (time.monotonic() - started)
            health.probes += 1
            health.failures += not ok
            if elapsed_ms > health.slowest_ms:
                health.slowest_ms, health.slowest_at_s = (
                    round(elapsed_ms, 1),
                    round(started - began, 1),
                )
            time.sleep(HEALTH_EVERY_S)

    threads = [threading.Thread(target=probe_health)]
    threads += [
        threading.Thread(target=slow_client, args=(index,)) for index in range(slow_clients)
    ]
    threads += [threading.Thread(target=fast_client) for _ in range(clients - slow_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, health


# ------------------------------------------------------------------ processes


def service_root(url: str, started: psutil.Process | None) -> psutil.Process | None:
    """The service's top process: the one started here, else the process listening on
    the URL's port on this machine (None when it is not local), climbed up to the
    gunicorn master (a gunicorn worker runs the same command line as its master)."""
    if started is not None:
        return started
    port = urlsplit(url).port or 80
    listening = next(
        (
            c.pid
            for c in psutil.net_connections("tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid
        ),
        None,
    )
    if listening is None:
        return None
    process = psutil.Process(listening)
    while (parent := process.parent()) is not None and parent.cmdline() == process.cmdline():
        process = parent
    return process


def rss_snapshot(root: psutil.Process | None) -> list[dict]:
    """RSS of the service's processes, each named by its part in the service."""
    if root is None:
        return []
    snapshot = []
    for process in [root, *root.children(recursive=True)]:
        try:
            snapshot.append(
                {
                    "pid": process.pid,
                    "role": _role(process, root),
                    "rss_mb": round(process.memory_info().rss / 2**20, 1),
                }
            )
        except psutil.NoSuchProcess:
            continue
    return snapshot


def _role(process: psutil.Process, root: psutil.Process) -> str:
    """Geometry workers are forked from the forkserver and so carry its command line."""
    if process.pid == root.pid:
        return "gunicorn master"
    if process.ppid() == root.pid:
        return "HTTP worker"
    parent = process.parent()
    if parent is not None and "forkserver" in " ".join(parent.cmdline()):
        return "geometry worker"
    command = " ".join(process.cmdline())
    for role in ("forkserver", "resource_tracker"):
        if role in command:
            return role.replace("_", " ")
    return "other"


# ------------------------------------------------------------------ report


def summarize(outcomes: list[Outcome], health: HealthProbe, seconds: float) -> dict:
    def latency(kind: str | None) -> dict:
        values = [o.seconds for o in outcomes if kind is None or o.kind == kind]
        if not values:
            return {"requests": 0}
        return {
            "requests": len(values),
            "p50_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * percentile(values, 0.95), 1),
            "p99_ms": round(1000 * percentile(values, 0.99), 1),
            "max_ms": round(1000 * max(values), 1),
        }

    statuses = Counter(o.status for o in outcomes)
    errors = Counter(f"{o.status} {o.code}" for o in outcomes if o.status != "200")
    good_done = sum(o.kind == "good" and o.status == "200" for o in outcomes)
    return {
        "latency": {kind or "all": latency(kind) for kind in (None, "good", "hostile", "slow")},
        "good_parts_per_s": round(good_done / seconds, 2),
        "statuses": dict(sorted(statuses.items())),
        "errors_by_status_and_code": dict(sorted(errors.items())),
        "by_kind": {
            kind: dict(
                Counter(f"{o.status} {o.code or ''}".strip() for o in outcomes if o.kind == kind)
            )
            for kind in ("good", "hostile", "slow")
        },
        "health": asdict(health),
        "targets": {
            "no 5xx but 503": not any(
                o.status.startswith("5") and o.status != "503" for o in outcomes
            ),
            "every request answered": all(o.status.isdigit() for o in outcomes),
            f"/health always under {HEALTH_LIMIT_S:.0f} s": (
                health.failures == 0 and health.slowest_ms < 1000 * HEALTH_LIMIT_S
            ),
        },
    }


def print_report(summary: dict, before: list[dict], after: list[dict]) -> None:
    print(f"\n{'requests':<10}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, row in summary["latency"].items():
        cells = "".join(
            f"{row.get(key, '-'):>10}" for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")
        )
        print(f"{kind:<10}{row['requests']:>6}{cells}")
    print(f"\ngood parts answered 200 per s: {summary['good_parts_per_s']}")
    print("statuses: " + ", ".join(f"{status} x{n}" for status, n in summary["statuses"].items()))
    print(
        "errors by status and code: "
        + (
            ", ".join(f"{key} x{n}" for key, n in summary["errors_by_status_and_code"].items())
            or "none"
        )
    )
    for kind, answers in summary["by_kind"].items():
        print(f"  {kind:<8} " + ", ".join(f"{key} x{n}" for key, n in sorted(answers.items())))
    health = summary["health"]
    print(
        f"/health: {health['probes']} probes, {health['failures']} failed, "
        f"slowest {health['slowest_ms']} ms at {health['slowest_at_s']} s"
    )
    print(f"\n{'process':<18}{'pid':>8}{'RSS before MB':>15}{'RSS after MB':>14}")
    after_by_pid = {row["pid"]: row for row in after}
    before_pids = {row["pid"] for row in before}
    for row in before:
        later = after_by_pid.get(row["pid"], {}).get("rss_mb", "gone")
        print(f"{row['role']:<18}{row['pid']:>8}{row['rss_mb']:>15}{later:>14}")
    for row in after:
        if row["pid"] not in before_pids:
            print(f"{row['role']:<18}{row['pid']:>8}{'new':>15}{row['rss_mb']:>14}")
    print(
        f"{'total':<18}{'':>8}{sum(r['rss_mb'] for r in before):>15.1f}"
        f"{sum(r['rss_mb'] for r in after):>14.1f}"
    )
    print_targets(summary["targets"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running service; started here when absent")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--slow-clients", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "soak" / "soak.json")
    args = parser.parse_args()
    if not 0 <= args.slow_clients <= args.clients:
        parser.error("--slow-clients must lie in 0..--clients")

    good = build_parts(ROOT / "var" / "load_parts")
    hostile = hostile_files(good)
    with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
        process, url = (None, args.url.rstrip("/")) if args.url else start_service(Path(scratch))
        try:
            root = service_root(url, psutil.Process(process.pid) if process else None)
            before = rss_snapshot(root)
            print(
                f"soak: {args.clients} clients ({args.slow_clients} dripping uploads) for "
                f"{args.seconds:.0f} s against {url}; {len(good)} good parts, "
                f"{len(hostile)} hostile files"
            )
            began = time.monotonic()
            outcomes, health = run(
                url, args.clients, args.slow_clients, args.seconds, good, hostile
            )
            wall = time.monotonic() - began
            after = rss_snapshot(root)
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    summary = summarize(outcomes, health, wall)
    print_report(summary, before, after)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "url": url,
                "clients": args.clients,
                "slow_clients": args.slow_clients,
                "seconds": round(wall, 1),
                "summary": summary,
                "rss_before": before,
                "rss_after": after,
                "requests": [asdict(o) for o in outcomes],
            },
            indent=1,
        )
    )
    print(f"\nwritten: {args.out}")
    return 0 if all(summary["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
