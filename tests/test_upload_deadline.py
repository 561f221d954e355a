"""A slow upload ends at the request's budget, through a real gunicorn and a real socket."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from scripts.robustness import start_service

BUDGET_S = 3.0


@pytest.fixture(scope="module")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    scratch = tmp_path_factory.mktemp("slow")
    settings = {"REQUEST_BUDGET_S": str(BUDGET_S), "WORKER_COUNT": "1"}
    process, url = start_service(
        scratch, {**settings, "MODEL_PATH": str(scratch / "no-model.onnx")}
    )
    yield int(url.rsplit(":", 1)[1]), url
    process.terminate()
    process.wait(30)


def test_a_dripping_upload_is_answered_408_at_the_budget_and_health_stays_quick(
    service_url,
) -> None:
    port, url = service_url
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.step"\r\n\r\n'
        + b"x" * 1000
    )
    head = (
        f"POST /analyze HTTP/1.1\r\nHost: x\r\nX-Correlation-ID: drip\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {len(body) + 100}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(head)
        started = time.monotonic()
        client.settimeout(0.5)
        answer = b""
        for byte in body:
            client.sendall(bytes([byte]))
            health_started = time.monotonic()
            assert requests.get(f"{url}/health", timeout=5).status_code == 200
            assert time.monotonic() - health_started < 1.0
            try:
                answer = client.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        waited = time.monotonic() - started
        headers, _, payload = answer.partition(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in headers.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        client.settimeout(5)
        while len(payload) < length:
            payload += client.recv(65536)
    assert b" 408 " in headers.split(b"\r\n")[0], headers
    payload = json.loads(payload)
    assert (payload["error"]["code"], payload["correlation_id"]) == ("upload_timeout", "drip")
    assert BUDGET_S - 0.5 <= waited < BUDGET_S + 1.5
