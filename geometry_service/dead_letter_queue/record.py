"""A failure record, how it is keyed and stored as text, and the limits of what a store keeps."""

from __future__ import annotations

import hashlib
import json
import re
import traceback as traceback_module
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from ..clean_text import encodable
from ..errors import ErrorType, ServiceError

MAX_PAGE_SIZE = 500
"""The most failures one list call returns: ops page, they do not dump."""

MAX_OFFSET = 2**63 - 1
"""The largest page offset every store takes: a signed 64-bit integer in SQLite and
Postgres (a larger one overflows them)."""

SQLITE_BUSY_TIMEOUT_S = 5.0
"""How long a SQLite write waits for another thread's transaction to finish."""

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ERROR_TYPE_CHECK = ", ".join(f"'{error_type.value}'" for error_type in ErrorType)


# -- time and JSON helpers ---------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | str) -> datetime:
    """A timezone-aware UTC datetime; naive values are taken to be UTC already."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(value: datetime) -> str:
    """Fixed-width UTC ISO 8601, so that SQLite can compare timestamps as text."""
    return as_utc(value).isoformat(timespec="microseconds")


def dumps(value: Any) -> str:
    # default=str: a detail that JSON cannot represent must not lose the record.
    return json.dumps(value, default=str, sort_keys=True)


# -- the record --------------------------------------------------------------


def idempotency_key(correlation_id: str, error_code: str, file_hash: str | None) -> str:
    """The key that makes retries of one failure one record, wherever they are written."""
    material = "\x1f".join((correlation_id, error_code, file_hash or ""))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class FailureRecord:
    """One failed or degraded analysis, as stored in every backend.

    ``details`` holds what helps a person reproduce the failure (tiers tried,
    stage timings, versions); it must never hold file contents or secrets.
    """

    correlation_id: str
    file_name: str | None = None
    file_hash: str | None = None
    file_size: int | None = None
    error_type: str
    error_code: str
    error_message: str
    details: dict[str, Any] = field(default_factory=dict)
    retry_count: int = 0
    traceback: str | None = None
    created_at: datetime = field(default_factory=utc_now)
    idempotency_key: str = ""

    def __post_init__(self) -> None:
        try:
            error_type = ErrorType(self.error_type).value
        except ValueError:
            raise ValueError(
                f"error_type must be one of {[t.value for t in ErrorType]}, not {self.error_type!r}"
            ) from None
        # Frozen, so normalise through object.__setattr__: stores get one form only.
        object.__setattr__(self, "error_type", error_type)
        for name in ("correlation_id", "file_name", "error_code", "error_message", "traceback"):
            object.__setattr__(self, name, encodable(getattr(self, name)))
        object.__setattr__(self, "details", encodable(json.loads(dumps(self.details))))
        object.__setattr__(self, "created_at", as_utc(self.created_at))
        if not self.idempotency_key:
            key = idempotency_key(self.correlation_id, self.error_code, self.file_hash)
            object.__setattr__(self, "idempotency_key", key)

    @classmethod
    def from_error(
        cls,
        exc: BaseException,
        *,
        correlation_id: str,
        file_name: str | None = None,
        file_hash: str | None = None,
        file_size: int | None = None,
        details: Mapping[str, Any] | None = None,
        retry_count: int = 0,
    ) -> FailureRecord:
        """The record of ``exc``; an unclassified exception is a systemic fault."""
        if isinstance(exc, ServiceError):
            error_type, code, message = exc.error_type.value, exc.code, exc.message
            merged = {**exc.details, **(details or {})}
        else:
            error_type, code = ErrorType.SYSTEMIC.value, "internal_error"
            message = str(exc) or type(exc).__name__
            merged = dict(details or {})
        return cls(
            correlation_id=correlation_id,
            file_name=file_name,
            file_hash=file_hash,
            file_size=file_size,
            error_type=error_type,
            error_code=code,
            error_message=message,
            details=merged,
            retry_count=retry_count,
            traceback="".join(traceback_module.format_exception(exc)),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> FailureRecord:
        """A record from any store's row: timestamps and details as text or native."""
        values = {name: row[name] for name in COLUMNS}
        if isinstance(values["details"], str):
            values["details"] = json.loads(values["details"])
        values["created_at"] = as_utc(values["created_at"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what the spool stores, Supabase receives and ops read."""
        data = asdict(self)
        data["created_at"] = iso(self.created_at)
        return data


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(FailureRecord))
