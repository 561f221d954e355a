"""Failure records: a local durable spool, forwarded to a SQLite, Postgres or Supabase store.

Every failed or degraded analysis leaves a :class:`FailureRecord`, so that a
request that went wrong can always be found again. Writing it happens in two
stages, because the request that failed must not wait for (or fail on) a
remote database:

1. :meth:`DeadLetterQueue.record` writes the record to a local SQLite spool
   (WAL mode, one short transaction) and returns;
2. a background thread forwards spooled records to the configured store
   through the retry policy and the ``dlq_store`` circuit breaker, and deletes
   them from the spool only once the store has confirmed the write.

If the store is down, records wait in the spool and drain when it is back.
Duplicates cannot arise: every record carries an idempotency key (derived from
the correlation id, error code and file hash), the spool ignores a key it
already holds, and every store ignores a key it already stored.

Reads for ops (:meth:`DeadLetterQueue.stats`, :meth:`DeadLetterQueue.list_failures`)
go to the store; a store that cannot be reached raises a TransientError.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import threading
import time
import traceback as traceback_module
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

import httpx
import psycopg
from postgrest import APIError, CountMethod, ReturnMethod
from psycopg.types.json import Jsonb
from supabase import ClientOptions, create_client
from tenacity import Retrying

from .circuit_breaker import BreakerRegistry, CircuitBreaker
from .config import Settings
from .errors import ErrorType, PermanentError, ServiceError, SystemicError, TransientError
from .retry_utils import RetryEvent, transient_retry

log = logging.getLogger("geometry_service.dlq")

MAX_PAGE_SIZE = 500
"""The most failures one list call returns: ops page, they do not dump."""

MAX_OFFSET = 2**63 - 1
"""The largest offset every store takes: a signed 64-bit integer in SQLite and Postgres."""

SQLITE_BUSY_TIMEOUT_S = 5.0
"""How long a SQLite write waits for another thread's transaction to finish."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ERROR_TYPE_CHECK = ", ".join(f"'{error_type.value}'" for error_type in ErrorType)


# -- time and JSON helpers ---------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(value: datetime | str) -> datetime:
    """A timezone-aware UTC datetime; naive values are taken to be UTC already."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _iso(value: datetime) -> str:
    """Fixed-width UTC ISO 8601, so that SQLite can compare timestamps as text."""
    return _as_utc(value).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str:
    # default=str: a detail that JSON cannot represent must not lose the record.
    return json.dumps(value, default=str, sort_keys=True)


def _log_event(level: int, event: str, *, exc_info: bool = False, **fields_: Any) -> None:
    log.log(level, _dumps({"event": event, **fields_}), exc_info=exc_info)


def _without_nul(value: Any) -> Any:
    """Postgres text and jsonb cannot hold NUL characters, yet an error message
    that quotes a binary file can; one such record would block the spool."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


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
    created_at: datetime = field(default_factory=_utc_now)
    idempotency_key: str = ""

    def __post_init__(self) -> None:
        try:
            error_type = ErrorType(self.error_type).value
        except ValueError:
            raise ValueError(
                f"error_type must be one of {[t.value for t in ErrorType]}, "
                f"not {self.error_type!r}"
            ) from None
        # Frozen, so normalise through object.__setattr__: stores get one form only.
        object.__setattr__(self, "error_type", error_type)
        for name in ("correlation_id", "file_name", "error_code", "error_message", "traceback"):
            object.__setattr__(self, name, _without_nul(getattr(self, name)))
        object.__setattr__(self, "details", _without_nul(json.loads(_dumps(self.details))))
        object.__setattr__(self, "created_at", _as_utc(self.created_at))
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
    ) -> "FailureRecord":
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
    def from_row(cls, row: Mapping[str, Any]) -> "FailureRecord":
        """A record from any store's row: timestamps and details as text or native."""
        values = {name: row[name] for name in COLUMNS}
        if isinstance(values["details"], str):
            values["details"] = json.loads(values["details"])
        values["created_at"] = _as_utc(values["created_at"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what the spool stores, Supabase receives and ops read."""
        data = asdict(self)
        data["created_at"] = _iso(self.created_at)
        return data


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(FailureRecord))


# -- results -----------------------------------------------------------------


@dataclass(frozen=True)
class SummaryGroup:
    """Failures of one (error_type, error_code): what every store can aggregate."""

    error_type: str
    error_code: str
    count: int
    oldest: datetime
    newest: datetime

    @classmethod
    def from_values(
        cls,
        error_type: str,
        error_code: str,
        count: int,
        oldest: datetime | str,
        newest: datetime | str,
    ) -> "SummaryGroup":
        return cls(error_type, error_code, int(count), _as_utc(oldest), _as_utc(newest))


@dataclass(frozen=True)
class StoreStats:
    """What a store knows about its failures."""

    total: int
    last_24h: int
    by_error_type: dict[str, int]
    by_error_code: dict[str, int]
    oldest: datetime | None
    newest: datetime | None

    @classmethod
    def from_groups(cls, groups: Sequence[SummaryGroup], last_24h: int) -> "StoreStats":
        """Fold per-(type, code) groups; every error type appears, zero or not."""
        by_error_type = {error_type.value: 0 for error_type in ErrorType}
        by_error_code: dict[str, int] = {}
        for group in groups:
            by_error_type[group.error_type] = by_error_type.get(group.error_type, 0) + group.count
            by_error_code[group.error_code] = by_error_code.get(group.error_code, 0) + group.count
        return cls(
            total=sum(group.count for group in groups),
            last_24h=int(last_24h),
            by_error_type=by_error_type,
            by_error_code=dict(sorted(by_error_code.items())),
            oldest=min((group.oldest for group in groups), default=None),
            newest=max((group.newest for group in groups), default=None),
        )


@dataclass(frozen=True)
class DLQStats(StoreStats):
    """/dlq/stats: the store's view plus what still waits in the local spool."""

    pending_in_spool: int
    store: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["oldest"] = _iso(self.oldest) if self.oldest else None
        data["newest"] = _iso(self.newest) if self.newest else None
        return data


@dataclass(frozen=True)
class ForwardResult:
    """The outcome of one forwarding pass; ``error`` says why records stayed spooled."""

    forwarded: int
    pending: int
    error: str | None = None


# -- stores ------------------------------------------------------------------


class FailureStore(Protocol):
    """Where failure records end up. ``write`` must be idempotent by idempotency_key."""

    name: str

    def write(self, records: Sequence[FailureRecord]) -> None: ...

    def stats(self, recent_since: datetime) -> StoreStats: ...

    def list_failures(
        self, limit: int, offset: int, error_type: str | None, since: datetime | None
    ) -> list[FailureRecord]: ...


def _checked_table(table: str) -> str:
    """Table names are interpolated into SQL (no driver binds identifiers), so
    only plain identifiers are accepted."""
    if not _IDENTIFIER.match(table):
        raise SystemicError("bad_configuration", f"DLQ_TABLE={table!r} is not a plain identifier")
    return table


def _unavailable(store: str, exc: BaseException) -> TransientError:
    return TransientError(
        "dlq_store_unavailable", f"the {store} failure store is unreachable: {exc}"
    )


def _broken(store: str, exc: BaseException) -> SystemicError:
    return SystemicError("dlq_store_error", f"the {store} failure store rejected a query: {exc}")


@contextmanager
def _sqlite_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """One short-lived connection per operation: sqlite3 connections must not
    cross threads, and opening one costs microseconds."""
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def _prepare_sqlite(path: Path, schema_sql: str) -> None:
    """Create the file, its folder and schema; WAL lets readers run beside the writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _sqlite_transaction(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(schema_sql)


class _SqlStore:
    """The SQL that the SQLite and Postgres stores share.

    Subclasses say how to connect, how to encode timestamps and details for
    their driver, and which driver errors mean "unreachable" (transient) and
    which mean "broken" (systemic).
    """

    name: str
    _placeholder: str

    def __init__(self, table: str) -> None:
        self._table = _checked_table(table)

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
        return [FailureRecord.from_row(dict(zip(COLUMNS, row))) for row in rows]


class SQLiteStore(_SqlStore):
    """The embedded default: a local SQLite file, created on first use."""

    name = "sqlite"
    _placeholder = "?"

    def __init__(self, path: Path, table: str = "failed_cad_analyses") -> None:
        super().__init__(table)
        self._path = Path(path)
        _prepare_sqlite(
            self._path,
            f"""
            CREATE TABLE IF NOT EXISTS {self._table} (
                id INTEGER PRIMARY KEY,
                idempotency_key TEXT NOT NULL UNIQUE,
                correlation_id TEXT NOT NULL,
                file_name TEXT,
                file_hash TEXT,
                file_size INTEGER,
                error_type TEXT NOT NULL CHECK (error_type IN ({_ERROR_TYPE_CHECK})),
                error_code TEXT NOT NULL,
                error_message TEXT NOT NULL,
                details TEXT NOT NULL DEFAULT '{{}}',
                retry_count INTEGER NOT NULL DEFAULT 0,
                traceback TEXT,
                created_at TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS {self._table}_created_at_idx ON {self._table} (created_at);
            CREATE INDEX IF NOT EXISTS {self._table}_error_type_idx
                ON {self._table} (error_type, created_at);
            """,
        )

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return _sqlite_transaction(self._path)

    def _encode_time(self, value: datetime) -> str:
        return _iso(value)

    def _encode_details(self, details: dict[str, Any]) -> str:
        return _dumps(details)

    def _service_error(self, exc: Exception) -> ServiceError | None:
        # OperationalError is a locked database, a full disk, an unopenable file.
        if isinstance(exc, sqlite3.OperationalError):
            return _unavailable(self.name, exc)
        if isinstance(exc, sqlite3.Error):
            return _broken(self.name, exc)
        return None


class PostgresStore(_SqlStore):
    """A Postgres table created by migrations/001_failed_cad_analyses.sql."""

    name = "postgres"
    _placeholder = "%s"

    def __init__(
        self, database_url: str, table: str = "failed_cad_analyses", connect_timeout_s: int = 5
    ) -> None:
        super().__init__(table)
        self._database_url = database_url
        self._connect_timeout_s = connect_timeout_s

    def _connect(self) -> AbstractContextManager[psycopg.Connection]:
        # A connection per operation: failure records are rare, and a pool
        # would hold connections open against a database we rarely touch.
        return psycopg.connect(self._database_url, connect_timeout=self._connect_timeout_s)

    def _encode_time(self, value: datetime) -> datetime:
        return _as_utc(value)

    def _encode_details(self, details: dict[str, Any]) -> Jsonb:
        return Jsonb(details, dumps=_dumps)

    def _service_error(self, exc: Exception) -> ServiceError | None:
        # psycopg files connection loss, timeouts, shutdowns and serialisation
        # failures under OperationalError; the rest is our SQL or our schema.
        if isinstance(exc, psycopg.OperationalError):
            return _unavailable(self.name, exc)
        if isinstance(exc, psycopg.Error):
            return _broken(self.name, exc)
        return None


_TRANSIENT_POSTGREST_CODES = ("PGRST0", "08", "40", "5")
"""PostgREST error codes worth retrying: PGRST0xx (PostgREST cannot reach
Postgres), SQLSTATE classes 08 (connection) and 40 (serialisation, deadlock),
and anything starting with 5: an HTTP 5xx from a proxy, or SQLSTATE 53, 55,
57, 58 (resources, locks, timeouts and shutdowns, system errors). Everything
else (bad key, missing table, bad column) needs a person, not a retry."""


class SupabaseStore:
    """The Supabase table, through PostgREST with the service-role key.

    Aggregates come from the ``<table>_summary`` view of the migration,
    because PostgREST does not GROUP BY on its own.
    """

    name = "supabase"

    def __init__(
        self, url: str, service_role_key: str, table: str = "failed_cad_analyses",
        timeout_s: float = 10.0,
    ) -> None:
        self._table = _checked_table(table)
        self._summary_view = f"{self._table}_summary"
        # The client's own retries are off: retry_utils is the one retry policy,
        # and the breaker must see every failure.
        options = ClientOptions(
            httpx_client=httpx.Client(timeout=timeout_s),
            postgrest_client_retry=False,
            auto_refresh_token=False,
            persist_session=False,
        )
        self._client = create_client(url, service_role_key, options)

    def _execute(self, query: Any) -> Any:
        try:
            return query.execute()
        except httpx.HTTPError as exc:
            raise _unavailable(self.name, exc) from exc
        except APIError as exc:
            if (exc.code or "").startswith(_TRANSIENT_POSTGREST_CODES):
                raise _unavailable(self.name, exc) from exc
            raise _broken(self.name, exc) from exc

    def write(self, records: Sequence[FailureRecord]) -> None:
        self._execute(
            self._client.table(self._table).upsert(
                [record.to_dict() for record in records],
                on_conflict="idempotency_key",
                ignore_duplicates=True,
                returning=ReturnMethod.minimal,
            )
        )

    def stats(self, recent_since: datetime) -> StoreStats:
        groups = self._execute(self._client.table(self._summary_view).select("*")).data
        recent = self._execute(
            self._client.table(self._table)
            .select("id", count=CountMethod.exact, head=True)
            .gte("created_at", _iso(recent_since))
        )
        return StoreStats.from_groups(
            [SummaryGroup.from_values(**group) for group in groups], recent.count or 0
        )

    def list_failures(
        self, limit: int, offset: int, error_type: str | None, since: datetime | None
    ) -> list[FailureRecord]:
        query = self._client.table(self._table).select(*COLUMNS)
        if error_type is not None:
            query = query.eq("error_type", error_type)
        if since is not None:
            query = query.gte("created_at", _iso(since))
        query = (
            query.order("created_at", desc=True).order("id", desc=True).limit(limit).offset(offset)
        )
        return [FailureRecord.from_row(row) for row in self._execute(query).data]


_STORE_BUILDERS: dict[str, Callable[[Settings], FailureStore]] = {
    "supabase": lambda s: SupabaseStore(s.supabase_url, s.supabase_service_role_key, s.dlq_table),
    "postgres": lambda s: PostgresStore(s.database_url, s.dlq_table),
    "sqlite": lambda s: SQLiteStore(s.dlq_sqlite_path, s.dlq_table),
}


def build_store(settings: Settings) -> FailureStore:
    """The store that Settings.dlq_store names."""
    return _STORE_BUILDERS[settings.dlq_store](settings)


# -- the spool ---------------------------------------------------------------


class Spool:
    """The local first stage: records wait here until a store confirms them."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        _prepare_sqlite(
            self._path,
            """
            CREATE TABLE IF NOT EXISTS spool (
                seq INTEGER PRIMARY KEY,
                idempotency_key TEXT NOT NULL UNIQUE,
                payload TEXT NOT NULL,
                spooled_at TEXT NOT NULL
            );
            """,
        )

    def add(self, record: FailureRecord) -> None:
        """Keep ``record``; a key already waiting is ignored."""
        with _sqlite_transaction(self._path) as connection:
            connection.execute(
                "INSERT OR IGNORE INTO spool (idempotency_key, payload, spooled_at) "
                "VALUES (?, ?, ?)",
                (record.idempotency_key, _dumps(record.to_dict()), _iso(_utc_now())),
            )

    def oldest(self, limit: int) -> list[FailureRecord]:
        with _sqlite_transaction(self._path) as connection:
            rows = connection.execute(
                "SELECT payload FROM spool ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [FailureRecord.from_row(json.loads(payload)) for (payload,) in rows]

    def remove(self, keys: Sequence[str]) -> None:
        with _sqlite_transaction(self._path) as connection:
            connection.executemany(
                "DELETE FROM spool WHERE idempotency_key = ?", [(key,) for key in keys]
            )

    def count(self) -> int:
        with _sqlite_transaction(self._path) as connection:
            (count,) = connection.execute("SELECT COUNT(*) FROM spool").fetchone()
        return int(count)


# -- the queue ---------------------------------------------------------------


class DeadLetterQueue:
    """Spools failure records at once and forwards them to a store in the background."""

    def __init__(
        self,
        spool: Spool,
        store: FailureStore,
        breaker: CircuitBreaker,
        retry_policy: Retrying,
        *,
        forward_interval_s: float = 5.0,
        batch_size: int = 100,
    ) -> None:
        self._spool = spool
        self._store = store
        self._breaker = breaker
        self._retry_policy = retry_policy
        self._forward_interval_s = forward_interval_s
        self._batch_size = batch_size
        # One forwarding pass at a time: two would send the same batch twice.
        self._forward_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        breakers: BreakerRegistry,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> "DeadLetterQueue":
        return cls(
            Spool(settings.dlq_spool_path),
            build_store(settings),
            breakers.get("dlq_store"),
            transient_retry(settings, name="dlq_store", on_retry=on_retry),
            forward_interval_s=settings.dlq_forward_interval_s,
            batch_size=settings.dlq_batch_size,
        )

    # -- writing -----------------------------------------------------------

    def record(self, record: FailureRecord) -> bool:
        """Spool ``record`` and wake the forwarder; False if even the spool failed.

        It never raises: it runs on the error path of a request, and a failure
        to keep the record must not turn that request's answer into a 500. The
        record then survives only in the error log, which says so.
        """
        try:
            self._spool.add(record)
        except Exception:
            _log_event(logging.ERROR, "dlq_spool_failed", exc_info=True, record=record.to_dict())
            return False
        self._wake.set()
        return True

    def forward_pending(self, limit: int | None = None) -> ForwardResult:
        """Forward up to ``limit`` of the oldest spooled records to the store.

        Records leave the spool only after the store confirmed the write; any
        error leaves them for the next pass (the store's write is idempotent,
        so a confirmed write whose spool delete failed is harmless to repeat).
        """
        with self._forward_lock:
            records = self._spool.oldest(limit or self._batch_size)
            if not records:
                return ForwardResult(forwarded=0, pending=0)
            try:
                self._retry_policy(self._breaker.call, self._store.write, records)
            except Exception as exc:
                pending = self._spool.count()
                _log_event(
                    logging.WARNING, "dlq_forward_failed", store=self._store.name,
                    batch=len(records), pending=pending,
                    error_code=getattr(exc, "code", type(exc).__name__), error=str(exc),
                )
                return ForwardResult(forwarded=0, pending=pending, error=str(exc))
            self._spool.remove([record.idempotency_key for record in records])
            pending = self._spool.count()
        _log_event(
            logging.INFO, "dlq_forwarded", store=self._store.name,
            forwarded=len(records), pending=pending,
        )
        return ForwardResult(forwarded=len(records), pending=pending)

    def drain(self, deadline: float | None = None) -> ForwardResult:
        """Forward batch after batch until the spool is empty, a pass fails, or
        ``deadline`` (time.monotonic) has passed."""
        forwarded = 0
        while True:
            result = self.forward_pending()
            forwarded += result.forwarded
            out_of_time = deadline is not None and time.monotonic() >= deadline
            if result.error or result.pending == 0 or out_of_time:
                return replace(result, forwarded=forwarded)

    # -- background forwarding ---------------------------------------------

    def start(self) -> None:
        """Start the forwarder thread (once); it drains the spool left by a previous run too."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._wake.set()
        self._thread = threading.Thread(target=self._run, name="dlq-forwarder", daemon=True)
        self._thread.start()

    def close(self, flush: bool = True, timeout_s: float = 10.0) -> ForwardResult | None:
        """Stop the forwarder and, with ``flush``, drain the spool within ``timeout_s``.

        What cannot be forwarded in time stays in the spool for the next start.
        """
        deadline = time.monotonic() + timeout_s
        if self._thread is not None:
            self._stopping.set()
            self._wake.set()
            self._thread.join(max(0.0, deadline - time.monotonic()))
            if self._thread.is_alive():
                _log_event(logging.WARNING, "dlq_forwarder_stuck", pending=self._spool.count())
                return None
            self._thread = None
        return self.drain(deadline) if flush else None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._forward_interval_s)
            self._wake.clear()
            if self._stopping.is_set():
                return  # close() drains under its own deadline
            try:
                self.drain()
            except Exception:
                # The spool itself failed; the thread must outlive it to retry.
                _log_event(logging.ERROR, "dlq_forwarder_error", exc_info=True)

    # -- reading, for ops --------------------------------------------------

    def pending(self) -> int:
        """Records in the local spool not yet confirmed by the store."""
        return self._spool.count()

    def stats(self) -> DLQStats:
        """Store aggregates plus the spool backlog; TransientError if the store is unreachable."""
        pending = self._spool.count()
        recent_since = _utc_now() - timedelta(hours=24)
        try:
            store_stats = self._breaker.call(self._store.stats, recent_since)
        except TransientError as exc:
            exc.details.setdefault("pending_in_spool", pending)
            raise
        return DLQStats(**asdict(store_stats), pending_in_spool=pending, store=self._store.name)

    def list_failures(
        self,
        limit: int = 50,
        offset: int = 0,
        error_type: str | None = None,
        since: datetime | None = None,
    ) -> list[FailureRecord]:
        """Failures newest first; bad arguments are the caller's error (400)."""
        if not 1 <= limit <= MAX_PAGE_SIZE or not 0 <= offset <= MAX_OFFSET:
            raise PermanentError(
                "invalid_query", f"limit must be 1..{MAX_PAGE_SIZE} and offset 0..{MAX_OFFSET}", 400
            )
        try:
            since_utc = _as_utc(since) if since is not None else None
        except OverflowError:  # 0001-01-01T00:00+14:00 is a year-0 time in UTC
            raise PermanentError("invalid_query", "since must lie in the years 1..9999 in UTC", 400) from None
        return self._breaker.call(
            self._store.list_failures, limit, offset, _checked_error_type(error_type), since_utc
        )


def _checked_error_type(error_type: str | None) -> str | None:
    if error_type is None:
        return None
    try:
        return ErrorType(error_type).value
    except ValueError:
        raise PermanentError(
            "invalid_error_type",
            f"error_type must be one of {[t.value for t in ErrorType]}",
            400,
        ) from None
