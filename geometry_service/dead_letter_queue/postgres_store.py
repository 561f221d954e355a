"""The Postgres failure store: the table of migrations/001_failed_cad_analyses.sql."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ..errors import ServiceError
from .record import as_utc, dumps
from .store import REJECTED_VALUES, SqlStore, broken, rejected, unavailable


class PostgresStore(SqlStore):
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
        return as_utc(value)

    def _encode_details(self, details: dict[str, Any]) -> Jsonb:
        return Jsonb(details, dumps=dumps)

    def _service_error(self, exc: Exception) -> ServiceError | None:
        # psycopg files connection loss, timeouts, shutdowns and serialisation
        # failures under OperationalError; the rest is our SQL or our schema.
        if isinstance(exc, psycopg.OperationalError):
            return unavailable(self.name, exc)
        if isinstance(exc, (psycopg.DataError, psycopg.IntegrityError, *REJECTED_VALUES)):
            return rejected(self.name, exc)
        if isinstance(exc, psycopg.Error):
            return broken(self.name, exc)
        return None
