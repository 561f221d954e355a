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
from typing import Any, Callable

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .analysis_service import AnalysisService, Answer, correlation_id_from
from .config import Settings
from .errors import PermanentError, ServiceError
from .json_logging import configure_logging
from .metrics import PROMETHEUS_CONTENT_TYPE
from .received_file import ReceivedFile, file_too_large, read_chunks, receive_file
from .viewer import viewer_blueprint

log = logging.getLogger("geometry_service.app")

MULTIPART_OVERHEAD_BYTES = 1024 * 1024
"""Room for the form's boundaries and fields beyond the file itself."""

SERVICE_KEY = "geometry_service"


def create_app(settings: Settings | None = None, service: AnalysisService | None = None) -> Flask:
    """Build the app; the service (worker pool, breakers, DLQ) starts with it."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    service = service or AnalysisService.from_settings(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES
    app.extensions[SERVICE_KEY] = service
    for name, variable in (("ops endpoints", "ADMIN_TOKEN"), ("/analyze", "SERVICE_API_KEY")):
        if not getattr(settings, variable.lower()):
            log.warning(f"{variable} is not set: {name} accept requests without a token")
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
    body = {"success": False, "error": error.to_dict()}
    return _json(Answer(error.http_status, body))


def _http_error(error: HTTPException) -> Response:
    code = (error.name or "http_error").lower().replace(" ", "_")
    body = {"success": False, "error": {"code": code, "message": error.description, "error_type": "permanent"}}
    return _json(Answer(error.code or 500, body))


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
        started = time.monotonic()
        service = _service()
        correlation_id = correlation_id_from(
            request.headers.get("X-Correlation-ID") or _form_field("correlation_id")
        )
        return _json(service.analyze(_receiver(service, started), correlation_id, started))

    @routes.get("/results/<file_hash>")
    @_require_token("service_api_key")
    def cached_result(file_hash: str) -> Response:
        return jsonify(_service().cached_result(file_hash))

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


def _receiver(service: AnalysisService, started: float) -> Callable[[], ReceivedFile]:
    """How this request's file arrives: multipart field ``file``, or JSON ``file_url``
    (downloaded within the request's budget, counted from ``started``). The body is
    read when the service calls it, so every bad body gets the service's error answer."""
    if request.is_json:
        deadline = started + service.settings.request_budget_s
        return lambda: _download(service, deadline)
    return lambda: _upload(service)


def _download(service: AnalysisService, deadline: float) -> ReceivedFile:
    payload = _json_object()
    url = payload.get("file_url")
    if not isinstance(url, str) or not url:
        raise PermanentError("missing_file", 'JSON requests need "file_url".', 400)
    name = str(payload.get("file_name") or url.rsplit("/", 1)[-1].split("?", 1)[0] or "download.step")
    return service.download(url, name, deadline)


def _json_object() -> dict[str, Any]:
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nesting too deep for the parser: not a request we serve
        payload = None
    if not isinstance(payload, dict):
        raise PermanentError(
            "invalid_json", 'The JSON body must be an object: {"file_url": ..., "file_name": ...}.', 400
        )
    return payload


def _upload(service: AnalysisService) -> ReceivedFile:
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise file_too_large(service.settings.max_upload_bytes) from None
    if upload is None:
        raise PermanentError("missing_file", 'Send the STEP file as multipart field "file".', 400)
    return receive_file(read_chunks(upload.stream), upload.filename or "upload.step",
                        service.settings.max_upload_bytes)


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
