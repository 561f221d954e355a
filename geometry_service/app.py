"""Flask app factory and routes: parse the request, call the service, send JSON.

The work lives in plain modules (analysis_service.py and what it uses); each
route here only reads its inputs and turns the result into a response.
"""

from __future__ import annotations

import hmac
import logging
import time
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, Callable

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_compress import Compress
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .analysis_service import AnalysisService, Answer, correlation_id_from
from .config import Settings
from .errors import ErrorType, PermanentError, ServiceError
from .json_logging import configure_logging, log_event
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
    # JSON answers only (9 kB to 1.7 MB, most of it mesh), in gzip, which every
    # HTTP client decodes (Deno's fetch asks for it). Level 5: a 1.68 MB NIST
    # answer becomes 342 kB in 30 ms, against 337 kB in 71 ms at zlib's default 6.
    "COMPRESS_MIMETYPES": ["application/json"],
    "COMPRESS_ALGORITHM": "gzip",
    "COMPRESS_LEVEL": 5,
    "COMPRESS_MIN_SIZE": 1024,
}


def create_app(settings: Settings | None = None, service: AnalysisService | None = None) -> Flask:
    """Build the app; the service (worker pool, breakers, DLQ) starts with it."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    service = service or AnalysisService.from_settings(settings)
    app = Flask(__name__, static_folder=None)  # the viewer's blueprint serves its own files
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES
    app.config.update(COMPRESSION)
    Compress(app)
    app.extensions[SERVICE_KEY] = service
    for name, variable in (("ops endpoints", "ADMIN_TOKEN"), ("/analyze", "SERVICE_API_KEY")):
        if not getattr(settings, variable.lower()):
            log_event(log, logging.WARNING, "open_without_token", setting=variable, endpoints=name)
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


def _service_error(error: ServiceError) -> Response:
    return _error(error.http_status, error.to_dict())


def _http_error(error: HTTPException) -> Response:
    code = (error.name or "http_error").lower().replace(" ", "_")
    body = {"code": code, "message": error.description, "error_type": ErrorType.PERMANENT.value}
    return _error(error.code or 500, body)


def _error(status: int, error: dict[str, str]) -> Response:
    """An error raised outside the service (a token, a route, a method): it carries
    the caller's correlation id too, or a fresh one, as every error does."""
    correlation_id = correlation_id_from(request.headers.get("X-Correlation-ID"))
    body = {"success": False, "correlation_id": correlation_id, "error": error}
    return _json(Answer(status, body, {"X-Correlation-ID": correlation_id}))


def _require_token(setting: str) -> Callable:
    """Bearer-token check for a route, against the Settings field ``setting``;
    open (with a warning at start) when the field is empty."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            expected = getattr(_service().settings, setting)
            if expected:
                given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
                if not hmac.compare_digest(given.encode(), expected.encode()):
                    raise PermanentError("unauthorized", "A valid bearer token is required.", 401)
            return view(*args, **kwargs)

        return guarded

    return decorator


def _routes() -> Blueprint:
    routes = Blueprint("geometry", __name__)
    admin = _require_token("admin_token")

    @routes.post("/analyze")
    @_require_token("service_api_key")
    def analyze() -> Response:
        return _analyze(rules_first=False)

    @routes.post("/analyze-aag")
    @_require_token("service_api_key")
    def analyze_aag() -> Response:
        """The same answer, the rules (attributed adjacency graph) as the first tier."""
        return _analyze(rules_first=True)

    @routes.get("/results/<file_hash>")
    @_require_token("service_api_key")
    def cached_result(file_hash: str) -> Response:
        return jsonify(_service().cached_result(file_hash))

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
        return jsonify(_service().dlq.stats().to_dict())

    @routes.get("/dlq/failures")
    @admin
    def dlq_failures() -> Response:
        limit = _int_arg("limit", 50)
        offset = _int_arg("offset", 0)
        failures = _service().dlq.list_failures(
            limit=limit, offset=offset, error_type=request.args.get("error_type"), since=_since_arg()
        )
        return jsonify({"failures": [record.to_dict() for record in failures],
                        "limit": limit, "offset": offset, "count": len(failures)})

    @routes.get("/circuit-breaker")
    @admin
    def circuit_breakers() -> Response:
        return jsonify(_service().breakers.all_stats())

    @routes.post("/circuit-breaker/reset")
    @admin
    def reset_circuit_breakers() -> Response:
        service = _service()
        service.breakers.reset(request.args.get("name"))
        return jsonify({"reset": request.args.get("name") or "all", "circuit_breakers": service.breakers.all_stats()})

    return routes


def _analyze(rules_first: bool) -> Response:
    started = time.monotonic()
    service = _service()
    budget_s = service.settings.request_budget_s
    upload_deadline = bound_upload(request.environ, started + budget_s, budget_s)
    try:
        correlation_id = correlation_id_from(
            request.headers.get("X-Correlation-ID") or _form_field("correlation_id")
        )
        return _json(service.analyze(_receiver(service), correlation_id, started, rules_first=rules_first))
    finally:
        upload_deadline.cancel()


def _receiver(service: AnalysisService) -> Callable[[], ReceivedFile]:
    """How this request's file arrives: multipart field ``file``, or JSON ``file_url``."""
    if request.is_json:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):  # a list, a string, a number, or no JSON at all
            return _raise(PermanentError("invalid_json", 'JSON requests need an object with "file_url".', 400))
        url = payload.get("file_url")
        if not isinstance(url, str) or not url:
            return _raise(PermanentError("missing_file", 'JSON requests need "file_url".', 400))
        name = str(payload.get("file_name") or url.rsplit("/", 1)[-1].split("?", 1)[0] or "download.step")
        return lambda: service.download(url, name)

    def from_form() -> ReceivedFile:
        try:
            upload = request.files.get("file")
        except RequestEntityTooLarge:
            raise file_too_large(service.settings.max_upload_bytes) from None
        if upload is None:
            raise PermanentError("missing_file", 'Send the STEP file as multipart field "file".', 400)
        return receive_file(read_chunks(upload.stream), upload.filename or "upload.step",
                            service.settings.max_upload_bytes)

    return from_form


def _raise(error: ServiceError) -> Callable[[], ReceivedFile]:
    def receive() -> ReceivedFile:
        raise error

    return receive


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


def _since_arg() -> datetime | None:
    raw = request.args.get("since")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise PermanentError("invalid_query", "since must be an ISO 8601 time", 400) from None
