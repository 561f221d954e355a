"""Downloads by URL against a real file host on loopback: the SSRF rules and the deadline."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from geometry_service.circuit_breaker import CircuitBreaker
from geometry_service.errors import PermanentError, TransientError
from geometry_service.file_download import (
    DownloadTarget,
    check_url_allowed,
    download_file,
    refused_address_kind,
)
from tests.file_host import FileHandler, serving

BODY = b"ISO-10303-21;\nHEADER;\nENDSEC;\n" * 100
DRIP_INTERVAL_S = 0.2
HANG_S = 10.0


def _hang(handler: FileHandler) -> None:
    time.sleep(HANG_S)  # accepts, then never answers


def _drip(with_length: bool):
    def drip(handler: FileHandler) -> None:
        handler.send_response(200)
        if with_length:
            handler.send_header("Content-Length", str(len(BODY)))
        handler.end_headers()
        for byte in BODY:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(DRIP_INTERVAL_S)

    return drip


@dataclass
class FileHost:
    url: str
    port: int
    hits: list[str]


@pytest.fixture
def file_host() -> Iterator[FileHost]:
    routes = {
        "/part.step": (200, BODY),
        "/hang.step": _hang,
        "/drip.step": _drip(with_length=True),
        "/drip-no-length.step": _drip(with_length=False),
        "/moved.step": lambda handler: handler.answer(302, b"", {"Location": "/part.step"}),
    }
    handler = type("Files", (FileHandler,), {"routes": routes, "hits": []})
    with serving(handler) as port:
        yield FileHost(f"http://127.0.0.1:{port}", port, handler.hits)


def fetch(
    url: str,
    tmp_path: Path,
    *,
    allow_private: bool,
    deadline_s: float = 5.0,
    timeout_s: float = 5.0,
    allowed: tuple[str, ...] = ("127.0.0.1", "localhost"),
):
    target = check_url_allowed(url, allowed)
    return download_file(
        target,
        "part.step",
        max_bytes=10_000_000,
        timeout_s=timeout_s,
        deadline=time.monotonic() + deadline_s,
        breaker=CircuitBreaker("download"),
        allow_private=allow_private,
        directory=tmp_path,
    )


def test_loopback_host_is_fetched_when_private_addresses_are_allowed(
    file_host: FileHost, tmp_path: Path
) -> None:
    received = fetch(f"{file_host.url}/part.step", tmp_path, allow_private=True)
    assert received.path.read_bytes() == BODY and received.size == len(BODY)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_loopback_host_is_refused_by_default(
    file_host: FileHost, tmp_path: Path, host: str
) -> None:
    """Refused after resolution, at connect time: the allowlist names the host, and
    still nothing is fetched."""
    with pytest.raises(PermanentError) as error:
        fetch(
            f"http://{host}:{file_host.port}/part.step",
            tmp_path,
            allow_private=False,
            allowed=(host.strip("[]"),),
        )
    assert error.value.code == "url_not_allowed" and error.value.http_status == 400
    assert error.value.details["address_kind"] == "loopback"
    assert file_host.hits == []


@pytest.mark.parametrize(
    "url",
    [
        # the red team's: two parsers, two hosts
        "http://127.0.0.1:1\\@allowed.example/../good.step",
        "http://allowed.example\\@127.0.0.1/good.step",
        "http://user@allowed.example/good.step",
        "http://127.0.0.1:1@allowed.example/good.step",
        "http://allowed.example/good step.step",
        "http://allowed.example/good.step\r\nHost: 127.0.0.1",
        "ftp://allowed.example/good.step",
        "file:///etc/passwd",
        "http:///good.step",
    ],
)
def test_ambiguous_or_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(PermanentError) as error:
        check_url_allowed(url, ("allowed.example",))
    assert error.value.http_status == 400
    assert error.value.code in ("invalid_url", "url_not_allowed")


def test_the_checked_parts_are_what_is_fetched() -> None:
    target = check_url_allowed(
        "HTTPS://Allowed.Example/a/../b/part.step?x=1#frag", ("allowed.example",)
    )
    assert target == DownloadTarget("https", "allowed.example", 443, "/b/part.step?x=1")


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd12::1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_rules(address: str, kind: str | None) -> None:
    assert refused_address_kind(ipaddress.ip_address(address)) == kind


def test_allow_private_still_refuses_metadata_and_link_local() -> None:
    allowed = {
        a: refused_address_kind(ipaddress.ip_address(a), allow_private=True)
        for a in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "fe80::1", "224.0.0.1")
    }
    assert allowed == {
        "127.0.0.1": None,
        "10.1.2.3": None,
        "169.254.169.254": "metadata",
        "fe80::1": "link-local",
        "224.0.0.1": "multicast",
    }


def test_redirects_are_not_followed(file_host: FileHost, tmp_path: Path) -> None:
    with pytest.raises(PermanentError) as error:
        fetch(f"{file_host.url}/moved.step", tmp_path, allow_private=True)
    assert error.value.code == "download_rejected" and error.value.details == {"status": 302}
    assert file_host.hits == ["/moved.step"]


@pytest.mark.parametrize("path", ["/hang.step", "/drip.step", "/drip-no-length.step"])
def test_the_whole_download_ends_by_the_deadline(
    file_host: FileHost, tmp_path: Path, path: str
) -> None:
    """Each read is far below its 10 s timeout, yet the download stops at its 1 s deadline."""
    started = time.monotonic()
    with pytest.raises(TransientError) as error:
        fetch(
            f"{file_host.url}{path}", tmp_path, allow_private=True, deadline_s=1.0, timeout_s=10.0
        )
    elapsed = time.monotonic() - started
    assert error.value.code == "deadline_exceeded" and error.value.http_status == 504
    assert 0.9 <= elapsed < 1.5
    assert list(tmp_path.iterdir()) == []  # the partial file is gone


def test_a_spent_deadline_connects_nowhere(file_host: FileHost, tmp_path: Path) -> None:
    with pytest.raises(TransientError) as error:
        fetch(f"{file_host.url}/part.step", tmp_path, allow_private=True, deadline_s=0.0)
    assert error.value.code == "deadline_exceeded"
    assert file_host.hits == []


def test_https_goes_through_the_same_address_check(file_host: FileHost, tmp_path: Path) -> None:
    with pytest.raises(PermanentError) as error:
        fetch(f"https://127.0.0.1:{file_host.port}/part.step", tmp_path, allow_private=False)
    assert error.value.details["address_kind"] == "loopback"
    assert file_host.hits == []
