"""The local durable spool: records wait here until a store has them."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from ..json_logging import log_event
from .record import FailureRecord, dumps, iso, utc_now
from .store import prepare_sqlite, sqlite_transaction

log = logging.getLogger("geometry_service.dlq")


# -- the spool ---------------------------------------------------------------


class Spool:
    """The local first stage: records wait here until a store confirms them.

    Its ``quarantine`` table keeps what can never be forwarded: records the
    store rejected for good, and rows that no longer decode as a record.
    """

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        prepare_sqlite(
            self._path,
            """
            CREATE TABLE IF NOT EXISTS spool (
                seq INTEGER PRIMARY KEY,
                idempotency_key TEXT NOT NULL UNIQUE,
                payload TEXT NOT NULL,
                spooled_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS quarantine (
                seq INTEGER PRIMARY KEY,
                idempotency_key TEXT NOT NULL UNIQUE,
                payload TEXT NOT NULL,
                reason TEXT NOT NULL,
                quarantined_at TEXT NOT NULL
            );
            """,
        )

    def add(self, record: FailureRecord) -> None:
        """Keep ``record``; a key already waiting is ignored."""
        with sqlite_transaction(self._path) as connection:
            connection.execute(
                "INSERT OR IGNORE INTO spool (idempotency_key, payload, spooled_at) "
                "VALUES (?, ?, ?)",
                (record.idempotency_key, dumps(record.to_dict()), iso(utc_now())),
            )

    def oldest(self, limit: int) -> list[FailureRecord]:
        """The oldest records; rows that no longer decode go to the quarantine."""
        while True:
            with sqlite_transaction(self._path) as connection:
                rows = connection.execute(
                    "SELECT idempotency_key, payload FROM spool ORDER BY seq LIMIT ?", (limit,)
                ).fetchall()
            records: list[FailureRecord] = []
            for key, payload in rows:
                try:
                    records.append(FailureRecord.from_row(json.loads(payload)))
                except (ValueError, KeyError, TypeError) as exc:
                    self.quarantine(key, f"undecodable spool row: {type(exc).__name__}: {exc}")
            if records or len(rows) == 0:
                return records

    def quarantine(self, key: str, reason: str) -> None:
        """Move the record ``key`` from the spool to the quarantine, with why."""
        with sqlite_transaction(self._path) as connection:
            connection.execute(
                "INSERT OR IGNORE INTO quarantine "
                "(idempotency_key, payload, reason, quarantined_at) "
                "SELECT idempotency_key, payload, ?, ? FROM spool WHERE idempotency_key = ?",
                (reason, iso(utc_now()), key),
            )
            connection.execute("DELETE FROM spool WHERE idempotency_key = ?", (key,))
        log_event(log, logging.ERROR, "dlq_record_quarantined", idempotency_key=key, reason=reason)

    def quarantined(self) -> int:
        with sqlite_transaction(self._path) as connection:
            (count,) = connection.execute("SELECT COUNT(*) FROM quarantine").fetchone()
        return int(count)

    def remove(self, keys: Sequence[str]) -> None:
        with sqlite_transaction(self._path) as connection:
            connection.executemany(
                "DELETE FROM spool WHERE idempotency_key = ?", [(key,) for key in keys]
            )

    def count(self) -> int:
        with sqlite_transaction(self._path) as connection:
            (count,) = connection.execute("SELECT COUNT(*) FROM spool").fetchone()
        return int(count)
