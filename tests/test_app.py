"""The HTTP service end to end: real worker processes, real OCCT, real SQLite DLQ.

One worker pool serves the whole module (starting one costs seconds); each
test gets its own app and service (breakers, cache, DLQ, metrics) around it.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from flask import Flask
from flask.testing import FlaskClient

from geometry_service.analysis_service import AnalysisService
from geometry_service.config import Settings
from geometry_service.worker_pool import GeometryPool
from tests import part_builders as parts
from tests.file_host import FileHandler, Route, serving
from tests.service_app import app_builder, isolated_settings

CORRELATION_ID = "test-correlation-1"


@pytest.fixture(scope="module")
def part_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("parts")
    return {
        "hole": parts.write_step(parts.box_with_through_hole(), folder / "hole.step"),
        "grid": parts.write_step(parts.hole_grid_plate(), folder / "grid.step"),
    }


@pytest.fixture
def base_settings(tmp_path: Path) -> Settings:
    return isolated_settings(
        tmp_path,
        retry_base_delay_s=0.01,
        retry_max_delay_s=0.05,
    )


@pytest.fixture
def make_app(pool: GeometryPool) -> Iterator[Callable[..., Flask]]:
    with app_builder(pool) as build:
        yield build


@pytest.fixture
def app(make_app: Callable[..., Flask], base_settings: Settings) -> Flask:
    return make_app(base_settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def upload(
    client: FlaskClient,
    path: Path | None = None,
    data: bytes | None = None,
    name: str = "part.step",
    **headers: str,
):
    body = path.read_bytes() if path is not None else data
    from io import BytesIO

    return client.post(
        "/analyze",
        data={"file": (BytesIO(body), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def dlq_records(app: Flask, correlation_id: str) -> list[dict]:
    service: AnalysisService = app.extensions["geometry_service"]
    service.dlq.drain()
    return [
        r.to_dict()
        for r in service.dlq.list_failures(limit=500)
        if r.correlation_id == correlation_id
    ]


# ------------------------------------------------------------------ analyze


def test_analyze_answers_the_contract(client: FlaskClient, part_files: dict[str, Path]) -> None:
    response = upload(client, part_files["hole"], **{"X-Correlation-ID": CORRELATION_ID})
    body = response.get_json()
    assert response.status_code == 200, body
    assert response.headers["X-Correlation-ID"] == CORRELATION_ID
    assert body["success"] is True and body["correlation_id"] == CORRELATION_ID
    assert len(body["file_hash"]) == 64 and body["cached"] is False
    assert body["processing_tier"] == "tier_2_mesh_heuristics"
    assert body["confidence"] == 0.75
    assert body["degradation"][0]["code"] == "model_missing"
    for stage in ("read_ms", "graph_ms", "mesh_ms", "recognize_ms", "total_ms"):
        assert body["timings"][stage] > 0
    mesh = body["mesh_data"]
    assert mesh["triangle_count"] * 3 == len(mesh["indices"])
    assert len(body["faces"]) == body["metadata"]["face_count"] == 7
    holes = [f for f in body["features"] if f["type"] == "through_hole"]
    assert len(holes) == 1 and holes[0]["parameters"]["diameter"] == pytest.approx(10.0)
    assert body["metadata"]["model_version"] == "none"
    assert body["metadata"]["service_version"]


def test_second_upload_is_served_from_cache(
    client: FlaskClient, part_files: dict[str, Path]
) -> None:
    first = upload(client, part_files["hole"]).get_json()
    second = upload(client, part_files["hole"]).get_json()
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["features"] == first["features"]
    assert second["correlation_id"] != first["correlation_id"]


def test_correlation_id_from_the_form_field(
    client: FlaskClient, part_files: dict[str, Path]
) -> None:
    from io import BytesIO

    response = client.post(
        "/analyze",
        data={
            "file": (BytesIO(part_files["hole"].read_bytes()), "p.step"),
            "correlation_id": "from-form",
        },
    )
    assert response.get_json()["correlation_id"] == "from-form"


def test_a_correlation_id_no_header_can_carry_is_replaced(client: FlaskClient) -> None:
    """Found by the API fuzzing: a form field "(╯" went into X-Correlation-ID, and the
    answer never left (the server could not write the header)."""
    from io import BytesIO

    response = client.post(
        "/analyze", data={"file": (BytesIO(b"junk"), "p.step"), "correlation_id": "(╯"}
    )
    assert response.status_code == 415
    fresh = response.get_json()["correlation_id"]
    assert fresh != "(╯" and response.headers["X-Correlation-ID"] == fresh and fresh.isascii()


def test_degraded_answer_leaves_a_dlq_record(app: Flask, part_files: dict[str, Path]) -> None:
    upload(app.test_client(), part_files["hole"], **{"X-Correlation-ID": "degraded-1"})
    (record,) = dlq_records(app, "degraded-1")
    assert record["error_code"] == "degraded_model_missing"
    assert record["error_type"] == "systemic"
    assert record["details"]["answered_by"] == "tier_2_mesh_heuristics"
    timings = record["details"]["timings"]
    tier_ms = timings["tiers_ms"]["tier_2_mesh_heuristics"]
    assert round(tier_ms, 1) == tier_ms and round(timings["mesh_ms"], 1) == timings["mesh_ms"]


def bad_inputs() -> list[tuple[str, bytes, int, str]]:
    """Twenty files that are not parts, with the status and code each must get."""
    noise = random.Random(7)
    step_head = b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nENDSEC;\nDATA;\n"
    return [
        ("empty", b"", 400, "empty_file"),
        ("random-1", noise.randbytes(4096), 415, "not_step"),
        ("random-2", noise.randbytes(100_000), 415, "not_step"),
        ("random-3", noise.randbytes(17), 415, "not_step"),
        ("text", b"hello, this is a quote request\n", 415, "not_step"),
        ("stl", b"solid x\nfacet normal 0 0 1\nendfacet\nendsolid x\n", 415, "not_step"),
        ("png", b"\x89PNG\r\n\x1a\n" + noise.randbytes(500), 415, "not_step"),
        ("pdf", b"%PDF-1.7\n" + noise.randbytes(500), 415, "not_step"),
        ("zip", b"PK\x03\x04" + noise.randbytes(500), 415, "not_step"),
        ("html", b"<html><body>ISO-10303-21</body></html>" * 0 + b"<html></html>", 415, "not_step"),
        ("json", b'{"part": "ISO"}', 415, "not_step"),
        ("magic-late", b" " * 5000 + b"ISO-10303-21;", 415, "not_step"),
        ("nul", b"\x00" * 2048, 415, "not_step"),
        ("iges-start-only", b" " * 72 + b"S      1\n", 422, "no_shape"),
        ("header-only", step_head + b"ENDSEC;\nEND-ISO-10303-21;\n", 422, "no_shape"),
        ("truncated", step_head, 422, "no_shape"),
        ("garbage-data", step_head + b"#1=FOO(;;;\n" * 20, 422, "no_shape"),
        (
            "point-only",
            step_head + b"#1=CARTESIAN_POINT('',(0.,0.,0.));\nENDSEC;\nEND-ISO-10303-21;\n",
            422,
            "no_shape",
        ),
        ("bom-text", b"\xef\xbb\xbfnot a step file", 415, "not_step"),
        ("whitespace", b"\n\n\t   \r\n", 415, "not_step"),
    ]


def test_twenty_bad_inputs_get_json_4xx_and_a_dlq_record(app: Flask) -> None:
    client = app.test_client()
    cases = bad_inputs()
    assert len(cases) == 20
    for name, data, status, code in cases:
        response = upload(
            client, data=data, name=f"{name}.step", **{"X-Correlation-ID": f"bad-{name}"}
        )
        body = response.get_json()
        assert response.status_code == status, (name, body)
        assert body["success"] is False and body["correlation_id"] == f"bad-{name}"
        assert body["error"]["error_type"] == "permanent", name
        if code != "no_shape":
            assert body["error"]["code"] == code, (name, body)
        else:
            assert body["error"]["code"] in ("no_geometry", "unreadable_step", "unreadable_iges"), (
                name,
                body,
            )
    for name, *_ in cases:
        (record,) = dlq_records(app, f"bad-{name}")
        assert record["error_type"] == "permanent"
    breakers = app.test_client().get("/circuit-breaker").get_json()
    assert all(stats["failures"] == 0 for stats in breakers.values())


def test_missing_file_field_is_a_400(client: FlaskClient) -> None:
    response = client.post("/analyze", data={"other": "x"})
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "missing_file",
        "error_type": "permanent",
        "message": 'Send the STEP file as multipart field "file".',
    }


@pytest.mark.parametrize(
    "body",
    ['"str"', "123", "[1]", "[null, null]", "true", "null", "1.5e999", "{bad", "", "[" * 100_000],
)
def test_json_body_that_is_not_an_object_is_a_400(app: Flask, body: str) -> None:
    client = app.test_client()
    response = client.post(
        "/analyze",
        data=body,
        content_type="application/json",
        headers={"X-Correlation-ID": "not-an-object"},
    )
    answer = response.get_json()
    assert response.status_code == 400, answer
    assert answer["correlation_id"] == "not-an-object"
    assert (
        answer["error"]["code"] == "invalid_json" and answer["error"]["error_type"] == "permanent"
    )
    assert dlq_records(app, "not-an-object")
    assert 'geometry_requests_total{status="400",tier=""} 1.0' in client.get("/metrics").get_data(
        as_text=True
    )


def test_too_large_upload_is_a_413(make_app: Callable[..., Flask], base_settings: Settings) -> None:
    app = make_app(replace(base_settings, max_upload_mb=0.01))
    response = upload(
        app.test_client(), data=b"ISO-10303-21;" + b" " * 20_000, **{"X-Correlation-ID": "too-big"}
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "file_too_large"
    assert dlq_records(app, "too-big")


def test_unknown_route_and_method_are_json(client: FlaskClient) -> None:
    assert client.get("/nope").get_json()["error"]["code"] == "not_found"
    assert client.get("/analyze").status_code == 405


def test_every_error_body_carries_a_correlation_id(make_app, base_settings: Settings) -> None:
    client = make_app(replace(base_settings, service_api_key="key")).test_client()
    answers = {
        "401": client.post("/analyze", headers={"X-Correlation-ID": "e-401"}),
        "404": client.get("/nope", headers={"X-Correlation-ID": "e-404"}),
        "405": client.get("/analyze", headers={"X-Correlation-ID": "e-405"}),
        "404-result": client.get(
            f"/results/{'0' * 64}",
            headers={"X-Correlation-ID": "e-404-result", "Authorization": "Bearer key"},
        ),
        "400-offset": client.get(
            "/dlq/failures?offset=99999999999999999999999",
            headers={"X-Correlation-ID": "e-400-offset"},
        ),
    }
    for name, response in answers.items():
        body = response.get_json()
        assert str(response.status_code) == name.split("-")[0], (name, body)
        assert body["success"] is False and body["correlation_id"] == f"e-{name}", name
        assert response.headers["X-Correlation-ID"] == f"e-{name}"
        assert set(body["error"]) == {"code", "message", "error_type"}, name
    fresh = client.get("/nope")  # no id sent: a fresh one, in body and header alike
    assert str(uuid.UUID(fresh.get_json()["correlation_id"])) == fresh.headers["X-Correlation-ID"]


# ------------------------------------------------------------------ downloads


class _Files(FileHandler):
    routes: dict[str, Route] = {}
    hits: list[str] = []


@pytest.fixture
def file_host(part_files: dict[str, Path]) -> Iterator[str]:
    _Files.routes = {
        "/hole.step": (200, part_files["hole"].read_bytes()),
        "/broken.step": (503, b"busy"),
    }
    _Files.hits = []
    with serving(_Files) as port:
        yield f"http://127.0.0.1:{port}"


def test_analyze_by_url_from_an_allowed_host(
    make_app, base_settings: Settings, file_host: str
) -> None:
    app = make_app(
        replace(base_settings, download_allowed_hosts=("127.0.0.1",), download_allow_private=True)
    )
    response = app.test_client().post("/analyze", json={"file_url": f"{file_host}/hole.step"})
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["file_name"] == "hole.step" and body["metadata"]["face_count"] == 7


def test_url_from_another_host_is_refused(
    make_app, base_settings: Settings, file_host: str
) -> None:
    app = make_app(base_settings)  # no SUPABASE_URL, no allowlist: nothing may be fetched
    response = app.test_client().post("/analyze", json={"file_url": f"{file_host}/hole.step"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "url_not_allowed"
    assert _Files.hits == []


def test_backslash_url_cannot_reach_a_loopback_host(
    make_app, base_settings: Settings, file_host: str
) -> None:
    """The red team's bypass: urlparse saw allowed.example, requests fetched from loopback."""
    app = make_app(replace(base_settings, download_allowed_hosts=("allowed.example",)))
    response = app.test_client().post(
        "/analyze",
        json={"file_url": f"{file_host}\\@allowed.example/../hole.step"},
        headers={"X-Correlation-ID": "ssrf-backslash"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_url"
    assert _Files.hits == []
    assert dlq_records(app, "ssrf-backslash")


def test_allowed_loopback_host_is_refused_without_download_allow_private(
    make_app, base_settings: Settings, file_host: str
) -> None:
    app = make_app(replace(base_settings, download_allowed_hosts=("127.0.0.1",)))
    response = app.test_client().post("/analyze", json={"file_url": f"{file_host}/hole.step"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "url_not_allowed"
    assert _Files.hits == []


def test_lone_surrogate_file_name_does_not_jam_the_dlq(
    make_app, base_settings: Settings, file_host: str
) -> None:
    app = make_app(
        replace(base_settings, download_allowed_hosts=("127.0.0.1",), download_allow_private=True)
    )
    client = app.test_client()
    _Files.routes["/junk.step"] = (200, b"not a part")
    response = client.post(
        "/analyze",
        json={"file_url": f"{file_host}/junk.step", "file_name": "\udc80evil.step"},
        headers={"X-Correlation-ID": "poison"},
    )
    assert response.status_code == 415
    assert (
        upload(client, data=b"not a part either", **{"X-Correlation-ID": "behind"}).status_code
        == 415
    )
    assert [r["file_name"] for r in dlq_records(app, "poison")] == ["\ufffdevil.step"]
    assert dlq_records(app, "behind")
    stats = client.get("/dlq/stats").get_json()
    assert (stats["pending_in_spool"], stats["quarantined"]) == (0, 0)
    exposition = client.get("/metrics").get_data(as_text=True)
    assert (
        "geometry_dlq_quarantined 0.0" in exposition
        and "geometry_dlq_spool_depth 0.0" in exposition
    )


def test_failing_host_is_retried_then_reported(
    make_app, base_settings: Settings, file_host: str
) -> None:
    app = make_app(
        replace(base_settings, download_allowed_hosts=("127.0.0.1",), download_allow_private=True)
    )
    response = app.test_client().post("/analyze", json={"file_url": f"{file_host}/broken.step"})
    assert response.status_code == 502
    assert response.get_json()["error"]["error_type"] == "transient"
    assert len(_Files.hits) == base_settings.retry_max_attempts
    missing = app.test_client().post("/analyze", json={"file_url": f"{file_host}/gone.step"})
    assert missing.status_code == 422 and len(_Files.hits) == base_settings.retry_max_attempts + 1


# ------------------------------------------------------------------ ops


def test_health_and_ready(client: FlaskClient) -> None:
    health = client.get("/health").get_json()
    assert health["status"] == "degraded"  # the test settings point at no model
    assert health["model_loaded"] is False
    assert health["circuit_breakers"] == {
        "inference": "closed",
        "dlq_store": "closed",
        "download": "closed",
    }
    assert client.get("/ready").status_code == 200


def test_metrics_prometheus_and_json(client: FlaskClient, part_files: dict[str, Path]) -> None:
    upload(client, part_files["hole"])
    text = client.get("/metrics").get_data(as_text=True)
    assert 'geometry_requests_total{status="200",tier="tier_2_mesh_heuristics"} 1.0' in text
    assert "geometry_stage_seconds_bucket" in text
    assert 'geometry_breaker_state{name="inference"} 0.0' in text
    summary = client.get("/metrics?format=json").get_json()
    assert summary["tier_distribution"]["tier_2_mesh_heuristics"]["share"] == 1.0
    assert summary["stage_mean_ms"]["read"] > 0


def test_dlq_endpoints(app: Flask) -> None:
    client = app.test_client()
    for number in range(3):
        upload(client, data=b"not a part", **{"X-Correlation-ID": f"dlq-{number}"})
    app.extensions["geometry_service"].dlq.drain()
    stats = client.get("/dlq/stats").get_json()
    assert stats["total"] == 3 and stats["by_error_code"]["not_step"] == 3
    page = client.get("/dlq/failures?limit=2&error_type=permanent").get_json()
    assert [r["correlation_id"] for r in page["failures"]] == ["dlq-2", "dlq-1"]
    assert client.get("/dlq/failures?limit=0").status_code == 400
    assert client.get("/dlq/failures?error_type=bogus").status_code == 400
    assert client.get("/dlq/failures?since=yesterday").status_code == 400
    # Past what the stores take (found by fuzzing: both were 500s).
    assert client.get(f"/dlq/failures?offset={2**63 - 1}").get_json()["failures"] == []
    assert client.get(f"/dlq/failures?offset={2**63}").status_code == 400
    assert client.get("/dlq/failures?since=0001-01-01T00:00:00%2B14:00").status_code == 400


def test_circuit_breaker_reset(app: Flask) -> None:
    client = app.test_client()
    breaker = app.extensions["geometry_service"].breakers.get("download")
    for _ in range(5):
        breaker.record_failure(ConnectionError("down"))
    assert client.get("/circuit-breaker").get_json()["download"]["state"] == "open"
    assert client.get("/health").get_json()["circuit_breakers"]["download"] == "open"
    response = client.post("/circuit-breaker/reset?name=download")
    assert response.get_json()["circuit_breakers"]["download"]["state"] == "closed"
    assert client.post("/circuit-breaker/reset?name=nope").status_code == 404


def test_tokens_guard_analyze_and_ops(
    make_app, base_settings: Settings, part_files: dict[str, Path]
) -> None:
    app = make_app(
        replace(base_settings, admin_token="admin-secret", service_api_key="service-secret")
    )
    client = app.test_client()
    assert client.get("/dlq/stats").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert (
        client.get("/metrics", headers={"Authorization": "Bearer admin-secret"}).status_code == 200
    )
    assert upload(client, part_files["hole"]).status_code == 401
    ok = upload(client, part_files["hole"], Authorization="Bearer service-secret")
    assert ok.status_code == 200
    assert client.get("/health").status_code == 200  # the platform's probe needs no token


FAR = {"REMOTE_ADDR": "203.0.113.5"}


def test_without_admin_token_ops_endpoints_answer_loopback_only(client: FlaskClient) -> None:
    ops = [
        ("get", "/metrics"),
        ("get", "/dlq/stats"),
        ("get", "/dlq/failures"),
        ("get", "/circuit-breaker"),
        ("post", "/circuit-breaker/reset"),
    ]
    for method, path in ops:
        far = getattr(client, method)(
            path, environ_base=FAR, headers={"X-Correlation-ID": "far-away"}
        )
        assert far.status_code == 403, path
        assert (
            far.get_json()["error"]["code"] == "forbidden"
            and far.get_json()["correlation_id"] == "far-away"
        )
        assert (
            getattr(client, method)(path, environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
        ), path
    assert client.get("/health", environ_base=FAR).status_code == 200
    assert (
        client.post("/analyze", environ_base=FAR, data={}).status_code == 400
    )  # open: no key is set


def test_refused_tokens_are_logged_counted_and_carry_a_correlation_id(
    make_app, base_settings: Settings, part_files: dict[str, Path], capsys: pytest.CaptureFixture
) -> None:
    app = make_app(
        replace(base_settings, admin_token="admin-secret", service_api_key="service-secret")
    )
    client = app.test_client()
    bare = client.get(
        "/dlq/stats", headers={"Authorization": "admin-secret", "X-Correlation-ID": "bare-1"}
    )
    assert bare.status_code == 401
    assert (
        bare.get_json()["correlation_id"] == "bare-1"
        and bare.headers["X-Correlation-ID"] == "bare-1"
    )
    assert bare.get_json()["error"]["code"] == "unauthorized"
    assert (
        client.get(
            "/metrics", headers={"Authorization": "Bearer admin-secret"}, environ_base=FAR
        ).status_code
        == 200
    )
    assert upload(client, part_files["hole"], apikey="wrong").status_code == 401
    assert upload(client, part_files["hole"]).status_code == 401
    logged = [
        json.loads(line)
        for line in capsys.readouterr().err.splitlines()
        if '"access_refused"' in line
    ]
    assert [(line["scope"], line["refusal"]) for line in logged] == [
        ("admin", "not_bearer"),
        ("service", "wrong_token"),
        ("service", "missing_token"),
    ]
    assert logged[0]["correlation_id"] == "bare-1" and logged[0]["path"] == "/dlq/stats"
    text = client.get("/metrics", headers={"Authorization": "bearer admin-secret"}).get_data(
        as_text=True
    )
    assert 'geometry_access_refused_total{refusal="not_bearer",scope="admin"} 1.0' in text
    assert 'geometry_access_refused_total{refusal="wrong_token",scope="service"} 1.0' in text


def test_service_key_in_the_apikey_header(
    make_app, base_settings: Settings, part_files: dict[str, Path]
) -> None:
    """Supabase's customary header; an Authorization header with another token (a user
    JWT) does not spoil it."""
    app = make_app(
        replace(base_settings, admin_token="admin-secret", service_api_key="service-secret")
    )
    client = app.test_client()
    assert upload(client, part_files["hole"], apikey="service-secret").status_code == 200
    both = upload(
        client, part_files["hole"], apikey="service-secret", Authorization="Bearer user.jwt"
    )
    assert both.status_code == 200
    assert (
        client.get("/dlq/stats", headers={"apikey": "admin-secret"}).status_code == 401
    )  # ops: Bearer only


# ------------------------------------------------------------------ faults


def _worker_processes() -> list[psutil.Process]:
    """The pool's workers: grandchildren of this process, under the forkserver."""
    me = psutil.Process()
    return [p for child in me.children() for p in child.children()]


def test_worker_killed_mid_request_is_still_answered(
    client: FlaskClient, part_files: dict[str, Path]
) -> None:
    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(upload(client, part_files["grid"])))
    worker.start()
    deadline = time.monotonic() + 10
    killed = False
    while not killed and time.monotonic() < deadline:
        service = client.application.extensions["geometry_service"]
        if service.pool.stats().in_flight:
            time.sleep(0.1)  # let the worker get into OCCT
            for process in _worker_processes():
                process.kill()
                killed = True
        time.sleep(0.01)
    worker.join(60)
    assert killed
    (response,) = answers
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["metadata"]["face_count"] > 300
    summary = client.get("/metrics?format=json").get_json()
    assert summary["retries"]["geometry_worker"] >= 1
    assert summary["workers"]["crashes"] >= 1


def test_model_missing_is_degraded_not_failed(
    client: FlaskClient, part_files: dict[str, Path]
) -> None:
    body = upload(client, part_files["hole"]).get_json()
    assert body["success"] is True
    assert body["degradation"][0] == {
        "tier": "tier_1_brep_ml",
        "code": "model_missing",
        "error_type": "systemic",
        "reason": "model not loaded: no-model.onnx not found",
    }
    assert client.get("/health").get_json()["status"] == "degraded"


def test_unreachable_store_keeps_records_in_the_spool(make_app, base_settings: Settings) -> None:
    app = make_app(
        replace(
            base_settings,
            database_url="postgresql://postgres@127.0.0.1:1/test",
            retry_max_attempts=1,
        )
    )
    client = app.test_client()
    for number in range(3):
        response = upload(client, data=b"not a part", **{"X-Correlation-ID": f"spooled-{number}"})
        assert response.status_code == 415
    service: AnalysisService = app.extensions["geometry_service"]
    assert service.dlq.drain().error
    assert service.dlq.pending() == 3
    stats = client.get("/dlq/stats")
    assert stats.status_code == 503
    assert stats.get_json()["error"]["error_type"] == "transient"
    assert (stats.get_json()["pending_in_spool"], stats.get_json()["quarantined"]) == (3, 0)
    assert stats.get_json()["store"] == "postgres" and stats.get_json()["correlation_id"]


def test_cached_result_by_file_hash(client: FlaskClient, part_files: dict[str, Path]) -> None:
    answer = upload(client, part_files["hole"]).get_json()
    again = client.get(f"/results/{answer['file_hash']}")
    assert again.status_code == 200
    assert again.get_json()["features"] == answer["features"]
    assert client.get(f"/results/{'0' * 64}").status_code == 404
    assert client.get("/results/not-a-hash").status_code == 400


SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "models" / "brepnet.onnx"


def unique_copy(path: Path, folder: Path, number: int) -> Path:
    """The same part under another header name: a new file hash, so no cache hit."""
    copy = folder / f"{path.stem}-{number}.step"
    copy.write_bytes(
        path.read_bytes().replace(b"FILE_NAME('", f"FILE_NAME('copy-{number}-".encode(), 1)
    )
    return copy


@pytest.mark.skipif(not SHIPPED_MODEL.is_file(), reason="no shipped model at models/brepnet.onnx")
def test_inference_breaker_opens_sheds_to_tier_2_and_closes_after_a_trial(
    make_app, base_settings: Settings, part_files: dict[str, Path], tmp_path: Path
) -> None:
    model = tmp_path / "brepnet.onnx"
    model.write_bytes(b"not an onnx model")  # every tier-1 call now fails in the worker
    app = make_app(replace(base_settings, model_path=model, breaker_recovery_s=1.0))
    client = app.test_client()
    breaker = app.extensions["geometry_service"].breakers.get("inference")

    for number in range(5):
        body = upload(client, unique_copy(part_files["hole"], tmp_path, number)).get_json()
        assert body["processing_tier"] == "tier_2_mesh_heuristics"
        assert body["degradation"][0]["code"] == "tier_failed"
    assert breaker.stats().to_dict()["state"] == "open"

    shed = upload(client, unique_copy(part_files["hole"], tmp_path, 5)).get_json()
    assert shed["processing_tier"] == "tier_2_mesh_heuristics"
    assert shed["degradation"][0]["code"] == "circuit_open"
    assert client.get("/health").get_json()["status"] == "degraded"

    model.write_bytes(SHIPPED_MODEL.read_bytes())  # the model is fixed
    time.sleep(1.1)  # the open period ends; the next call is the half-open trial
    trial = upload(client, unique_copy(part_files["hole"], tmp_path, 6)).get_json()
    assert trial["processing_tier"] == "tier_1_brep_ml", trial["degradation"]
    stats = breaker.stats().to_dict()
    assert stats["state"] == "closed"
    assert [t["to"] for t in stats["transitions"]][-3:] == ["open", "half_open", "closed"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'geometry_breaker_transitions_total{name="inference",to_state="open"} 1.0' in metrics


@pytest.mark.skipif(not SHIPPED_MODEL.is_file(), reason="no shipped model at models/brepnet.onnx")
def test_health_reports_the_model_a_worker_loaded(
    make_app, base_settings: Settings, tmp_path: Path
) -> None:
    good = (
        make_app(replace(base_settings, model_path=SHIPPED_MODEL))
        .test_client()
        .get("/health")
        .get_json()
    )
    assert good["status"] == "healthy" and good["model_loaded"] is True
    assert good["versions"]["model_release"].startswith("brepnet-")
    broken_model = tmp_path / "broken.onnx"
    broken_model.write_bytes(b"garbage")
    broken = (
        make_app(replace(base_settings, model_path=broken_model))
        .test_client()
        .get("/health")
        .get_json()
    )
    assert broken["status"] == "degraded" and broken["model_loaded"] is False
    assert broken["problems"][0].startswith("model failed to load")


@pytest.mark.skipif(not SHIPPED_MODEL.is_file(), reason="no shipped model at models/brepnet.onnx")
def test_tier_1_abstains_when_the_model_is_unsure(
    make_app, base_settings: Settings, part_files: dict[str, Path]
) -> None:
    sure = make_app(replace(base_settings, model_path=SHIPPED_MODEL))
    body = upload(sure.test_client(), part_files["hole"]).get_json()
    assert body["processing_tier"] == "tier_1_brep_ml"
    assert min(face["label_probability"] for face in body["faces"]) >= 0.9

    never_sure = make_app(
        replace(base_settings, model_path=SHIPPED_MODEL, model_min_face_probability=1.01)
    )
    body = upload(never_sure.test_client(), part_files["hole"]).get_json()
    assert body["processing_tier"] == "tier_2_mesh_heuristics"
    assert body["degradation"][0]["code"] == "model_uncertain"
    assert body["degradation"][0]["error_type"] == "permanent"
    inference = (
        never_sure.extensions["geometry_service"].breakers.get("inference").stats().to_dict()
    )
    assert inference["failures"] == 0 and inference["state"] == "closed"
