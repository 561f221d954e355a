"""Dead-letter queue: records, the spool, the stores, and forwarding through outages."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from geometry_service import migrate
from geometry_service.circuit_breaker import BreakerRegistry, CircuitBreaker
from geometry_service.composition import build_store
from geometry_service.config import Settings
from geometry_service.dead_letter_queue import (
    DeadLetterQueue,
    FailureRecord,
    ForwardResult,
    PostgresStore,
    Spool,
    SQLiteStore,
    SupabaseStore,
    idempotency_key,
)
from geometry_service.errors import (
    ErrorType,
    PermanentError,
    SystemicError,
    TransientError,
)
from geometry_service.retry_utils import RetryPolicy, transient_retry
from tests.fakes import FakeClock, closed_port

FAST = RetryPolicy(max_attempts=2, base_delay_s=0.001, max_delay_s=0.002)
NOW = datetime.now(UTC)
HASH = "ab" * 32


def make_record(correlation_id: str = "cid-1", **overrides: Any) -> FailureRecord:
    values: dict[str, Any] = {
        "correlation_id": correlation_id,
        "file_name": "bracket.step",
        "file_hash": HASH,
        "file_size": 12_345,
        "error_type": "transient",
        "error_code": "worker_lost",
        "error_message": "the geometry worker died",
        "details": {"tiers_tried": ["tier_1_brep_ml"], "timings": {"read_ms": 12.5}},
        "retry_count": 1,
    }
    values.update(overrides)
    return FailureRecord(**values)


# -- the record ----------------------------------------------------------------


def test_idempotency_key_is_stable_for_retries_of_one_failure() -> None:
    first = make_record(retry_count=0, created_at=NOW - timedelta(seconds=5))
    retried = make_record(retry_count=2)
    assert first.idempotency_key == retried.idempotency_key
    assert first.idempotency_key == idempotency_key("cid-1", "worker_lost", HASH)
    assert make_record("cid-2").idempotency_key != first.idempotency_key
    assert make_record(error_code="timeout").idempotency_key != first.idempotency_key


def test_error_type_is_strictly_one_of_three() -> None:
    assert make_record(error_type=ErrorType.SYSTEMIC).error_type == "systemic"
    with pytest.raises(ValueError, match="error_type must be one of"):
        make_record(error_type="flaky")


def test_created_at_is_utc() -> None:
    naive = make_record(created_at=datetime(2024, 5, 1, 12, 0))
    assert naive.created_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    plus_two = timezone(timedelta(hours=2))
    offset = make_record(created_at=datetime(2024, 5, 1, 14, 0, tzinfo=plus_two))
    assert offset.created_at == naive.created_at


def test_from_service_error_keeps_its_classification() -> None:
    try:
        raise PermanentError("no_solid", "the file has no solid", 422, {"entities": 12})
    except PermanentError as exc:
        record = FailureRecord.from_error(
            exc, correlation_id="c", file_hash=HASH, details={"tiers_tried": []}
        )
    assert (record.error_type, record.error_code, record.error_message) == (
        "permanent",
        "no_solid",
        "the file has no solid",
    )
    assert record.details == {"entities": 12, "tiers_tried": []}
    assert "PermanentError" in record.traceback


def test_from_unclassified_exception_is_systemic() -> None:
    record = FailureRecord.from_error(RuntimeError("boom"), correlation_id="c")
    assert (record.error_type, record.error_code, record.error_message) == (
        "systemic",
        "internal_error",
        "boom",
    )


def test_text_is_made_storable_at_construction() -> None:
    record = make_record(
        error_message="bad header b'ISO\x00'", details={"path": Path("/tmp/x"), "axes": (1, 2)}
    )
    assert record.error_message == "bad header b'ISO\ufffd'"
    assert record.details == {"axes": [1, 2], "path": "/tmp/x"}


def test_dict_round_trip() -> None:
    record = make_record()
    data = json.loads(json.dumps(record.to_dict()))
    assert data["created_at"].endswith("+00:00")
    assert FailureRecord.from_row(data) == record


# -- stores (the same contract for SQLite and Postgres) ------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "var" / "dlq.sqlite3")
    url = request.getfixturevalue("postgres_schema_url")
    migrate.apply_migrations(url)
    return PostgresStore(url)


def test_store_write_is_idempotent(store) -> None:
    record = make_record()
    store.write([record])
    store.write([record, make_record("cid-2")])
    store.write([make_record(retry_count=3)])  # a retry of the first failure
    assert store.stats(NOW - timedelta(days=1)).total == 2


def test_store_keeps_every_field(store) -> None:
    record = make_record(error_message="quotes a binary file: \x00\x01", traceback="Traceback")
    store.write([record])
    assert store.list_failures(1, 0, None, None) == [record]


def test_store_lists_newest_first_with_filters_and_paging(store) -> None:
    records = [
        make_record(
            f"cid-{i}",
            created_at=NOW - timedelta(hours=i),
            error_type="permanent" if i % 2 else "transient",
        )
        for i in range(5)
    ]
    store.write(records)
    listed = store.list_failures(50, 0, None, None)
    assert [r.correlation_id for r in listed] == [f"cid-{i}" for i in range(5)]
    assert listed[0] == records[0]
    assert [r.correlation_id for r in store.list_failures(2, 1, None, None)] == ["cid-1", "cid-2"]
    assert [r.correlation_id for r in store.list_failures(50, 0, "permanent", None)] == [
        "cid-1",
        "cid-3",
    ]
    since = NOW - timedelta(hours=2, minutes=30)
    assert [r.correlation_id for r in store.list_failures(50, 0, None, since)] == [
        "cid-0",
        "cid-1",
        "cid-2",
    ]


def test_store_stats(store) -> None:
    store.write(
        [
            make_record(
                "a",
                created_at=NOW - timedelta(days=3),
                error_code="no_solid",
                error_type="permanent",
            ),
            make_record("b", created_at=NOW - timedelta(hours=1)),
            make_record("c", created_at=NOW),
        ]
    )
    stats = store.stats(NOW - timedelta(hours=24))
    assert (stats.total, stats.last_24h) == (3, 2)
    assert stats.by_error_type == {"transient": 2, "permanent": 1, "systemic": 0}
    assert stats.by_error_code == {"no_solid": 1, "worker_lost": 2}
    assert stats.oldest == make_record(created_at=NOW - timedelta(days=3)).created_at
    assert stats.newest == make_record(created_at=NOW).created_at


def test_empty_store_stats(store) -> None:
    stats = store.stats(NOW)
    assert (stats.total, stats.last_24h, stats.oldest, stats.newest) == (0, 0, None, None)


def test_unreachable_postgres_is_transient() -> None:
    store = PostgresStore(f"postgresql://postgres@127.0.0.1:{closed_port()}/test")
    with pytest.raises(TransientError) as raised:
        store.write([make_record()])
    assert raised.value.code == "dlq_store_unavailable"


def test_postgres_without_the_table_is_systemic(postgres_schema_url: str) -> None:
    with pytest.raises(SystemicError):
        PostgresStore(postgres_schema_url).stats(NOW)


def test_table_name_must_be_an_identifier(tmp_path: Path) -> None:
    with pytest.raises(SystemicError):
        SQLiteStore(tmp_path / "x.sqlite3", table="t; DROP TABLE x")


def test_build_store_follows_settings(tmp_path: Path) -> None:
    sqlite = Settings(dlq_sqlite_path=tmp_path / "d.sqlite3")
    assert isinstance(build_store(sqlite), SQLiteStore)
    assert isinstance(build_store(Settings(database_url="postgresql://x/y")), PostgresStore)
    supabase = Settings(supabase_url="https://p.supabase.co", supabase_service_role_key="k")
    assert isinstance(build_store(supabase), SupabaseStore)


# -- forwarding through an outage ----------------------------------------------


class SwitchableStore:
    """A real store that, while ``down``, fails like an unreachable database."""

    name = "switchable"

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner
        self.down = False
        self.write_calls = 0

    def _check(self) -> None:
        if self.down:
            raise TransientError("dlq_store_unavailable", "store is down")

    def write(self, records) -> None:
        self.write_calls += 1
        self._check()
        self.inner.write(records)

    def stats(self, recent_since):
        self._check()
        return self.inner.stats(recent_since)

    def list_failures(self, limit, offset, error_type, since):
        self._check()
        return self.inner.list_failures(limit, offset, error_type, since)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def switchable(tmp_path: Path) -> SwitchableStore:
    return SwitchableStore(SQLiteStore(tmp_path / "store.sqlite3"))


@pytest.fixture
def dlq(tmp_path: Path, switchable: SwitchableStore, clock: FakeClock) -> Iterator[DeadLetterQueue]:
    breaker = CircuitBreaker("dlq_store", failure_threshold=3, recovery_timeout_s=60, clock=clock)
    queue = DeadLetterQueue(
        Spool(tmp_path / "spool" / "spool.sqlite3"),
        switchable,
        breaker,
        transient_retry(FAST, name="dlq_store"),
        forward_interval_s=0.01,
        batch_size=2,
    )
    yield queue
    queue.close(flush=False)


def test_spool_is_wal_and_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "spool.sqlite3"
    Spool(path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_record_spools_once_per_key(dlq: DeadLetterQueue, switchable: SwitchableStore) -> None:
    assert dlq.record(make_record()) is True
    assert dlq.record(make_record(retry_count=2)) is True
    assert dlq.drain().forwarded == 1
    assert switchable.inner.stats(NOW - timedelta(days=1)).total == 1


def test_outage_keeps_records_spooled_then_drains_without_duplicates(
    dlq: DeadLetterQueue, switchable: SwitchableStore, clock: FakeClock
) -> None:
    switchable.down = True
    for i in range(5):
        dlq.record(make_record(f"cid-{i}"))
    first = dlq.forward_pending()
    assert (first.forwarded, first.pending) == (0, 5)
    assert "store is down" in first.error
    assert switchable.write_calls == FAST.max_attempts  # retried, then gave up

    dlq.forward_pending()  # third failure: the breaker opens
    calls_before = switchable.write_calls
    rejected = dlq.forward_pending()
    assert "circuit breaker open" in rejected.error
    assert switchable.write_calls == calls_before  # rejected without touching the store

    switchable.down = False
    dlq.record(make_record("cid-0"))  # a retry of a failure already spooled
    clock.now += 60  # recovery timeout: the next pass is the half-open trial
    result = dlq.drain()
    assert (result.forwarded, result.pending, result.error) == (5, 0, None)
    listed = switchable.inner.list_failures(50, 0, None, None)
    assert sorted(r.correlation_id for r in listed) == [f"cid-{i}" for i in range(5)]

    dlq.record(make_record("cid-0"))  # recorded again after it was forwarded
    dlq.drain()
    assert switchable.inner.stats(NOW - timedelta(days=1)).total == 5


def test_a_restart_drains_what_the_previous_run_spooled(
    tmp_path: Path, postgres_schema_url: str
) -> None:
    spool_path = tmp_path / "spool.sqlite3"
    breakers = BreakerRegistry()

    def queue(database_url: str) -> DeadLetterQueue:
        return DeadLetterQueue(
            Spool(spool_path),
            PostgresStore(database_url),
            breakers.get("dlq_store"),
            transient_retry(FAST, name="dlq_store"),
        )

    down = queue(f"postgresql://postgres@127.0.0.1:{closed_port()}/test")
    down.record(make_record("a"))
    down.record(make_record("b"))
    assert down.close(flush=True, timeout_s=5).pending == 2

    migrate.apply_migrations(postgres_schema_url)
    back = queue(postgres_schema_url)
    back.record(make_record("a"))
    assert back.close(flush=True, timeout_s=5) == ForwardResult(forwarded=2, pending=0)
    assert PostgresStore(postgres_schema_url).stats(NOW - timedelta(days=1)).total == 2


# -- poisoned records -----------------------------------------------------------


@pytest.fixture
def real_queue(store, tmp_path: Path) -> Iterator[DeadLetterQueue]:
    """A queue in front of the real SQLite or Postgres store (the ``store`` fixture's two)."""
    queue = DeadLetterQueue(
        Spool(tmp_path / "poison-spool.sqlite3"),
        store,
        CircuitBreaker("dlq_store"),
        transient_retry(FAST, name="dlq_store"),
        batch_size=10,
    )
    yield queue
    queue.close(flush=False)


def test_lone_surrogate_is_cleaned_before_it_is_spooled(real_queue: DeadLetterQueue, store) -> None:
    """The red team's record: a JSON file name with a lone surrogate jammed every
    forwarding pass."""
    assert real_queue.record(
        make_record("poison", file_name="\udc80evil.step", details={"\ud800key": ["\udfff"]})
    )
    real_queue.record(make_record("after"))
    assert real_queue.drain() == ForwardResult(forwarded=2, pending=0)
    stored = {r.correlation_id: r for r in store.list_failures(10, 0, None, None)}
    assert stored["poison"].file_name == "\ufffdevil.step"
    assert stored["poison"].details == {"\ufffdkey": ["\ufffd"]}
    assert "after" in stored


def test_a_record_the_store_rejects_is_quarantined_and_the_batch_goes_on(
    real_queue: DeadLetterQueue, store
) -> None:
    real_queue.record(make_record("before"))
    real_queue.record(make_record("too-big", file_size=2**70))  # past bigint / SQLite INTEGER
    real_queue.record(make_record("after"))
    result = real_queue.drain()
    assert (result.forwarded, result.quarantined, result.pending, result.error) == (2, 1, 0, None)
    assert {r.correlation_id for r in store.list_failures(10, 0, None, None)} == {"before", "after"}
    stats = real_queue.stats().to_dict()
    assert (stats["total"], stats["pending_in_spool"], stats["quarantined"]) == (2, 0, 1)
    real_queue.record(make_record("later"))  # the queue is not jammed
    assert real_queue.drain().forwarded == 1


def test_rows_spooled_by_an_older_version_drain_or_are_quarantined(tmp_path: Path, store) -> None:
    """A spool left by a version that did not clean strings drains after a restart."""
    spool_path = tmp_path / "old-spool.sqlite3"
    spool = Spool(spool_path)
    old_row = {**make_record("old").to_dict(), "file_name": "\udc80evil.step"}
    with sqlite3.connect(spool_path) as connection:
        connection.executemany(
            "INSERT INTO spool (idempotency_key, payload, spooled_at) VALUES (?, ?, ?)",
            [
                (old_row["idempotency_key"], json.dumps(old_row), "2026-01-01T00:00:00"),
                ("k-junk", "{not json", "2026-01-01T00:00:01"),
            ],
        )
    queue = DeadLetterQueue(
        spool, store, CircuitBreaker("dlq_store"), transient_retry(FAST, name="dlq_store")
    )
    assert queue.drain().forwarded == 1
    assert (spool.count(), spool.quarantined()) == (0, 1)
    assert store.list_failures(10, 0, None, None)[0].file_name == "\ufffdevil.step"


def test_a_broken_store_quarantines_nothing(tmp_path: Path, postgres_schema_url: str) -> None:
    """A missing table fails every record alike: the store is at fault, records wait."""
    spool = Spool(tmp_path / "spool.sqlite3")
    queue = DeadLetterQueue(
        spool,
        PostgresStore(postgres_schema_url),
        CircuitBreaker("dlq_store"),
        transient_retry(FAST, name="dlq_store"),
    )
    queue.record(make_record("a"))
    queue.record(make_record("b"))
    result = queue.drain()
    assert result.error and (result.pending, result.quarantined) == (2, 0)
    assert spool.quarantined() == 0


def test_background_forwarder_drains_soon_after_record(
    dlq: DeadLetterQueue, switchable: SwitchableStore
) -> None:
    dlq.start()
    dlq.record(make_record())
    deadline = time.monotonic() + 5
    while switchable.inner.stats(NOW - timedelta(days=1)).total == 0:
        assert time.monotonic() < deadline, "the forwarder did not forward"
        time.sleep(0.005)
    assert dlq.close(flush=True).pending == 0


def test_close_flushes_within_its_timeout(
    dlq: DeadLetterQueue, switchable: SwitchableStore
) -> None:
    switchable.down = True
    dlq.start()
    dlq.record(make_record())
    started = time.monotonic()
    result = dlq.close(flush=True, timeout_s=1)
    assert time.monotonic() - started < 1.5
    assert result.pending == 1


def test_record_never_raises_when_the_spool_fails(
    dlq: DeadLetterQueue, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def disk_full(record: FailureRecord) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(dlq._spool, "add", disk_full)
    with caplog.at_level(logging.ERROR, logger="geometry_service.dlq"):
        assert dlq.record(make_record()) is False
    logged = json.loads(caplog.records[0].getMessage())
    assert logged["event"] == "dlq_spool_failed"
    assert logged["record"]["correlation_id"] == "cid-1"


# -- reads for ops -------------------------------------------------------------


def test_stats_include_the_spool_backlog(dlq: DeadLetterQueue, switchable: SwitchableStore) -> None:
    switchable.inner.write([make_record("old")])
    dlq.record(make_record("waiting"))
    stats = dlq.stats().to_dict()
    assert (stats["total"], stats["pending_in_spool"], stats["store"]) == (1, 1, "switchable")
    assert stats["newest"].endswith("+00:00")


def test_reads_from_an_unreachable_store_raise_transient(
    dlq: DeadLetterQueue, switchable: SwitchableStore
) -> None:
    dlq.record(make_record())
    switchable.down = True
    with pytest.raises(TransientError) as raised:
        dlq.stats()
    assert raised.value.details["pending_in_spool"] == 1
    assert raised.value.details["quarantined"] == 0
    with pytest.raises(TransientError):
        dlq.list_failures()


def test_list_failures_checks_its_arguments(dlq: DeadLetterQueue) -> None:
    for bad in ({"error_type": "flaky"}, {"limit": 0}, {"limit": 10_000}, {"offset": -1}):
        with pytest.raises(PermanentError) as raised:
            dlq.list_failures(**bad)
        assert raised.value.http_status == 400


def test_list_failures_returns_records(dlq: DeadLetterQueue, switchable: SwitchableStore) -> None:
    switchable.inner.write([make_record("a", error_type="systemic"), make_record("b")])
    assert [r.correlation_id for r in dlq.list_failures(error_type="systemic")] == ["a"]


# -- Supabase, against a local server that plays PostgREST ---------------------


class FakePostgrest:
    """Records each request; answers with the canned reply for (method, path)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: dict[tuple[str, str], tuple[int, dict[str, str], bytes]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": url.path,
                        "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": json.loads(body) if body else None,
                    }
                )
                status, headers, reply = fake.replies.get(
                    (self.command, url.path), (200, {}, b"[]")
                )
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply)

            do_GET = do_POST = do_HEAD = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def reply(self, method: str, path: str, status: int, body: Any = None, **headers: str) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        self.replies[(method, path)] = (status, headers, payload)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


KEY = "service-role-key-for-tests"
TABLE_PATH = "/rest/v1/failed_cad_analyses"


@pytest.fixture
def postgrest() -> Iterator[FakePostgrest]:
    server = FakePostgrest()
    yield server
    server.close()


@pytest.fixture
def supabase(postgrest: FakePostgrest) -> SupabaseStore:
    return SupabaseStore(postgrest.url, KEY, timeout_s=2)


def test_supabase_write_is_an_idempotent_upsert(
    supabase: SupabaseStore, postgrest: FakePostgrest
) -> None:
    postgrest.reply("POST", TABLE_PATH, 201)
    records = [make_record("a"), make_record("b")]
    supabase.write(records)
    [request] = postgrest.requests
    assert (request["method"], request["path"]) == ("POST", TABLE_PATH)
    assert request["headers"]["apikey"] == KEY
    assert request["headers"]["authorization"] == f"Bearer {KEY}"
    assert request["query"]["on_conflict"] == "idempotency_key"
    assert "resolution=ignore-duplicates" in request["headers"]["prefer"].split(",")
    assert request["json"] == [record.to_dict() for record in records]
    assert request["json"][0]["idempotency_key"] == records[0].idempotency_key


def test_supabase_list_failures_query(supabase: SupabaseStore, postgrest: FakePostgrest) -> None:
    record = make_record()
    postgrest.reply("GET", TABLE_PATH, 200, [{**record.to_dict(), "id": 7}])
    since = datetime(2024, 5, 1, tzinfo=UTC)
    assert supabase.list_failures(10, 20, "transient", since) == [record]
    [request] = postgrest.requests
    query = request["query"]
    assert query["error_type"] == "eq.transient"
    assert query["created_at"] == "gte.2024-05-01T00:00:00.000000+00:00"
    assert query["order"] == "created_at.desc,id.desc"
    assert (query["limit"], query["offset"]) == ("10", "20")
    assert set(query["select"].split(",")) >= {"idempotency_key", "details", "created_at"}


def test_supabase_stats_read_the_summary_view(
    supabase: SupabaseStore, postgrest: FakePostgrest
) -> None:
    postgrest.reply(
        "GET",
        "/rest/v1/failed_cad_analyses_summary",
        200,
        [
            {
                "error_type": "permanent",
                "error_code": "no_solid",
                "count": 3,
                "oldest": "2024-05-01T00:00:00+00:00",
                "newest": "2024-05-03T00:00:00+00:00",
            },
            {
                "error_type": "transient",
                "error_code": "worker_lost",
                "count": 2,
                "oldest": "2024-05-02T00:00:00+00:00",
                "newest": "2024-05-04T00:00:00+00:00",
            },
        ],
    )
    postgrest.reply("HEAD", TABLE_PATH, 200, None, **{"Content-Range": "*/4"})
    stats = supabase.stats(NOW - timedelta(hours=24))
    assert (stats.total, stats.last_24h) == (5, 4)
    assert stats.by_error_type == {"transient": 2, "permanent": 3, "systemic": 0}
    assert stats.oldest == datetime(2024, 5, 1, tzinfo=UTC)
    assert stats.newest == datetime(2024, 5, 4, tzinfo=UTC)
    head = postgrest.requests[1]
    assert head["method"] == "HEAD"
    assert "count=exact" in head["headers"]["prefer"]
    assert head["query"]["created_at"].startswith("gte.")


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (503, "PGRST000", TransientError),  # PostgREST cannot reach Postgres
        (504, "57014", TransientError),  # statement timeout
        (404, "PGRST205", SystemicError),  # the table does not exist
        (401, "PGRST301", SystemicError),  # a bad key
    ],
)
def test_supabase_errors_are_classified(
    supabase: SupabaseStore, postgrest: FakePostgrest, status: int, code: str, expected: type
) -> None:
    postgrest.reply("POST", TABLE_PATH, status, {"code": code, "message": "nope"})
    with pytest.raises(expected):
        supabase.write([make_record()])
    assert len(postgrest.requests) == 1  # the client's own retries are off


def test_supabase_unreachable_is_transient() -> None:
    store = SupabaseStore(f"http://127.0.0.1:{closed_port()}", KEY, timeout_s=1)
    with pytest.raises(TransientError):
        store.list_failures(10, 0, None, None)
