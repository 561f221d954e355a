"""Smoke tests against a running service: ``python tests/smoke_tests.py``.

Checks a live deployment (``GEOMETRY_SERVICE_URL``, default
http://localhost:8080) end to end with the standard library only, so it runs
from any machine with Python. ``ADMIN_TOKEN`` and ``SERVICE_API_KEY`` are sent
when set. Prints one line per check and a summary; exits 1 if any check fails.
Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_URL = os.environ.get("GEOMETRY_SERVICE_URL", "http://localhost:8080").rstrip("/")
ADMIN_TOKEN = os.environ.get("ADMIN_TOKEN", "")
SERVICE_API_KEY = os.environ.get("SERVICE_API_KEY", "")
TIMEOUT_S = 60

# A 100 x 60 x 30 mm block with one 4 mm through hole, written by OCCT from
# tests/part_builders.py (box_with_through_hole(diameter=4.0)): small, and real
# enough to exercise the whole pipeline.
PART_PATH = Path(__file__).with_name("smoke_part.step")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    token: str = "",
) -> Reply:
    request = urllib.request.Request(
        BASE_URL + path, data=body, method=method, headers=headers or {}
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def multipart(file_name: str, data: bytes) -> tuple[bytes, dict[str, str]]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def analyze(file_name: str, data: bytes, correlation_id: str) -> Reply:
    body, headers = multipart(file_name, data)
    headers["X-Correlation-ID"] = correlation_id
    return call("POST", "/analyze", body, headers, SERVICE_API_KEY)


# ------------------------------------------------------------------ checks


def check_health() -> str:
    reply = call("GET", "/health")
    assert reply.status == 200, reply.status
    body = reply.json()
    assert body["status"] in ("healthy", "degraded"), body
    return (
        f"status {body['status']}, model {body['versions']['model']}, problems {body['problems']}"
    )


def check_ready() -> str:
    deadline = time.monotonic() + 60
    while (reply := call("GET", "/ready")).status != 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert reply.status == 200, f"not ready after 60 s: {reply.status}"
    return "ready"


def check_analyze_real_part() -> str:
    correlation_id = f"smoke-{uuid.uuid4()}"
    reply = analyze("smoke_part.step", PART_PATH.read_bytes(), correlation_id)
    assert reply.status == 200, (reply.status, reply.body[:500])
    body = reply.json()
    assert body["correlation_id"] == correlation_id
    assert reply.headers.get("X-Correlation-ID") == correlation_id
    assert body["metadata"]["face_count"] == 7, body["metadata"]
    mesh = body["mesh_data"]
    assert mesh["triangle_count"] > 0 and len(mesh["indices"]) == 3 * mesh["triangle_count"]
    holes = [f for f in body["features"] if f["type"] == "through_hole"]
    assert len(holes) == 1, [f["type"] for f in body["features"]]
    diameter = holes[0]["parameters"]["diameter"]
    assert abs(diameter - 4.0) < 1e-6, diameter
    assert holes[0]["family"] == "hole" and body["recommended_processes"] == ["VMC Machining"], body
    assert abs(body["volume_cm3"] * 1000 - body["metadata"]["volume_mm3"]) < 1e-6, body["metadata"]
    return (
        f"{body['processing_tier']} in {body['processing_time_ms']:.0f} ms, "
        f"hole diameter {diameter}"
    )


def check_bad_file_rejected() -> str:
    reply = analyze("not_a_part.step", b"this is not a STEP file", f"smoke-bad-{uuid.uuid4()}")
    assert reply.status == 415, reply.status
    error = reply.json()["error"]
    assert (error["code"], error["error_type"]) == ("not_step", "permanent"), error
    return "415 not_step permanent"


def check_metrics() -> str:
    reply = call("GET", "/metrics", token=ADMIN_TOKEN)
    assert reply.status == 200, reply.status
    assert b"geometry_requests_total" in reply.body
    summary = call("GET", "/metrics?format=json", token=ADMIN_TOKEN).json()
    return f"{summary['requests_total']:.0f} requests, tiers {sorted(summary['tier_distribution'])}"


def check_dlq_stats() -> str:
    reply = call("GET", "/dlq/stats", token=ADMIN_TOKEN)
    assert reply.status == 200, (reply.status, reply.body[:300])
    stats = reply.json()
    recorded = stats["total"] + stats["pending_in_spool"]
    assert recorded >= 1, stats  # the bad file above left a record, in the store or on its way
    return (
        f"{stats['total']} records in the store, {stats['pending_in_spool']} pending, "
        f"by code {stats['by_error_code']}"
    )


def check_circuit_breakers() -> str:
    reply = call("GET", "/circuit-breaker", token=ADMIN_TOKEN)
    assert reply.status == 200, reply.status
    states = {name: stats["state"] for name, stats in reply.json().items()}
    assert set(states) == {"inference", "dlq_store", "download"}, states
    return ", ".join(f"{name} {state}" for name, state in states.items())


def check_unknown_route_is_json() -> str:
    reply = call("GET", "/no-such-route")
    assert reply.status == 404 and reply.json()["error"]["code"] == "not_found"
    return "404 JSON"


CHECKS: list[Callable[[], str]] = [
    check_health,
    check_ready,
    check_analyze_real_part,
    check_bad_file_rejected,
    check_metrics,
    check_dlq_stats,
    check_circuit_breakers,
    check_unknown_route_is_json,
]


def main() -> int:
    print(f"smoke tests against {BASE_URL}")
    failed = 0
    for check in CHECKS:
        name = check.__name__.removeprefix("check_")
        try:
            print(f"  PASS {name}: {check()}")
        except Exception as exc:  # noqa: BLE001 - report every check, then the summary
            failed += 1
            print(f"  FAIL {name}: {type(exc).__name__}: {exc}")
    print(f"{len(CHECKS) - failed}/{len(CHECKS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
