"""What every failure store does (the protocol), and the SQL both SQL stores share."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ..errors import PermanentError, ServiceError, SystemicError, TransientError
from .record import COLUMNS, IDENTIFIER, SQLITE_BUSY_TIMEOUT_S, FailureRecord
from .results import StoreStats, SummaryGroup

# -- stores ------------------------------------------------------------------


class FailureStore(Protocol):
    """Where failure records end up. ``write`` must be idempotent by idempotency_key."""

    name: str

    def write(self, records: Sequence[FailureRecord]) -> None: ...

    def stats(self, recent_since: datetime) -> StoreStats: ...

    def list_failures(
        self, limit: int, offset: int, error_type: str | None, since: datetime | None
    ) -> list[FailureRecord]: ...


def checked_table(table: str) -> str:
    """Table names are interpolated into SQL (no driver binds identifiers), so
    only plain identifiers are accepted."""
    if not IDENTIFIER.match(table):
        raise SystemicError("bad_configuration", f"DLQ_TABLE={table!r} is not a plain identifier")
    return table


def unavailable(store: str, exc: BaseException) -> TransientError:
    return TransientError(
        "dlq_store_unavailable", f"the {store} failure store is unreachable: {exc}"
    )


def broken(store: str, exc: BaseException) -> SystemicError:
    return SystemicError("dlq_store_error", f"the {store} failure store rejected a query: {exc}")


def rejected(store: str, exc: BaseException) -> PermanentError:
    """The record's data is at fault (a value out of range, a constraint, an
    encoding): the same record fails every time, other records do not."""
    return PermanentError(
        "dlq_record_rejected", f"the {store} failure store rejected a record: {exc}"
    )


REJECTED_VALUES = (ValueError, OverflowError)
"""What a driver raises before sending a value it cannot encode (UnicodeEncodeError
is a ValueError; an int past 64 bits is an OverflowError in sqlite3)."""


@contextmanager
def sqlite_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """One short-lived connection per operation: sqlite3 connections must not
    cross threads, and opening one costs microseconds."""
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def prepare_sqlite(path: Path, schema_sql: str) -> None:
    """Create the file, its folder and schema; WAL lets readers run beside the writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite_transaction(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(schema_sql)


class SqlStore:
    """The SQL that the SQLite and Postgres stores share.

    Subclasses say how to connect, how to encode timestamps and details for
    their driver, and which driver errors mean "unreachable" (transient) and
    which mean "broken" (systemic).
    """

    name: str
    _placeholder: str

    def __init__(self, table: str) -> None:
        self._table = checked_table(table)

    def _connect(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _encode_time(self, value: datetime) -> Any:
        raise NotImplementedError

    def _encode_details(self, details: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _service_error(self, exc: Exception) -> ServiceError | None:
        """The classified form of a driver error; None for anything else."""
        raise NotImplementedError

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        try:
            with self._connect() as connection:
                yield connection.cursor()
        except Exception as exc:
            error = self._service_error(exc)
            if error is None:
                raise
            raise error from exc

    def _encode(self, record: FailureRecord) -> tuple[Any, ...]:
        values = {name: getattr(record, name) for name in COLUMNS}
        values["created_at"] = self._encode_time(record.created_at)
        values["details"] = self._encode_details(record.details)
        return tuple(values[name] for name in COLUMNS)

    def write(self, records: Sequence[FailureRecord]) -> None:
        placeholders = ", ".join([self._placeholder] * len(COLUMNS))
        sql = (
            f"INSERT INTO {self._table} ({', '.join(COLUMNS)}) VALUES ({placeholders}) "
            "ON CONFLICT (idempotency_key) DO NOTHING"
        )
        with self._cursor() as cursor:
            cursor.executemany(sql, [self._encode(record) for record in records])

    def stats(self, recent_since: datetime) -> StoreStats:
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT error_type, error_code, COUNT(*), MIN(created_at), MAX(created_at) "
                f"FROM {self._table} GROUP BY error_type, error_code"
            )
            groups = [SummaryGroup.from_values(*row) for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT COUNT(*) FROM {self._table} WHERE created_at >= {self._placeholder}",
                (self._encode_time(recent_since),),
            )
            (last_24h,) = cursor.fetchone()
        return StoreStats.from_groups(groups, last_24h)

    def list_failures(
        self, limit: int, offset: int, error_type: str | None, since: datetime | None
    ) -> list[FailureRecord]:
        conditions: list[str] = []
        params: list[Any] = []
        if error_type is not None:
            conditions.append(f"error_type = {self._placeholder}")
            params.append(error_type)
        if since is not None:
            conditions.append(f"created_at >= {self._placeholder}")
            params.append(self._encode_time(since))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        sql = (
            f"SELECT {', '.join(COLUMNS)} FROM {self._table}{where} "
            "ORDER BY created_at DESC, id DESC "
            f"LIMIT {self._placeholder} OFFSET {self._placeholder}"
        )
        with self._cursor() as cursor:
            cursor.execute(sql, (*params, limit, offset))
            rows = cursor.fetchall()
        return [FailureRecord.from_row(dict(zip(COLUMNS, row, strict=True))) for row in rows]
