"""The embedded failure store: a local SQLite file, created on first use."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ServiceError
from .record import ERROR_TYPE_CHECK, dumps, iso
from .store import (
    REJECTED_VALUES,
    SqlStore,
    broken,
    prepare_sqlite,
    rejected,
    sqlite_transaction,
    unavailable,
)


class SQLiteStore(SqlStore):
    """The embedded default: a local SQLite file, created on first use."""

    name = "sqlite"
    _placeholder = "?"

    def __init__(self, path: Path, table: str = "failed_cad_analyses") -> None:
        super().__init__(table)
        self._path = Path(path)
        prepare_sqlite(
            self._path,
            f"""
            CREATE TABLE IF NOT EXISTS {self._table} (
                id INTEGER PRIMARY KEY,
                idempotency_key TEXT NOT NULL UNIQUE,
                correlation_id TEXT NOT NULL,
                file_name TEXT,
                file_hash TEXT,
                file_size INTEGER,
                error_type TEXT NOT NULL CHECK (error_type IN ({ERROR_TYPE_CHECK})),
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
        return sqlite_transaction(self._path)

    def _encode_time(self, value: datetime) -> str:
        return iso(value)

    def _encode_details(self, details: dict[str, Any]) -> str:
        return dumps(details)

    def _service_error(self, exc: Exception) -> ServiceError | None:
        # OperationalError is a locked database, a full disk, an unopenable file.
        if isinstance(exc, sqlite3.OperationalError):
            return unavailable(self.name, exc)
        if isinstance(exc, (sqlite3.IntegrityError, sqlite3.DataError, *REJECTED_VALUES)):
            return rejected(self.name, exc)
        if isinstance(exc, sqlite3.Error):
            return broken(self.name, exc)
        return None
