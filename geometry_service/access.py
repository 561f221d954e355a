"""Who may call a guarded endpoint: the token rules, without Flask.

Two tokens guard the service: ``SERVICE_API_KEY`` for ``/analyze`` (and the
cached results), ``ADMIN_TOKEN`` for the ops endpoints. A token is sent as
``Authorization: Bearer <token>``; the service key may also come in the
``apikey`` header, the one Supabase clients customarily send. A bare
``Authorization: <token>`` is refused: accepting it would make the scheme
optional and every proxy log that prints "Authorization" values a key leak.

An unset token leaves ``/analyze`` open (the key is optional), but never the
ops endpoints: without ``ADMIN_TOKEN`` they answer loopback clients only, so
a service started with defaults does not publish its metrics and failure
records. ``PRODUCTION=true`` (config.py) refuses to start without both tokens.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from enum import Enum

from .errors import PermanentError


class Scope(str, Enum):
    SERVICE = "service"
    ADMIN = "admin"


class Refusal(str, Enum):
    """Why a request was refused: the label of the log line and the metric."""

    MISSING_TOKEN = "missing_token"
    NOT_BEARER = "not_bearer"
    WRONG_TOKEN = "wrong_token"
    NOT_LOOPBACK = "not_loopback"


class AccessRefused(PermanentError):
    """401 (no valid token) or 403 (ops endpoint without ADMIN_TOKEN, from afar)."""

    @property
    def refusal(self) -> Refusal:
        return Refusal(self.details["refusal"])


@dataclass(frozen=True)
class Credentials:
    """What one request presents: its headers' tokens and its peer address."""

    authorization: str | None
    apikey: str | None
    remote_addr: str | None


_MESSAGES = {
    Refusal.MISSING_TOKEN: "A token is required: send 'Authorization: Bearer <token>'.",
    Refusal.NOT_BEARER: "Send the token as 'Authorization: Bearer <token>'.",
    Refusal.WRONG_TOKEN: "The token is not valid.",
    Refusal.NOT_LOOPBACK: "ADMIN_TOKEN is not set: ops endpoints answer loopback clients only.",
}


def check_access(scope: Scope, expected: str, credentials: Credentials) -> None:
    """Raise :class:`AccessRefused` unless ``credentials`` may call an endpoint of ``scope``
    whose token is ``expected`` (empty: unset)."""
    if not expected:
        if scope is Scope.ADMIN and not is_loopback(credentials.remote_addr):
            raise _refused(Refusal.NOT_LOOPBACK, 403)
        return
    tokens, malformed = _presented_tokens(credentials, accept_apikey=scope is Scope.SERVICE)
    if any(hmac.compare_digest(token.encode(), expected.encode()) for token in tokens):
        return
    if tokens:
        raise _refused(Refusal.WRONG_TOKEN, 401)
    raise _refused(Refusal.NOT_BEARER if malformed else Refusal.MISSING_TOKEN, 401)


def is_loopback(remote_addr: str | None) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _presented_tokens(credentials: Credentials, accept_apikey: bool) -> tuple[list[str], bool]:
    """The tokens sent, and whether an Authorization header was not ``Bearer <token>``."""
    tokens: list[str] = []
    malformed = False
    if credentials.authorization:
        scheme, _, token = credentials.authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            tokens.append(token.strip())
        else:
            malformed = True
    if accept_apikey and credentials.apikey and credentials.apikey.strip():
        tokens.append(credentials.apikey.strip())
    return tokens, malformed


def _refused(refusal: Refusal, status: int) -> AccessRefused:
    code = "forbidden" if status == 403 else "unauthorized"
    return AccessRefused(code, _MESSAGES[refusal], status, {"refusal": refusal.value})
