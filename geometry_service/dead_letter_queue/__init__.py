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
A record the store rejects for good (its data, not the store, is at fault)
is moved to the spool's quarantine table, kept and counted in
:meth:`DeadLetterQueue.stats`, and the rest of the batch goes on: one bad
record must never hold back every record behind it.
Duplicates cannot arise: every record carries an idempotency key (derived from
the correlation id, error code and file hash), the spool ignores a key it
already holds, and every store ignores a key it already stored.

Reads for ops (:meth:`DeadLetterQueue.stats`, :meth:`DeadLetterQueue.list_failures`)
go to the store; a store that cannot be reached raises a TransientError.
"""

from .postgres_store import PostgresStore
from .queue import DeadLetterQueue
from .record import FailureRecord, idempotency_key
from .results import DLQStats, ForwardResult, StoreStats, SummaryGroup
from .spool import Spool
from .sqlite_store import SQLiteStore
from .store import FailureStore
from .supabase_store import SupabaseStore

__all__ = [
    "DLQStats",
    "DeadLetterQueue",
    "FailureRecord",
    "FailureStore",
    "ForwardResult",
    "PostgresStore",
    "SQLiteStore",
    "Spool",
    "StoreStats",
    "SummaryGroup",
    "SupabaseStore",
    "idempotency_key",
]
