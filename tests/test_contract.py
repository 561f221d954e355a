"""The quote site's contract, on real answers from the real service (worker pool, OCCT, model).

The quote site's edge function spreads our JSON into its own answer and its UI
reads it; each test here replays one of its readings. Every answer is also
validated against /openapi.json (JSON Schema 2020-12, with jsonschema) under
the status it came with, and the document is checked against the routes.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import brotli
import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate as validate_openapi
from werkzeug.test import TestResponse

from geometry_service import __version__
from geometry_service.config import Settings
from geometry_service.result_cache import zstd  # the project's one zstd import (3.14 or backport)
from geometry_service.worker_pool import GeometryPool
from tests import feature_parts, pool_tasks
from tests import part_builders as parts
from tests.openapi_check import DOCUMENT, check_against_document
from tests.service_app import app_builder, isolated_settings

NIST = Path(__file__).resolve().parents[1] / ".data" / "nist"
# ------------------------------------------------------------------ service


@pytest.fixture(scope="module")
def part_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("contract-parts")
    files = {
        "hole_plate": parts.write_step(
            parts.hole_grid_plate(rows=2, cols=3), folder / "plate.step"
        ),
        "turned_shaft": parts.write_step(parts.turned_shaft(), folder / "turned_shaft.step"),
        "pocket": parts.write_step(parts.box_with_pocket(), folder / "pocket.step"),
        "blind_slot": parts.write_step(feature_parts.blind_slot(), folder / "blind_slot.step"),
    }
    nist = sorted(NIST.rglob("*.stp"))
    if nist:
        files["nist"] = nist[0]
    return files


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("contract-service")
    return isolated_settings(  # the shipped model: tier 1 answers what it is sure of
        folder,
        model_path=Settings().model_path,
        retry_base_delay_s=0.01,
        retry_max_delay_s=0.05,
    )


@pytest.fixture(scope="module")
def make_app(pool: GeometryPool) -> Iterator[Callable[[Settings], Flask]]:
    with app_builder(pool) as build:
        yield build


@pytest.fixture(scope="module")
def client(make_app: Callable[[Settings], Flask], settings: Settings) -> FlaskClient:
    return make_app(settings).test_client()


def post(client: FlaskClient, path: str, data: bytes, **headers: str) -> TestResponse:
    return client.post(
        path,
        data={"file": (BytesIO(data), "part.step")},
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.fixture(scope="module")
def answers(client: FlaskClient, part_files: dict[str, Path]) -> dict[str, dict]:
    """/analyze's answer for each part, validated against the document."""
    found = {}
    for name, path in part_files.items():
        response = post(client, "/analyze", path.read_bytes(), **{"X-Correlation-ID": name})
        assert response.status_code == 200, response.get_json()
        found[name] = check_against_document("/analyze", "post", response)
    return found


# ------------------------------------------------------------------ the client's reading


def test_the_highlighter_finds_each_face_by_its_triangle_range(answers: dict[str, dict]) -> None:
    """For each face, the triangles that triangle_range names are exactly those
    whose vertices vertex_face_ids gives to that face."""
    for name, body in answers.items():
        mesh = body["mesh_data"]
        indices = np.asarray(mesh["indices"]).reshape(-1, 3)
        vertex_faces = np.asarray(mesh["vertex_face_ids"])
        assert len(vertex_faces) == mesh["vertex_count"] == len(mesh["vertices"]) // 3, name
        assert len(indices) == mesh["triangle_count"] == body["triangle_count"], name
        assert mesh["face_count"] == body["metadata"]["face_count"] == len(mesh["face_mapping"])
        triangle_faces = vertex_faces[indices]
        assert np.all(triangle_faces == triangle_faces[:, :1]), name  # a triangle lies on one face
        covered = 0
        for face, triangles in mesh["face_mapping"].items():
            first, last = triangles["triangle_range"]
            named = np.arange(first, last + 1)
            on_face = np.flatnonzero(triangle_faces[:, 0] == int(face))
            assert np.array_equal(named, on_face), (name, face)
            assert triangles["triangle_indices"] == named.tolist(), (name, face)
            covered += len(named)
        assert covered == mesh["triangle_count"], name


def test_every_feature_of_a_part_with_holes_highlights_triangles(answers: dict[str, dict]) -> None:
    """What the site found empty for every feature of every part before."""
    body = answers["hole_plate"]
    holes = [f for f in body["features"] if f["family"] == "hole"]
    assert len(holes) == 6
    for feature in body["features"]:
        mapping = body["mesh_data"]["face_mapping"]
        ranges = [mapping[str(face)]["triangle_range"] for face in feature["face_ids"]]
        assert sum(last - first + 1 for first, last in ranges) > 0, feature["type"]


def test_measures_at_top_level_agree_with_the_metadata(answers: dict[str, dict]) -> None:
    for name, body in answers.items():
        metadata = body["metadata"]
        assert body["volume_cm3"] * 1000 == pytest.approx(metadata["volume_mm3"], rel=1e-12), name
        assert body["surface_area_cm2"] * 100 == pytest.approx(
            metadata["surface_area_mm2"], rel=1e-12
        )
        assert 1 <= body["complexity_score"] <= 10


def test_processes_of_the_turned_shaft_and_the_hole_plate(answers: dict[str, dict]) -> None:
    assert answers["turned_shaft"]["recommended_processes"] == ["CNC Lathe"]
    assert answers["hole_plate"]["recommended_processes"] == ["VMC Machining"]
    for body in answers.values():
        assert len(body["routing_reasoning"]) == len(body["recommended_processes"])


def test_recognition_method_says_what_answered(answers: dict[str, dict]) -> None:
    """Tier 1 says brepnet where the network named every face, brepnet+rules where
    the rules named the faces it was unsure of."""
    methods = {"tier_1_brep_ml": "brepnet", "tier_2_mesh_heuristics": "rules"}
    assert answers["pocket"]["processing_tier"] == "tier_1_brep_ml"
    assert answers["pocket"]["metadata"]["recognition_method"] == "brepnet"
    for name, body in answers.items():
        method = methods[body["processing_tier"]]
        recognizers = body["metadata"]["part_parameters"].get("recognizers") or {}
        if recognizers.get("rules_named_faces"):
            method += "+rules"
        assert body["metadata"]["recognition_method"] == method, name
        assert "tier_number" not in body
        named_by_rules = [f for f in body["features"] if f["recognition_method"] == "geometric"]
        assert bool(named_by_rules) <= (method != "brepnet"), name


def test_bottom_faces_of_a_slot_are_its_floor(answers: dict[str, dict]) -> None:
    body = answers["blind_slot"]
    (slot,) = [f for f in body["features"] if f["family"] == "slot"]
    assert slot["bottom_faces"] and set(slot["bottom_faces"]) <= set(slot["face_ids"])
    assert {body["faces"][face]["surface_type"] for face in slot["bottom_faces"]} == {"plane"}


@pytest.mark.skipif(not NIST.is_dir(), reason="NIST parts not unpacked (make data)")
def test_a_nist_part_scores_high(answers: dict[str, dict]) -> None:
    assert answers["nist"]["complexity_score"] >= 7.0


# ------------------------------------------------------------------ /analyze-aag


def test_analyze_aag_answers_from_the_rules_and_says_why(
    make_app: Callable[[Settings], Flask],
    settings: Settings,
    part_files: dict[str, Path],
    tmp_path: Path,
) -> None:
    own_queue = {
        "dlq_sqlite_path": tmp_path / "dlq.sqlite3",
        "dlq_spool_path": tmp_path / "spool.sqlite3",
    }
    app = make_app(replace(settings, **own_queue))
    client = app.test_client()
    for name in ("hole_plate", "pocket"):  # tier 1 answers the pocket on /analyze
        response = post(client, "/analyze-aag", part_files[name].read_bytes())
        body = check_against_document("/analyze-aag", "post", response)
        assert body["processing_tier"] == "tier_2_mesh_heuristics", name
        assert body["metadata"]["recognition_method"] == "rules"
        assert [d["code"] for d in body["degradation"]] == ["rules_requested"]
    from_model = post(client, "/analyze", part_files["pocket"].read_bytes()).get_json()
    assert from_model["processing_tier"] == "tier_1_brep_ml"
    service = app.extensions["geometry_service"]
    service.dlq.drain()
    assert service.dlq.list_failures(limit=10) == []  # a choice, not a failure
    assert service.breakers.get("inference").stats().calls == 1  # only /analyze asked the model


def test_the_binary_mesh_is_the_json_mesh_at_full_precision(
    client: FlaskClient, answers: dict[str, dict]
) -> None:
    """?mesh=binary (what the viewer asks for): the same mesh as base64 little-endian
    arrays; the json form's numbers are those rounded to 1 um and 4 decimals."""
    for name in ("hole_plate", "turned_shaft"):
        text = answers[name]
        response = client.get(f"/results/{text['file_hash']}?mesh=binary")
        assert response.status_code == 200
        binary = check_against_document("/results/{file_hash}", "get", response)
        mesh, listed = binary["mesh_data"], text["mesh_data"]

        def array(field: str, dtype: str, mesh: dict = mesh) -> np.ndarray:
            return np.frombuffer(base64.b64decode(mesh[field]), dtype=dtype)

        assert mesh["encoding"] == "base64-le"
        vertices = array("vertices", "<f4")
        assert np.abs(vertices - np.asarray(listed["vertices"])).max() <= 0.0005 + 1e-6, name
        assert (
            np.abs(array("normals", "<f4") - np.asarray(listed["normals"])).max() <= 0.00005 + 1e-7
        )
        assert array("indices", "<u4").tolist() == listed["indices"], name
        assert array("vertex_face_ids", "<i4").tolist() == listed["vertex_face_ids"], name
        offsets = array("face_triangle_offsets", "<u4")
        for face, triangles in listed["face_mapping"].items():
            assert (
                list(range(offsets[int(face)], offsets[int(face) + 1]))
                == triangles["triangle_indices"]
            )
        assert binary["features"] == text["features"] and binary["faces"] == text["faces"]


# ------------------------------------------------------------------ compression

DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}


@pytest.mark.parametrize(
    ("accepted", "coding"),
    [
        ("gzip", "gzip"),  # curl --compressed, most HTTP libraries
        ("gzip, br", "br"),  # Deno's fetch: the quote site's edge function
        ("gzip, deflate, br, zstd", "zstd"),  # browsers
        ("zstd;q=0.5, gzip", "gzip"),  # the client's preference first
    ],
)
def test_compressed_answers_decode_to_the_same_json(
    client: FlaskClient, answers: dict[str, dict], accepted: str, coding: str
) -> None:
    file_hash = answers["hole_plate"]["file_hash"]
    plain = client.get(f"/results/{file_hash}")
    packed = client.get(f"/results/{file_hash}", headers={"Accept-Encoding": accepted})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in packed.headers["Vary"]
    decoded = DECODERS[coding](packed.get_data())
    assert len(packed.get_data()) < len(decoded) / 3
    assert json.loads(decoded) == plain.get_json()
    check_against_document("/results/{file_hash}", "get", plain)


def test_analyze_answers_come_compressed_too(
    client: FlaskClient, part_files: dict[str, Path]
) -> None:
    shaft = part_files["turned_shaft"].read_bytes()
    response = post(client, "/analyze", shaft, **{"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    body = json.loads(brotli.decompress(response.get_data()))
    assert body["success"] is True and body["recommended_processes"] == ["CNC Lathe"]


# ------------------------------------------------------------------ errors


def test_every_error_carries_the_correlation_id(
    make_app: Callable[[Settings], Flask],
    settings: Settings,
    client: FlaskClient,
    pool: GeometryPool,
    tmp_path: Path,
) -> None:
    step_head = b"ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\nENDSEC;\nEND-ISO-10303-21;\n"
    keyed = make_app(replace(settings, service_api_key="site-key")).test_client()
    small = make_app(replace(settings, max_upload_mb=0.01)).test_client()
    too_big = b"ISO-10303-21;" + b" " * 20_000
    results = "/results/{file_hash}"
    cases: list[tuple[int, str, str, Callable[[dict], TestResponse]]] = [
        (
            400,
            "/analyze",
            "post",
            lambda h: client.post("/analyze", data={"other": "x"}, headers=h),
        ),
        (400, results, "get", lambda h: client.get("/results/not-a-hash", headers=h)),
        (400, "/analyze", "post", lambda h: post(client, "/analyze?mesh=xml", step_head, **h)),
        (
            401,
            "/analyze",
            "post",
            lambda h: post(keyed, "/analyze", step_head, Authorization="no", **h),
        ),
        (404, results, "get", lambda h: client.get(f"/results/{'0' * 64}", headers=h)),
        (413, "/analyze", "post", lambda h: post(small, "/analyze", too_big, **h)),
        (415, "/analyze", "post", lambda h: post(client, "/analyze", b"%PDF-1.7\n", **h)),
        (422, "/analyze", "post", lambda h: post(client, "/analyze", step_head, **h)),
    ]
    for status, path, method, send in cases:
        response = send({"X-Correlation-ID": f"error-{status}"})
        assert response.status_code == status, (path, response.get_json())
        body = check_against_document(path, method, response)
        assert body["correlation_id"] == response.headers["X-Correlation-ID"] == f"error-{status}"
    unknown = client.get("/no-such-route", headers={"X-Correlation-ID": "error-404"})
    assert unknown.status_code == 404 and unknown.get_json()["correlation_id"] == "error-404"
    wrong_method = client.get("/analyze")
    assert wrong_method.status_code == 405 and wrong_method.get_json()["correlation_id"]

    gate = tmp_path / "open"
    capacity = pool.stats().capacity
    holders = [
        threading.Thread(target=pool.run, args=(pool_tasks.wait_for, str(gate), 10.0))
        for _ in range(capacity)
    ]
    for holder in holders:
        holder.start()
    try:
        while pool.stats().in_flight < capacity:
            threading.Event().wait(0.01)
        busy = post(client, "/analyze", step_head, **{"X-Correlation-ID": "error-503"})
    finally:
        gate.touch()
        for holder in holders:
            holder.join(timeout=10)
    assert busy.status_code == 503 and busy.headers["Retry-After"]
    assert check_against_document("/analyze", "post", busy)["correlation_id"] == "error-503"


# ------------------------------------------------------------------ the document


def test_the_document_is_valid_openapi_3_1_of_this_version() -> None:
    validate_openapi(DOCUMENT)
    assert DOCUMENT["openapi"].startswith("3.1") and DOCUMENT["info"]["version"] == __version__


def test_every_route_is_documented_and_every_documented_route_exists(client: FlaskClient) -> None:
    app = client.application
    routes = {
        (re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert routes == documented
    served = client.get("/openapi.json")
    assert served.status_code == 200 and served.get_json() == DOCUMENT


def test_ops_answers_match_the_document(client: FlaskClient) -> None:
    for path, query in [
        ("/health", ""),
        ("/ready", ""),
        ("/dlq/stats", ""),
        ("/dlq/failures", "?limit=5"),
        ("/circuit-breaker", ""),
        ("/metrics", "?format=json"),
    ]:
        response = client.get(path + query)
        assert response.status_code == 200, path
        check_against_document(path, "get", response)
    reset = client.post("/circuit-breaker/reset?name=download")
    check_against_document("/circuit-breaker/reset", "post", reset)


# ------------------------------------------------------------------ shop limits per request


def test_a_request_may_override_the_shops_limits(
    client: FlaskClient, part_files: dict[str, Path], answers: dict[str, dict]
) -> None:
    """A 20 mm envelope is smaller than the 40 x 30 x 10 hole plate: the override reaches the
    DFM checks, is echoed in manufacturing.limits, and gets an answer of its own (the
    default answer is cached under the default limits)."""
    small = {"machine_envelope_mm": [20, 20, 20], "min_wall_mm": 0.5}
    response = client.post(
        "/analyze",
        data={
            "file": (BytesIO(part_files["hole_plate"].read_bytes()), "plate.step"),
            "shop_limits": json.dumps(small),
        },
        content_type="multipart/form-data",
    )
    body = check_against_document("/analyze", "post", response)
    limits = body["manufacturing"]["limits"]
    assert limits["machine_envelope_mm"] == [20.0, 20.0, 20.0] and limits["min_wall_mm"] == 0.5
    assert body["cached"] is False
    codes = {warning["code"] for warning in body["manufacturing"]["warnings"]}
    default = {w["code"] for w in answers["hole_plate"]["manufacturing"]["warnings"]}
    assert "part_exceeds_machine_envelope" in codes - default


@pytest.mark.parametrize(
    "shop_limits",
    [
        '{"min_wall_mm": -1}',
        '{"min_wall_mm": "thin"}',
        '{"spindle_rpm": 12000}',
        '{"machine_envelope_mm": [500, 400]}',
        "[1, 2, 3]",
        "not json",
    ],
)
def test_a_bad_shop_limit_is_a_400_that_names_it(
    client: FlaskClient, part_files: dict[str, Path], shop_limits: str
) -> None:
    response = client.post(
        "/analyze",
        data={
            "file": (BytesIO(part_files["pocket"].read_bytes()), "pocket.step"),
            "shop_limits": shop_limits,
        },
        content_type="multipart/form-data",
    )
    body = check_against_document("/analyze", "post", response)
    assert response.status_code == 400
    assert body["error"]["code"] == "invalid_shop_limits", body


def test_a_json_request_carries_shop_limits_in_its_body(client: FlaskClient) -> None:
    """Checked before anything is downloaded: the URL is never fetched."""
    response = client.post(
        "/analyze",
        json={
            "file_url": "https://example.invalid/part.step",
            "shop_limits": {"gun_drill_ratio": 0},
        },
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_shop_limits"
