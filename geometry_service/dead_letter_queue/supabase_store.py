"""The Supabase failure store, through PostgREST."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from postgrest import APIError, CountMethod, ReturnMethod
from supabase import ClientOptions, create_client

from .record import COLUMNS, FailureRecord, iso
from .results import StoreStats, SummaryGroup
from .store import REJECTED_VALUES, broken, checked_table, rejected, unavailable

_TRANSIENT_POSTGREST_CODES = ("PGRST0", "08", "40", "5")
"""PostgREST error codes worth retrying: PGRST0xx (PostgREST cannot reach
Postgres), SQLSTATE classes 08 (connection) and 40 (serialisation, deadlock),
and anything starting with 5: an HTTP 5xx from a proxy, or SQLSTATE 53, 55,
57, 58 (resources, locks, timeouts and shutdowns, system errors). Everything
else (bad key, missing table, bad column) needs a person, not a retry."""

_REJECTED_POSTGREST_CODES = ("22", "23")
"""SQLSTATE classes 22 (data exception) and 23 (integrity constraint): the record is at fault."""


class SupabaseStore:
    """The Supabase table, through PostgREST with the service-role key.

    Aggregates come from the ``<table>_summary`` view of the migration,
    because PostgREST does not GROUP BY on its own.
    """

    name = "supabase"

    def __init__(
        self,
        url: str,
        service_role_key: str,
        table: str = "failed_cad_analyses",
        timeout_s: float = 10.0,
    ) -> None:
        self._table = checked_table(table)
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
            raise unavailable(self.name, exc) from exc
        except REJECTED_VALUES as exc:
            raise rejected(self.name, exc) from exc
        except APIError as exc:
            if (exc.code or "").startswith(_TRANSIENT_POSTGREST_CODES):
                raise unavailable(self.name, exc) from exc
            if (exc.code or "").startswith(_REJECTED_POSTGREST_CODES):
                raise rejected(self.name, exc) from exc
            raise broken(self.name, exc) from exc

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
            .gte("created_at", iso(recent_since))
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
            query = query.gte("created_at", iso(since))
        query = (
            query.order("created_at", desc=True).order("id", desc=True).limit(limit).offset(offset)
        )
        return [FailureRecord.from_row(row) for row in self._execute(query).data]
