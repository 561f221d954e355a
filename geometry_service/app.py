"""Flask app factory and routes: parse the request, call the service, send JSON.

The work lives in plain modules (analysis_service.py and what it uses); each
route here only reads its inputs and turns the result into a response.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask.json.provider import JSONProvider
from flask_compress import Compress
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import answer_json
from .access import AccessRefused, Credentials, Scope, check_access
from .analysis_service import AnalysisService, Answer, RequestOptions, correlation_id_from
from .composition import build_service
from .config import Settings
from .errors import PermanentError, ServiceError, SystemicError, TransientError, error_body
from .json_logging import configure_logging, log_event
from .mesh_data import MESH_FORMATS
from .metrics import PROMETHEUS_CONTENT_TYPE
from .received_file import ReceivedFile, file_too_large, read_chunks, receive_file
from .upload_deadline import bound_upload
from .viewer import viewer_blueprint

log = logging.getLogger("geometry_service.app")

MULTIPART_OVERHEAD_BYTES = 1024 * 1024
"""Room for the form's boundaries and fields beyond the file itself."""

SERVICE_KEY = "geometry_service"
# The contract of every endpoint, request and answer; tests check it against
# the routes and against real answers.
OPENAPI_DOCUMENT = Path(__file__).with_name("openapi.json")

COMPRESSION = {
    # JSON answers only (9 kB to 1.7 MB, most of it mesh), each in the fastest
    # coding its client accepts: zstd (browsers), brotli (Deno's fetch, which
    # the quote site's edge function uses, asks for gzip and br), gzip (any
    # other client). The 23,488-triangle NIST answer (1.67 MB), CPU time:
    # zstd 3 310 kB in 4.1 ms, brotli 2 300 kB in 8.0 ms, gzip 5 331 kB in
    # 23.4 ms (gzip 1: 397 kB in 9.1 ms).
    "COMPRESS_MIMETYPES": ["application/json"],
    "COMPRESS_ALGORITHM": ["zstd", "br", "gzip"],
    "COMPRESS_ZSTD_LEVEL": 3,
    "COMPRESS_BR_LEVEL": 2,
    "COMPRESS_LEVEL": 5,
    "COMPRESS_MIN_SIZE": 1024,
}

SPOOL_STATS = ("pending_in_spool", "quarantined", "store")
"""What /dlq/stats still answers, beside its 503, while the failure store is down."""


class OrjsonProvider(JSONProvider):
    """Flask's JSON through answer_json (orjson): numpy arrays written from their
    buffers, bytes sent as they come, no str round trip."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return answer_json.dumps(obj).decode("utf-8")

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return answer_json.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(answer_json.dumps(obj), mimetype="application/json")


def create_app(settings: Settings | None = None, service: AnalysisService | None = None) -> Flask:
    """Build the app; the service (worker pool, breakers, DLQ) starts with it."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    service = service or build_service(settings)
    app = Flask(__name__, static_folder=None)  # the viewer's blueprint serves its own files
    app.json = OrjsonProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES
    app.config.update(COMPRESSION)
    Compress(app)
    app.extensions[SERVICE_KEY] = service
    if not settings.admin_token:
        log_event(
            log,
            logging.WARNING,
            "open_without_token",
            setting="ADMIN_TOKEN",
            endpoints="ops endpoints answer loopback clients only",
        )
    if not settings.service_api_key:
        log_event(
            log,
            logging.WARNING,
            "open_without_token",
            setting="SERVICE_API_KEY",
            endpoints="/analyze accepts requests without a token",
        )
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_blueprint(_routes())
    app.register_blueprint(viewer_blueprint)
    service.start()
    return app


def _service() -> AnalysisService:
    return current_app.extensions[SERVICE_KEY]


def _json(answer: Answer) -> Response:
    response = jsonify(answer.body)
    response.status_code = answer.status
    response.headers.update(answer.headers)
    return response


def _correlation_id() -> str:
    """This request's correlation id, one per request: the caller's
    X-Correlation-ID when usable, else a fresh one (/analyze also reads its form field)."""
    if "correlation_id" not in g:
        g.correlation_id = correlation_id_from(request.headers.get("X-Correlation-ID"))
    return g.correlation_id


def _service_error(error: ServiceError, **extra: Any) -> Response:
    """Every error answer of the app, correlation id included; ``extra`` adds top-level fields."""
    correlation_id = _correlation_id()
    body = {**error_body(error, correlation_id), **extra}
    return _json(Answer(error.http_status, body, {"X-Correlation-ID": correlation_id}))


def _http_error(error: HTTPException) -> Response:
    code, status = (error.name or "http_error").lower().replace(" ", "_"), error.code or 500
    kind = (
        SystemicError if status >= 500 else PermanentError
    )  # a 500 here is an unhandled bug of ours
    return _service_error(kind(code, error.description or code, status))


def _require_token(scope: Scope, setting: str) -> Callable:
    """The token rules of access.py for a route, against the Settings field ``setting``;
    every refusal leaves a log line and counts in geometry_access_refused."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            service = _service()
            credentials = Credentials(
                request.headers.get("Authorization"),
                request.headers.get("apikey"),
                request.remote_addr,
            )
            try:
                check_access(scope, getattr(service.settings, setting), credentials)
            except AccessRefused as refused:
                service.metrics.access_refused.labels(scope.value, refused.refusal.value).inc()
                log_event(
                    log,
                    logging.WARNING,
                    "access_refused",
                    scope=scope.value,
                    refusal=refused.refusal.value,
                    path=request.path,
                    remote_addr=request.remote_addr,
                    correlation_id=_correlation_id(),
                )
                raise
            return view(*args, **kwargs)

        return guarded

    return decorator


def _routes() -> Blueprint:
    routes = Blueprint("geometry", __name__)
    admin = _require_token(Scope.ADMIN, "admin_token")
    service_key = _require_token(Scope.SERVICE, "service_api_key")

    @routes.post("/analyze")
    @service_key
    def analyze() -> Response:
        return _analyze(rules_first=False)

    @routes.post("/analyze-aag")
    @service_key
    def analyze_aag() -> Response:
        """The same answer, the rules (attributed adjacency graph) as the first tier."""
        return _analyze(rules_first=True)

    @routes.get("/results/<file_hash>")
    @service_key
    def cached_result(file_hash: str) -> Response:
        return jsonify(_service().cached_result(file_hash, _mesh_format_arg()))

    openapi_document = OPENAPI_DOCUMENT.read_bytes()

    @routes.get("/openapi.json")
    def openapi() -> Response:
        return Response(openapi_document, content_type="application/json")

    @routes.get("/health")
    def health() -> Response:
        return jsonify(_service().health())

    @routes.get("/ready")
    def ready() -> Response:
        service = _service()
        body = {"ready": service.ready}
        return _json(Answer(200 if service.ready else 503, body))

    @routes.get("/metrics")
    @admin
    def metrics() -> Response:
        service = _service()
        if request.args.get("format") == "json":
            return jsonify(service.metrics_summary())
        return Response(service.metrics.exposition(), content_type=PROMETHEUS_CONTENT_TYPE)

    @routes.get("/dlq/stats")
    @admin
    def dlq_stats() -> Response:
        try:
            return jsonify(_service().dlq.stats().to_dict())
        except TransientError as unavailable:  # the store is down: the spool still tells its part
            spool = {
                key: unavailable.details[key] for key in SPOOL_STATS if key in unavailable.details
            }
            return _service_error(unavailable, **spool)

    @routes.get("/dlq/failures")
    @admin
    def dlq_failures() -> Response:
        limit = _int_arg("limit", 50)
        offset = _int_arg("offset", 0)
        failures = _service().dlq.list_failures(
            limit=limit,
            offset=offset,
            error_type=request.args.get("error_type"),
            since=_since_arg(),
        )
        return jsonify(
            {
                "failures": [record.to_dict() for record in failures],
                "limit": limit,
                "offset": offset,
                "count": len(failures),
            }
        )

    @routes.get("/circuit-breaker")
    @admin
    def circuit_breakers() -> Response:
        return jsonify(_service().breakers.all_stats())

    @routes.post("/circuit-breaker/reset")
    @admin
    def reset_circuit_breakers() -> Response:
        service = _service()
        service.breakers.reset(request.args.get("name"))
        return jsonify(
            {
                "reset": request.args.get("name") or "all",
                "circuit_breakers": service.breakers.all_stats(),
            }
        )

    return routes


def _analyze(rules_first: bool) -> Response:
    started = time.monotonic()
    service = _service()
    budget_s = service.settings.request_budget_s
    upload_deadline = bound_upload(request.environ, started + budget_s, budget_s)
    try:
        g.correlation_id = correlation_id_from(
            request.headers.get("X-Correlation-ID") or _form_field("correlation_id")
        )
        options = RequestOptions(
            rules_first=rules_first,
            mesh_format=_mesh_format_arg(),
            read_shop_limits=_shop_limits_reader(),
        )
        return _json(
            service.analyze(_receiver(service, started), g.correlation_id, started, options)
        )
    finally:
        upload_deadline.cancel()


def _receiver(service: AnalysisService, started: float) -> Callable[[], ReceivedFile]:
    """How this request's file arrives: multipart field ``file``, or JSON ``file_url``
    (downloaded within the request's budget, counted from ``started``). The body is
    read when the service calls it, so every bad body gets the service's error answer."""
    if request.is_json:
        deadline = started + service.settings.request_budget_s
        return lambda: _download(service, deadline)
    return lambda: _upload(service)


def _shop_limits_reader() -> Callable[[], Any]:
    """How this request's ``shop_limits`` arrive: a key of the JSON body, or a multipart
    field holding a JSON object (manufacturing/limits.py checks what is in it)."""
    if request.is_json:
        return lambda: _json_object().get("shop_limits")
    return _shop_limits_field


def _shop_limits_field() -> Any:
    raw = _form_field("shop_limits")
    if raw is None or raw == "":
        return None
    try:
        return answer_json.loads(raw)
    except (ValueError, RecursionError):
        raise PermanentError(
            "invalid_shop_limits", "shop_limits must hold a JSON object", 400
        ) from None


def _download(service: AnalysisService, deadline: float) -> ReceivedFile:
    payload = _json_object()
    url = payload.get("file_url")
    if not isinstance(url, str) or not url:
        raise PermanentError("missing_file", 'JSON requests need "file_url".', 400)
    name = str(
        payload.get("file_name") or url.rsplit("/", 1)[-1].split("?", 1)[0] or "download.step"
    )
    return service.download(url, name, deadline)


def _json_object() -> dict[str, Any]:
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nesting too deep for the parser: not a request we serve
        payload = None
    if not isinstance(payload, dict):
        raise PermanentError(
            "invalid_json",
            'The JSON body must be an object: {"file_url": ..., "file_name": ...}.',
            400,
        )
    return payload


def _upload(service: AnalysisService) -> ReceivedFile:
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise file_too_large(service.settings.max_upload_bytes) from None
    if upload is None:
        raise PermanentError("missing_file", 'Send the STEP file as multipart field "file".', 400)
    return receive_file(
        read_chunks(upload.stream),
        upload.filename or "upload.step",
        service.settings.max_upload_bytes,
    )


def _form_field(name: str) -> str | None:
    if request.is_json:
        return None
    try:
        return request.form.get(name)
    except RequestEntityTooLarge:
        return None


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise PermanentError("invalid_query", f"{name} must be an integer", 400) from None


def _mesh_format_arg() -> str:
    """``?mesh=json`` (the default) or ``?mesh=binary``: the form of mesh_data."""
    mesh_format = request.args.get("mesh", MESH_FORMATS[0])
    if mesh_format not in MESH_FORMATS:
        raise PermanentError("invalid_query", f"mesh must be one of {', '.join(MESH_FORMATS)}", 400)
    return mesh_format


def _since_arg() -> datetime | None:
    raw = request.args.get("since")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise PermanentError("invalid_query", "since must be an ISO 8601 time", 400) from None
