"""Fetch a STEP file by URL for ``POST /analyze {"file_url": ...}``, safe from SSRF.

A service that fetches the URLs it is given can be aimed at itself, at a
cloud metadata endpoint or at any host of its private network. Four rules
close that:

1. One parser. The URL is parsed once, with urllib3's parser, and the fetch
   is made from the parts that were checked (host, port, path), never from
   the string again. A URL with a backslash, user info, whitespace or a
   control character is refused outright: parsers disagree about those
   (``http://127.0.0.1:1\\@allowed.example/`` is ``allowed.example`` to
   ``urlparse`` and ``127.0.0.1`` to ``requests``).
2. Only hosts on the allowlist are fetched (the Supabase storage host by default).
3. Every connection resolves the host itself, refuses it if any address is
   loopback, private, link-local, multicast, reserved or a metadata address,
   and connects to the address it checked. There is no gap between check and
   connect for DNS rebinding to use, and the TLS name (SNI, certificate) stays
   the host name. ``DOWNLOAD_ALLOW_PRIVATE=true`` lets loopback and private
   addresses through (tests, a file host inside the VPC); link-local,
   metadata, multicast and reserved addresses stay refused.
4. Redirects are never followed.

The whole download (name resolution, connect, headers, body) ends by the
caller's deadline: a watchdog shuts the socket down when it passes, so a host
that drips a byte at a time, or hangs before its headers, cannot hold a
request thread past the request's budget. The body is streamed to disk under
the upload size cap. A failing host trips the ``download`` breaker; transient
failures (network, 5xx, 429) are retried by the caller's policy, a 4xx answer
is the caller's error and is not.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import certifi
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError, LocationParseError
from urllib3.util import connection as urllib3_connection
from urllib3.util import parse_url

from .circuit_breaker import CircuitBreaker
from .errors import PermanentError, TransientError
from .received_file import CHUNK_BYTES, ReceivedFile, receive_file

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}

_AMBIGUOUS_URL_CHARACTERS = re.compile(r"[\\\s\x00-\x1f\x7f]")
"""Characters that URL parsers read differently; a URL holding one is refused."""

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
"""Cloud instance-metadata endpoints (AWS/GCP/Azure/DigitalOcean, AWS IPv6, Alibaba)."""

_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="download-dns")
"""getaddrinfo cannot be interrupted; running it here lets a download stop waiting for it
at its deadline."""


# -- the URL -------------------------------------------------------------------


@dataclass(frozen=True)
class DownloadTarget:
    """A URL that passed the checks, in the parts the fetch uses."""

    scheme: str
    host: str
    port: int
    request_uri: str


def check_url_allowed(url: str, allowed_hosts: tuple[str, ...]) -> DownloadTarget:
    """Parse ``url`` once and check it; PermanentError 400 for anything unsafe."""
    if _AMBIGUOUS_URL_CHARACTERS.search(url):
        raise _invalid_url("file_url must not contain backslashes, spaces or control characters.")
    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise _invalid_url("file_url must be an http(s) URL.") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise _invalid_url("file_url must be an http(s) URL.")
    if parsed.auth is not None:
        raise _invalid_url("file_url must not carry a user name or password.")
    host = parsed.host.strip("[]")
    if host not in {allowed.lower() for allowed in allowed_hosts}:
        allowed_list = (
            ", ".join(allowed_hosts) or "no host (set SUPABASE_URL or DOWNLOAD_ALLOWED_HOSTS)"
        )
        raise PermanentError(
            "url_not_allowed",
            f"Downloads are allowed only from: {allowed_list}.",
            400,
            {"host": host},
        )
    default_port = 443 if parsed.scheme == "https" else 80
    return DownloadTarget(parsed.scheme, host, parsed.port or default_port, parsed.request_uri)


def _invalid_url(message: str) -> PermanentError:
    return PermanentError("invalid_url", message, 400)


# -- the addresses ---------------------------------------------------------------


def refused_address_kind(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool = False
) -> str | None:
    """Why a download may not connect to ``address`` (a word for the message), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "metadata"
    for kind in ("unspecified", "link_local", "multicast"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    if address.is_loopback:  # before "reserved": ::1 lies in IPv6's reserved ::/8
        return None if allow_private else "loopback"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return None if allow_private else "private"
    return None


class _ConnectionGuard:
    """Resolves, checks and connects every socket of one download, and shuts
    them down when the download's deadline passes."""

    def __init__(self, deadline: float, allow_private: bool) -> None:
        self._deadline = deadline
        self._allow_private = allow_private
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False

    def connect(self, host: str, port: int, timeout: float | None, options: Any) -> socket.socket:
        addresses = self._checked_addresses(host, port)
        last_error: OSError | None = None
        for address in addresses:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the download's deadline passed while connecting")
            try:
                sock = urllib3_connection.create_connection(
                    (str(address), port), min(timeout or left, left), socket_options=options
                )
            except OSError as exc:
                last_error = exc
                continue
            return sock
        raise last_error or OSError(f"{host} has no address")

    def _checked_addresses(
        self, host: str, port: int
    ) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        pending = _RESOLVER.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        infos = pending.result(timeout=max(0.0, self._deadline - time.monotonic()))
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        for address in addresses:
            kind = refused_address_kind(address, self._allow_private)
            if kind is not None:
                raise PermanentError(
                    "url_not_allowed",
                    f"{host} resolves to a {kind} address; downloads from it are refused.",
                    400,
                    {"host": host, "address_kind": kind},
                )
        return addresses

    @property
    def expired(self) -> bool:
        with self._lock:
            return self._expired

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self._expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    @contextmanager
    def watchdog(self) -> Iterator[None]:
        """Shut every socket of this download down at the deadline, wherever it is blocked."""
        timer = threading.Timer(max(0.0, self._deadline - time.monotonic()), self._expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by its owner


class _GuardedConnect:
    """urllib3's connection, with the guard choosing and checking the address."""

    def __init__(self, *args: Any, guard: _ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard = guard

    def _new_conn(self) -> socket.socket:
        return self._guard.connect(self._dns_host, self.port, self.timeout, self.socket_options)

    def connect(self) -> None:
        super().connect()
        self._guard.register(self.sock)  # after TLS: the TLS socket is the one reads block on


class _GuardedHTTPConnection(_GuardedConnect, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnect, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


# -- the download ----------------------------------------------------------------


def download_file(
    target: DownloadTarget,
    file_name: str,
    *,
    max_bytes: int,
    timeout_s: float,
    deadline: float,
    breaker: CircuitBreaker,
    allow_private: bool = False,
    directory: Path | None = None,
) -> ReceivedFile:
    """One download attempt through the breaker, over before ``deadline``
    (``time.monotonic()``); ``timeout_s`` bounds each connect and each read.
    Wrap it in a retry policy."""
    return breaker.call(
        _fetch, target, file_name, max_bytes, timeout_s, deadline, allow_private, directory
    )


def _fetch(
    target: DownloadTarget,
    file_name: str,
    max_bytes: int,
    timeout_s: float,
    deadline: float,
    allow_private: bool,
    directory: Path | None,
) -> ReceivedFile:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _deadline_exceeded()
    guard = _ConnectionGuard(deadline, allow_private)
    pool_class, tls = (
        (_GuardedHTTPSPool, {"ca_certs": certifi.where()})
        if target.scheme == "https"
        else (_GuardedHTTPPool, {})
    )
    timeout = Timeout(connect=min(timeout_s, left), read=min(timeout_s, left))
    try:
        with (
            guard.watchdog(),
            pool_class(
                target.host,
                target.port,
                timeout=timeout,
                retries=False,
                maxsize=1,
                guard=guard,
                **tls,
            ) as pool,
        ):
            response = pool.urlopen(
                "GET", target.request_uri, redirect=False, retries=False, preload_content=False
            )
            try:
                _check_status(response.status)
                received = receive_file(
                    response.stream(CHUNK_BYTES), file_name, max_bytes, directory
                )
            finally:
                response.release_conn()
    except (HTTPError, OSError) as exc:
        if time.monotonic() >= deadline:
            raise _deadline_exceeded() from exc
        raise TransientError(
            "download_failed", f"The file could not be downloaded: {type(exc).__name__}.", 502
        ) from exc
    if guard.expired:  # a body without a length reads as complete when its socket is shut
        received.discard()
        raise _deadline_exceeded()
    return received


def _check_status(status: int) -> None:
    if status in RETRYABLE_STATUS:
        raise TransientError(
            "download_failed", f"The file host answered {status}.", 502, {"status": status}
        )
    if status != 200:
        raise PermanentError(
            "download_rejected", f"The file host answered {status}.", 422, {"status": status}
        )


def _deadline_exceeded() -> TransientError:
    return TransientError(
        "deadline_exceeded", "The download did not finish within the request's time budget.", 504
    )
