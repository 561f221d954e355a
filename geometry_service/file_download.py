"""Fetch a STEP file by URL for ``POST /analyze {"file_url": ...}``.

Only hosts on the allowlist are fetched (the Supabase storage host by
default): a service that fetches any URL it is given is a server-side
request forgery hole. The body is streamed to disk under the upload size cap.
A failing host trips the ``download`` breaker; transient failures (network,
5xx, 429) are retried, a 4xx answer is the caller's error and is not.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import requests

from .circuit_breaker import CircuitBreaker
from .errors import PermanentError, TransientError
from .received_file import CHUNK_BYTES, ReceivedFile, receive_file

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


def check_url_allowed(url: str, allowed_hosts: tuple[str, ...]) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise PermanentError("invalid_url", "file_url must be an http(s) URL.", 400)
    if parsed.hostname not in allowed_hosts:
        raise PermanentError(
            "url_not_allowed",
            f"Downloads are allowed only from: {', '.join(allowed_hosts) or 'no host (set SUPABASE_URL or DOWNLOAD_ALLOWED_HOSTS)'}.",
            400,
            {"host": parsed.hostname},
        )


def download_file(
    url: str,
    file_name: str,
    *,
    max_bytes: int,
    timeout_s: float,
    breaker: CircuitBreaker,
    directory: Path | None = None,
) -> ReceivedFile:
    """One download attempt through the breaker; wrap it in a retry policy."""
    return breaker.call(_fetch, url, file_name, max_bytes, timeout_s, directory)


def _fetch(url: str, file_name: str, max_bytes: int, timeout_s: float, directory: Path | None) -> ReceivedFile:
    try:
        with requests.get(url, stream=True, timeout=timeout_s, allow_redirects=False) as response:
            if response.status_code in RETRYABLE_STATUS:
                raise TransientError(
                    "download_failed", f"The file host answered {response.status_code}.", 502,
                    {"status": response.status_code},
                )
            if response.status_code != 200:
                raise PermanentError(
                    "download_rejected", f"The file host answered {response.status_code}.", 422,
                    {"status": response.status_code},
                )
            return receive_file(response.iter_content(CHUNK_BYTES), file_name, max_bytes, directory)
    except requests.RequestException as exc:
        raise TransientError(
            "download_failed", f"The file could not be downloaded: {type(exc).__name__}.", 502
        ) from exc
