"""Classified errors shared by the worker processes and the HTTP process.

Every failure the service reports carries an ``error_type`` that tells the
caller (and our retry and breaker policies) what to do about it:

- ``transient``: trying again may help (a dependency timed out, a worker died once);
- ``permanent``: the input is at fault (not STEP, empty, no solid); never retried,
  never counted against a circuit breaker;
- ``systemic``: the service is at fault (model missing, misconfiguration).

Errors cross process boundaries (pebble pickles what a worker raises), so they
pickle by their constructor arguments.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class ErrorType(str, Enum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    SYSTEMIC = "systemic"


class ServiceError(Exception):
    """An error with a stable machine-readable code, a type and an HTTP status."""

    error_type: ErrorType = ErrorType.SYSTEMIC
    default_status: int = 500

    def __init__(
        self,
        code: str,
        message: str,
        http_status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status or self.default_status
        self.details = details or {}

    def __reduce__(self):
        return (type(self), (self.code, self.message, self.http_status, self.details))

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "error_type": self.error_type.value}


class PermanentError(ServiceError):
    """The input is at fault; retrying the same input gives the same answer."""

    error_type = ErrorType.PERMANENT
    default_status = 422


class TransientError(ServiceError):
    """A passing failure of a dependency or a worker; a retry may succeed."""

    error_type = ErrorType.TRANSIENT
    default_status = 503


class SystemicError(ServiceError):
    """The service itself is broken or misconfigured."""

    error_type = ErrorType.SYSTEMIC
    default_status = 500


def error_body(error: ServiceError, correlation_id: str) -> dict[str, Any]:
    """The one shape of every error answer, whoever sends it (the app, gunicorn's worker)."""
    return {"success": False, "correlation_id": correlation_id, "error": error.to_dict()}
