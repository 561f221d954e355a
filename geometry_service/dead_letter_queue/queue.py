"""The dead-letter queue: spool first, then forward to the configured store in the background."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime, timedelta

from tenacity import Retrying

from ..circuit_breaker import CircuitBreaker
from ..errors import ErrorType, PermanentError, TransientError
from ..json_logging import log_event
from .record import MAX_OFFSET, MAX_PAGE_SIZE, FailureRecord, as_utc, utc_now
from .results import DLQStats, ForwardResult
from .spool import Spool
from .store import FailureStore

log = logging.getLogger("geometry_service.dlq")


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
            log_event(
                log, logging.ERROR, "dlq_spool_failed", exc_info=True, record=record.to_dict()
            )
            return False
        self._wake.set()
        return True

    def forward_pending(self, limit: int | None = None) -> ForwardResult:
        """Forward up to ``limit`` of the oldest spooled records to the store.

        Records leave the spool only after the store confirmed the write; any
        other error leaves them for the next pass (the store's write is
        idempotent, so a confirmed write whose spool delete failed is harmless
        to repeat). When the store rejects the batch for a record's data, the
        records are written one by one and each rejected one is quarantined.
        """
        with self._forward_lock:
            records = self._spool.oldest(limit or self._batch_size)
            if not records:
                return ForwardResult(forwarded=0, pending=self._spool.count())
            try:
                self._write(records)
            except PermanentError:
                return self._forward_one_by_one(records)
            except Exception as exc:
                return self._forward_failed(len(records), exc)
            self._spool.remove([record.idempotency_key for record in records])
            pending = self._spool.count()
        log_event(
            log,
            logging.INFO,
            "dlq_forwarded",
            store=self._store.name,
            forwarded=len(records),
            pending=pending,
        )
        return ForwardResult(forwarded=len(records), pending=pending)

    def _write(self, records: Sequence[FailureRecord]) -> None:
        self._retry_policy(self._breaker.call, self._store.write, records)

    def _forward_one_by_one(self, records: Sequence[FailureRecord]) -> ForwardResult:
        """Find the records the store rejects: quarantine them, forward the rest."""
        forwarded = quarantined = 0
        for record in records:
            try:
                self._write([record])
            except PermanentError as exc:
                self._spool.quarantine(record.idempotency_key, exc.message)
                quarantined += 1
                continue
            except Exception as exc:
                result = self._forward_failed(len(records) - forwarded - quarantined, exc)
                return replace(result, forwarded=forwarded, quarantined=quarantined)
            self._spool.remove([record.idempotency_key])
            forwarded += 1
        return ForwardResult(
            forwarded=forwarded, pending=self._spool.count(), quarantined=quarantined
        )

    def _forward_failed(self, batch: int, exc: Exception) -> ForwardResult:
        pending = self._spool.count()
        log_event(
            log,
            logging.WARNING,
            "dlq_forward_failed",
            store=self._store.name,
            batch=batch,
            pending=pending,
            error_code=getattr(exc, "code", type(exc).__name__),
            error=str(exc),
        )
        return ForwardResult(forwarded=0, pending=pending, error=str(exc))

    def drain(self, deadline: float | None = None) -> ForwardResult:
        """Forward batch after batch until the spool is empty, a pass fails, or
        ``deadline`` (time.monotonic) has passed."""
        forwarded = quarantined = 0
        while True:
            result = self.forward_pending()
            forwarded += result.forwarded
            quarantined += result.quarantined
            out_of_time = deadline is not None and time.monotonic() >= deadline
            stalled = result.forwarded == 0 and result.quarantined == 0
            if result.error or result.pending == 0 or out_of_time or stalled:
                return replace(result, forwarded=forwarded, quarantined=quarantined)

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
                log_event(log, logging.WARNING, "dlq_forwarder_stuck", pending=self._spool.count())
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
                log_event(log, logging.ERROR, "dlq_forwarder_error", exc_info=True)

    # -- reading, for ops --------------------------------------------------

    def pending(self) -> int:
        """Records in the local spool not yet confirmed by the store."""
        return self._spool.count()

    def quarantined(self) -> int:
        """Records no store accepts, kept for a person to look at."""
        return self._spool.quarantined()

    def stats(self) -> DLQStats:
        """Store aggregates plus the spool backlog and quarantine; TransientError if
        the store is unreachable, its details holding what the spool knows."""
        spool = {"pending_in_spool": self._spool.count(), "quarantined": self._spool.quarantined()}
        recent_since = utc_now() - timedelta(hours=24)
        try:
            store_stats = self._breaker.call(self._store.stats, recent_since)
        except TransientError as exc:
            exc.details.update({**spool, "store": self._store.name})
            raise
        return DLQStats(**asdict(store_stats), **spool, store=self._store.name)

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
            since_utc = as_utc(since) if since is not None else None
        except OverflowError:  # 0001-01-01T00:00+14:00 is a year-0 time in UTC
            raise PermanentError(
                "invalid_query", "since must lie in the years 1..9999 in UTC", 400
            ) from None
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
