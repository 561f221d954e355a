"""The service behind ``/analyze``: one request from received file to JSON answer.

Plain Python, no Flask: the routes hand it a way to get the file and a
correlation id, and get back an :class:`Answer` (status, body, headers). It
owns what must be shared by every request of the process: the worker pool,
the circuit breakers, the result cache, the dead-letter queue and the
metrics. Every failure and every degraded answer leaves a dead-letter record
and one JSON log line, so no request fails without trace.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from . import __version__
from .analysis_request import (
    AnalysisRequest,
    analyze_in_worker,
    blocked_tiers,
    load_model_in_worker,
)
from .circuit_breaker import BreakerRegistry, BreakerState, CircuitBreaker, CircuitOpenError
from .config import Settings
from .dead_letter_queue import DeadLetterQueue, FailureRecord
from .errors import ErrorType, PermanentError, ServiceError, SystemicError, TransientError
from .file_download import check_url_allowed, download_file
from .graceful_degradation import Tier
from .json_logging import correlation_scope, log_event
from .manufacturing.limits import ShopLimits
from .mesh_settings import MeshSettings
from .metrics import ServiceMetrics
from .model_file import ModelFile
from .public_answer import Upload, Versions, public_answer
from .received_file import ReceivedFile
from .result_cache import ResultCache, cache_key
from .retry_utils import RetryEvent, RetryPolicy, transient_retry
from .training_candidates import TrainingCandidates
from .worker_pool import GeometryPool, PoolOverloaded, WorkerLost, WorkerTimeout
from .worker_result import WorkerResult

log = logging.getLogger("geometry_service.requests")

CORRELATION_ID_MAX = 128
ANSWER_MARGIN_S = 0.3
"""Of the request's budget, kept for sending the answer once the worker is done."""
WORKER_MARGIN_S = 0.5
WORKER_MARGIN_SHARE = 0.05
"""The worker's ladder stops starting tiers this long before the answer is due
(the larger of the two), to leave it time to measure, serialise and return."""
UNLEARNT_CODES = ("model_uncertain", "model_disagrees")
"""Tier 1 declined because the network does not know parts like this one: kept for training."""


@dataclass(frozen=True)
class RequestOptions:
    """What the caller chose for one /analyze request."""

    rules_first: bool = False  # tier 1 (the network) blocked: POST /analyze-aag
    mesh_format: str = "json"  # mesh_data.py: json or binary
    read_shop_limits: Callable[[], Any] = lambda: None
    """The caller's overrides of the shop's limits (a JSON object, or None), read and
    checked inside the request so that a bad one is a 400 answer like any other."""


@dataclass
class Answer:
    """What the HTTP layer sends: a status, a JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def correlation_id_from(value: str | None) -> str:
    """The caller's id when it is printable ASCII and short, else a fresh one: it goes
    back in the X-Correlation-ID header, and a header cannot carry any other text."""
    if value and len(value) <= CORRELATION_ID_MAX and value.isascii() and value.isprintable():
        return value
    return str(uuid.uuid4())


class AnalysisService:
    """Everything one HTTP process shares between requests."""

    def __init__(
        self,
        settings: Settings,
        pool: GeometryPool,
        breakers: BreakerRegistry,
        dlq: DeadLetterQueue,
        cache: ResultCache,
        metrics: ServiceMetrics,
        training_candidates: TrainingCandidates,
        mesh: MeshSettings = MeshSettings(),
        shop: ShopLimits = ShopLimits(),
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self.settings = settings
        self.training_candidates = training_candidates
        self.pool = pool
        self.breakers = breakers
        self.dlq = dlq
        self.cache = cache
        self.metrics = metrics
        self.model = ModelFile(settings.model_path)
        self._mesh_settings = mesh
        self._shop_limits = shop
        self._retry_policy = retry
        self._ready = threading.Event()
        self._closed = threading.Event()
        self._draining = threading.Event()
        # Admission control: at most as many analyses as the pool runs and queues, counted
        # from before the upload is read, so a request past them gets its 503 at once.
        self._admission = threading.BoundedSemaphore(pool.stats().capacity)
        self._startup_error: str | None = None
        self._model_release: str | None = (
            None  # the version inside the model, once a worker loaded it
        )
        self._model_error: str | None = None
        metrics.bind(
            breaker_state=lambda name: breakers.get(name).state,
            spool_depth=lambda: self._spool_reading(dlq.pending),
            quarantined=lambda: self._spool_reading(dlq.quarantined),
            worker_restarts=lambda: pool.stats().worker_restarts,
            queue_depth=lambda: pool.stats().in_flight,
        )

    # -- life cycle ----------------------------------------------------------

    def start(self) -> None:
        """Start the DLQ forwarder and warm the workers in the background;
        ``ready`` turns true when every worker has started."""
        self.dlq.start()
        threading.Thread(target=self._warm_up, name="pool-warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        try:
            self.pool.warm_up()
        except Exception as exc:  # the service stays live and says why it is not ready
            self._startup_error = f"{type(exc).__name__}: {exc}"
            log_event(log, logging.ERROR, "pool_warm_up_failed", error=self._startup_error)
            return
        if self.model.present:
            self._check_model()
        self._ready.set()
        log_event(log, logging.INFO, "ready", workers=self.settings.worker_count)

    def _check_model(self) -> None:
        """Load the model in a worker once, so /health reports whether it really loads."""
        try:
            self._model_release = self.pool.run(load_model_in_worker, str(self.settings.model_path))
            self._model_error = None
        except Exception as exc:  # tier 1 will fail and the ladder answers from tier 2
            self._model_error = f"{type(exc).__name__}: {exc}"
            log_event(log, logging.ERROR, "model_load_failed", error=self._model_error)

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._draining.is_set()

    def drain(self) -> None:
        """Stop taking analyses (SIGTERM): new requests get 503 at once while those
        in flight finish; :meth:`close` follows when they have."""
        self._draining.set()
        log_event(log, logging.INFO, "draining")

    def close(self, timeout_s: float | None = None) -> None:
        """Stop taking work, let running analyses finish, flush the DLQ spool."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._draining.set()
        budget = self.settings.request_budget_s if timeout_s is None else timeout_s
        self.pool.close(wait=True)
        result = self.dlq.close(flush=True, timeout_s=budget)
        log_event(log, logging.INFO, "shutdown", dlq_pending=result.pending if result else None)

    # -- /analyze ------------------------------------------------------------

    def analyze(
        self,
        receive: Callable[[], ReceivedFile],
        correlation_id: str,
        started: float | None = None,
        options: RequestOptions = RequestOptions(),
    ) -> Answer:
        """Receive the file, analyze it as ``options`` say and answer; never raises."""
        with correlation_scope(correlation_id):
            return self._analyze(
                receive,
                correlation_id,
                time.monotonic() if started is None else started,
                options,
            )

    def _analyze(
        self,
        receive: Callable[[], ReceivedFile],
        correlation_id: str,
        started: float,
        options: RequestOptions,
    ) -> Answer:
        received: ReceivedFile | None = None
        admitted = False
        try:
            if self._draining.is_set():
                raise TransientError(
                    "shutting_down", "The service is shutting down.", 503, {"retry_after_s": 5}
                )
            admitted = self._admission.acquire(blocking=False)
            if not admitted:
                raise PoolOverloaded.full()
            limits = self._shop_limits.overridden(options.read_shop_limits())
            received = receive()
            received.sniff_format()
            due = started + self.settings.request_budget_s
            result, cached = self._analyze_received(
                received, correlation_id, due, options.rules_first, limits
            )
            return self._answered(
                result, cached, correlation_id, received, started, options.mesh_format
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON answer
            return self._failed(exc, correlation_id, received, started)
        finally:
            if admitted:
                self._admission.release()
            if received is not None:
                received.discard()

    def cached_result(self, file_hash: str, mesh_format: str = "json") -> dict[str, Any]:
        """The answer already computed for a file, by its sha256, without the file."""
        if len(file_hash) != 64 or any(c not in "0123456789abcdef" for c in file_hash):
            raise PermanentError("invalid_file_hash", "id must be a file's sha256 in hex.", 400)
        cached = self.cache.get(
            self._cache_key(file_hash, self.model.version(), False, self._shop_limits)
        )
        if cached is None:
            raise PermanentError(
                "result_not_found", "No cached result for this file; upload it again.", 404
            )
        return public_answer(
            WorkerResult.from_cache(cached),
            file_hash,
            cached=True,
            versions=self._versions(),
            mesh_format=mesh_format,
        )

    def _cache_key(
        self, file_hash: str, model_version: str, rules_first: bool, limits: ShopLimits
    ) -> str:
        options = {
            "mesh": asdict(self._mesh_settings),
            "rules_first": rules_first,
            "shop_limits": limits.to_json(),
            "full_healing": self.settings.step_full_healing,
        }
        return cache_key(file_hash, options, model_version)

    def _analyze_received(
        self,
        received: ReceivedFile,
        correlation_id: str,
        due: float,
        rules_first: bool,
        limits: ShopLimits,
    ) -> tuple[WorkerResult, bool]:
        """The worker's result for ``received`` and whether it came from the cache, due
        by ``due`` (monotonic): the one deadline of the request, which its time in the
        queue spends too."""
        model_version = self.model.version()
        key = self._cache_key(received.sha256, model_version, rules_first, limits)
        cached = self.cache.get(key)
        self.metrics.cache_lookups.labels("hit" if cached is not None else "miss").inc()
        if cached is not None:
            return WorkerResult.from_cache(cached), True

        inference = self.breakers.get("inference")
        admitted = not rules_first and self.model.present and inference.allow()
        request = AnalysisRequest(
            mesh=self._mesh_settings,
            model_path=self.settings.model_path,
            model_min_face_probability=self.settings.model_min_face_probability,
            model_min_part_agreement=self.settings.model_min_part_agreement,
            blocked_tiers=blocked_tiers(self.settings.model_path, admitted, rules_first),
            correlation_id=correlation_id,
            shop_limits=limits,
            full_healing=self.settings.step_full_healing,
        )
        try:
            result = self._run_in_worker(received.path, request, due - ANSWER_MARGIN_S)
        except BaseException:
            if admitted:
                inference.release()  # tier 1's outcome is unknown: the breaker hears nothing
            raise
        if admitted:
            _report_inference(inference, result)
        self._count_skips(result, received, model_version)
        if result.cacheable:
            self.cache.set(key, result.to_cache())
        return result, False

    def _run_in_worker(
        self, path: Path, request: AnalysisRequest, answer_by: float
    ) -> WorkerResult:
        """Run the analysis; a file that kills its worker is tried once more in safe mode.

        Safe mode reads and meshes only, so a crash in a later stage still gets the
        mesh (tier 4). A file that kills the worker in safe mode too can never be
        analyzed: that is a permanent 422, never a 503 a client would retry.
        """
        try:
            return self._run_until(path, request, answer_by)
        except WorkerLost as crash:
            log_event(
                log,
                logging.WARNING,
                "worker_crash_safe_mode",
                exit_code=crash.details.get("exit_code"),
            )
            self.metrics.retries.labels("geometry_worker").inc()
            safe = replace(request, safe_mode=True, blocked_tiers=())
            try:
                return self._run_until(path, safe, answer_by)
            except WorkerLost as again:
                raise PermanentError(
                    "geometry_crash",
                    "The file crashes the geometry kernel, even when only read and meshed.",
                    422,
                    {"exit_code": again.details.get("exit_code")},
                ) from again

    def _run_until(self, path: Path, request: AnalysisRequest, answer_by: float) -> WorkerResult:
        left = answer_by - time.monotonic()
        if left <= 0:
            raise WorkerTimeout("deadline_exceeded", "The request ran out of its time budget.", 504)
        margin = max(WORKER_MARGIN_S, WORKER_MARGIN_SHARE * self.settings.request_budget_s)
        request = replace(request, deadline=time.time() + left - margin)
        try:
            return self.pool.run(
                analyze_in_worker,
                str(path),
                request,
                timeout_s=min(left, self.settings.worker_task_timeout_s),
            )
        except WorkerTimeout as exc:
            if left > self.settings.worker_task_timeout_s:
                raise  # the worker's own limit, not the request's budget
            raise WorkerTimeout(
                "deadline_exceeded", "The request ran out of its time budget.", 504, exc.details
            ) from exc

    def _count_skips(
        self, result: WorkerResult, received: ReceivedFile, model_version: str
    ) -> None:
        """Every tier that did not answer, in /metrics; a part the network was unsure
        of (of every face, or of some that the rules then named) is kept for training."""
        unsure = [item.reason for item in result.degradation if item.code in UNLEARNT_CODES]
        for item in result.degradation:
            self.metrics.tier_skips.labels(item.tier.label, item.code).inc()
        recognizers = (result.metadata.get("part_parameters") or {}).get("recognizers") or {}
        if recognizers.get("unsure_faces"):
            unsure.append(
                f"the model is unsure of {recognizers['unsure_faces']} of {recognizers['faces']} "
                "faces; the rules named them"
            )
        if unsure:
            self.training_candidates.keep(
                received.path,
                received.sha256,
                result.metadata["file_format"],
                {
                    "file_name": received.file_name,
                    "reason": unsure[0],
                    "model_version": model_version,
                    "answered_by": result.tier.label,
                },
            )

    def _answered(
        self,
        result: WorkerResult,
        cached: bool,
        correlation_id: str,
        received: ReceivedFile,
        started: float,
        mesh_format: str,
    ) -> Answer:
        upload = Upload(
            correlation_id=correlation_id,
            file_name=received.file_name,
            file_size=received.size,
            total_ms=(time.monotonic() - started) * 1000.0,
        )
        body = public_answer(result, received.sha256, cached, self._versions(), upload, mesh_format)
        tier = result.tier.label
        self.metrics.requests.labels("200", tier).inc()
        if not cached:
            self.metrics.observe_timings(body["timings"])
            if result.failures:
                self._record_degradation(result, body["timings"], correlation_id, received)
        self._log_request(
            correlation_id,
            received,
            200,
            tier=tier,
            cached=cached,
            timings=_rounded(body["timings"]),
        )
        return Answer(200, body, {"X-Correlation-ID": correlation_id})

    def _failed(
        self, exc: Exception, correlation_id: str, received: ReceivedFile | None, started: float
    ) -> Answer:
        error = (
            exc
            if isinstance(exc, ServiceError)
            else SystemicError(
                "internal_error",
                "The service failed to analyze the file; the failure was recorded.",
            )
        )
        if not isinstance(exc, ServiceError):
            log_event(log, logging.ERROR, "internal_error", exc_info=exc)
        elapsed_ms = (time.monotonic() - started) * 1000.0
        record = FailureRecord.from_error(
            exc,
            correlation_id=correlation_id,
            file_name=received.file_name if received else None,
            file_hash=received.sha256 if received else None,
            file_size=received.size if received else None,
            details={"elapsed_ms": round(elapsed_ms, 1), **asdict(self._versions())},
        )
        self._record(record)
        self.metrics.requests.labels(str(error.http_status), "").inc()
        self._log_request(
            correlation_id,
            received,
            error.http_status,
            error_code=error.code,
            error_type=error.error_type.value,
            elapsed_ms=round(elapsed_ms, 1),
        )
        headers = {"X-Correlation-ID": correlation_id}
        retry_after = _retry_after_s(error)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        body = {"success": False, "correlation_id": correlation_id, "error": error.to_dict()}
        return Answer(error.http_status, body, headers)

    def _record_degradation(
        self,
        result: WorkerResult,
        timings: dict[str, Any],
        correlation_id: str,
        received: ReceivedFile,
    ) -> None:
        """An answer degraded by a failure is a success for the caller and a
        failure for us to look at."""
        first = result.failures[0]
        self._record(
            FailureRecord(
                correlation_id=correlation_id,
                file_name=received.file_name,
                file_hash=received.sha256,
                file_size=received.size,
                error_type=first.error_type,
                error_code=f"degraded_{first.code}",
                error_message=f"answered by {result.tier.label}: {first.reason}",
                details={
                    "answered_by": result.tier.label,
                    "tiers_tried": [item.to_json() for item in result.degradation],
                    "timings": _rounded(timings),
                    **asdict(self._versions()),
                },
            )
        )

    def _record(self, record: FailureRecord) -> None:
        self.metrics.dlq_records.labels(record.error_type).inc()
        self.dlq.record(record)

    def _versions(self) -> Versions:
        return Versions(model_version=self.model.version(), service_version=__version__)

    def _log_request(
        self, correlation_id: str, received: ReceivedFile | None, status: int, **fields: Any
    ) -> None:
        log_event(
            log,
            logging.INFO,
            "request",
            correlation_id=correlation_id,
            file_hash=received.sha256 if received else None,
            file_size=received.size if received else None,
            status=status,
            **fields,
        )

    @staticmethod
    def _spool_reading(read: Callable[[], int]) -> int:
        try:
            return read()
        except Exception:  # a scrape must not fail because the spool is busy
            return -1

    def download(self, url: str, file_name: str, deadline: float | None = None) -> ReceivedFile:
        """Fetch ``url`` from an allowed host, with retries and the download breaker,
        all over before ``deadline`` (time.monotonic; DOWNLOAD_TIMEOUT_S from now by default)."""
        target = check_url_allowed(url, self.settings.allowed_download_hosts)
        if deadline is None:
            deadline = time.monotonic() + self.settings.download_timeout_s
        policy = transient_retry(
            self._retry_policy,
            name="download",
            on_retry=count_retry(self.metrics),
            budget_s=max(0.0, deadline - time.monotonic()),
        )
        return policy(
            download_file,
            target,
            file_name,
            max_bytes=self.settings.max_upload_bytes,
            timeout_s=self.settings.download_timeout_s,
            deadline=deadline,
            allow_private=self.settings.download_allow_private,
            breaker=self.breakers.get("download"),
        )

    # -- ops -----------------------------------------------------------------

    def metrics_summary(self) -> dict[str, Any]:
        """The readable form of /metrics: request counts and tier shares, plus live state."""
        return {
            **self.metrics.summary(),
            "cache_backend": self.cache.stats().to_dict(),
            "workers": asdict(self.pool.stats()),
            "dlq_pending_in_spool": self._spool_reading(self.dlq.pending),
            "circuit_breakers": {n: s["state"] for n, s in self.breakers.all_stats().items()},
        }

    def health(self) -> dict[str, Any]:
        breakers = self.breakers.all_stats()
        problems = []
        if not self.model.present:
            problems.append(f"model missing: {self.settings.model_path.name}")
        elif self._model_error:
            problems.append(f"model failed to load: {self._model_error}")
        problems += [
            f"circuit breaker {name} is {stats['state']}"
            for name, stats in breakers.items()
            if stats["state"] != BreakerState.CLOSED.value
        ]
        if self._startup_error:
            problems.append(f"worker pool failed to start: {self._startup_error}")
        pool = self.pool.stats()
        return {
            "status": "degraded" if problems else "healthy",
            "problems": problems,
            "ready": self.ready,
            "model_loaded": self.model.present and self._model_release is not None,
            "versions": {
                "service": __version__,
                "model": self.model.version(),
                "model_release": self._model_release,
                "ocp": _installed_version("cadquery-ocp-novtk"),
                "onnxruntime": _installed_version("onnxruntime"),
            },
            "workers": {
                "count": pool.workers,
                "in_flight": pool.in_flight,
                "capacity": pool.capacity,
                "timeouts": pool.timeouts,
                "crashes": pool.crashes,
            },
            "circuit_breakers": {name: stats["state"] for name, stats in breakers.items()},
            "dlq_store": self.settings.dlq_store,
        }


def _report_inference(breaker: CircuitBreaker, result: WorkerResult) -> None:
    """Tell the inference breaker how tier 1 fared in the worker: exactly one report,
    and only about tier 1. A tier 1 that never ran (blocked, no graph, safe mode, no
    time left) releases its admission and counts nothing."""
    ran_ms = result.tier_ms(Tier.BREP_ML)
    if ran_ms is None:
        breaker.release()
        return
    if result.tier is Tier.BREP_ML:
        breaker.record_success(ran_ms / 1000.0)
        return
    failure = result.failure_of(Tier.BREP_ML)  # it ran and did not answer: it says why
    error = {
        ErrorType.PERMANENT.value: PermanentError,
        ErrorType.TRANSIENT.value: TransientError,
    }.get(failure.error_type, SystemicError)
    # A permanent failure (an unsure model, odd geometry) is not the model's fault:
    # it counts nothing.
    breaker.record_failure(error(failure.code, "tier 1 failed in the worker"))


def count_retry(metrics: ServiceMetrics) -> Callable[[RetryEvent], None]:
    return lambda event: metrics.retries.labels(event.name).inc()


def _retry_after_s(error: ServiceError) -> int | None:
    if error.http_status != 503:
        return None
    if isinstance(error, CircuitOpenError):
        return max(1, round(error.retry_after_s))
    return int(error.details.get("retry_after_s", 5))


def _rounded(timings: dict[str, Any]) -> dict[str, Any]:
    """Timings to 0.1 ms for the log and the DLQ, nested ones (a tier's own) included."""
    return {
        key: round(value, 1)
        if isinstance(value, float)
        else _rounded(value)
        if isinstance(value, dict)
        else value
        for key, value in timings.items()
    }


def _installed_version(package: str) -> str | None:
    try:
        return package_version(package)
    except Exception:
        return None
