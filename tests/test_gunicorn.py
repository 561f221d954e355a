"""The real gunicorn with the service's gunicorn.conf.py, serving a stdlib demo app:
what gunicorn itself answers and writes, before or beside the app."""

from __future__ import annotations

import gc
import json
import os
import re
import runpy
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from geometry_service.config import PROJECT_ROOT

START_TIMEOUT_S = 30.0


@dataclass
class Gunicorn:
    port: int
    home: Path
    log: list[str] = field(default_factory=list)

    def ask(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send ``raw`` as it is; the status, headers and body of the answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(raw)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in header_lines)
        return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    home = tmp_path_factory.mktemp("home")
    runtime = home / "run"
    runtime.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "HTTP_THREADS": "2",
        "LOG_LEVEL": "DEBUG",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            "127.0.0.1:0",
            "wsgiref.simple_server:demo_app",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(process.stderr), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    port = None
    while port is None:
        assert time.monotonic() < deadline and process.poll() is None, (
            f"gunicorn did not start: {log}"
        )
        found = [re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line) for line in list(log)]
        port = next((int(m[1]) for m in found if m), None)
        time.sleep(0.05)
    yield Gunicorn(port, home, log)
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.parametrize(
    "raw, status, code",
    [
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: y\r\n" % n for n in range(200))
            + b"\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (b"NOT A REQUEST\r\n\r\n", 400, "bad_request"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400, "bad_request"),
    ],
)
def test_gunicorns_own_errors_are_json(
    gunicorn: Gunicorn, raw: bytes, status: int, code: str
) -> None:
    answered, headers, body = gunicorn.ask(raw)
    assert answered == status
    assert headers["content-type"] == "application/json"
    answer = json.loads(body)
    assert answer["success"] is False and answer["correlation_id"] == headers["x-correlation-id"]
    assert answer["error"]["code"] == code and answer["error"]["error_type"] == "permanent"
    assert answer["error"]["message"]


def test_the_app_still_answers(gunicorn: Gunicorn) -> None:
    status, _, body = gunicorn.ask(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200 and b"Hello world!" in body


def test_gunicorn_logs_are_json(gunicorn: Gunicorn) -> None:
    gunicorn.ask(b"NOT A REQUEST\r\n\r\n")
    lines = [line for line in list(gunicorn.log) if line.strip()]
    assert lines and all(json.loads(line)["level"] for line in lines)


def test_no_shared_control_socket(gunicorn: Gunicorn) -> None:
    """Stopping one instance used to delete the one per-user socket of every other."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (said := [line for line in list(gunicorn.log) if "Control socket" in line]):
        assert time.monotonic() < deadline, "gunicorn said nothing about its control socket"
        time.sleep(0.05)
    assert "Control socket disabled" in said[0]
    assert sorted(p.name for p in gunicorn.home.rglob("*.ctl")) == []


def test_the_loaded_app_is_kept_out_of_the_collectors_sight() -> None:
    """A full collection over the HTTP process's objects paused every request thread
    for about 50 ms; the hook that runs once the app is loaded freezes them."""
    hooks = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    try:
        hooks["post_worker_init"](SimpleNamespace())  # a worker with no app loaded
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
