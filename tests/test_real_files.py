"""Real files get the best answer they can: IGES, surface models, crashes, deadlines.

Every part is built here with OCP, so what each answer must say is known
exactly. The service runs end to end: real worker processes, real OCCT, the
real SQLite failure store. A crash is injected by swapping the worker task for
one that dies the way a segfaulting OCCT call does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geometry_service import analysis_service
from geometry_service.analysis_service import AnalysisService
from geometry_service.config import Settings
from geometry_service.worker_pool import GeometryPool, PoolSettings
from tests import feature_parts, pool_tasks
from tests import part_builders as parts
from tests.openapi_check import check_against_document
from tests.service_app import app_builder, isolated_settings

HOLE_DIAMETER = 10.0
SURFACE_MODEL = "surface model: no closed volume, so no machining features"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("real")
    holed = parts.box_with_through_hole(HOLE_DIAMETER)
    return {
        "iges_solid": parts.write_iges(holed, folder / "holed_solid.igs"),
        "iges_faces": parts.write_iges(holed, folder / "holed_faces.iges", solids=False),
        "step_shell": parts.write_step(parts.shell_only(holed), folder / "holed_shell.step"),
        "step_open": parts.write_step(parts.faces_only(holed, leave_out=1), folder / "open.step"),
        "step_wire": parts.write_step(parts.triangle_wire(), folder / "wire.stp"),
        "grid": parts.write_step(parts.hole_grid_plate(), folder / "grid.step"),
        "small_grid": parts.write_step(
            parts.hole_grid_plate(rows=2, cols=3), folder / "small_grid.step"
        ),
        "hole": parts.write_step(holed, folder / "hole.step"),
        "round_ended_pocket": parts.write_step(
            feature_parts.circular_end_pocket(), folder / "round_ended_pocket.step"
        ),
    }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No model: tier 1 is blocked, so the rules answer and every run is the same."""
    return isolated_settings(tmp_path)


@pytest.fixture
def make_app(pool: GeometryPool) -> Iterator[Callable[[Settings], Flask]]:
    with app_builder(pool) as build:
        yield build


@pytest.fixture
def client(make_app: Callable[[Settings], Flask], settings: Settings) -> FlaskClient:
    return make_app(settings).test_client()


def upload(client: FlaskClient, path: Path, correlation_id: str = "real-1"):
    """POST ``path`` to /analyze; every answer, success or error, must match /openapi.json."""
    response = client.post(
        "/analyze",
        data={"file": (BytesIO(path.read_bytes()), path.name)},
        headers={"X-Correlation-ID": correlation_id},
        content_type="multipart/form-data",
    )
    check_against_document("/analyze", "post", response)
    return response


def service_of(client: FlaskClient) -> AnalysisService:
    return client.application.extensions["geometry_service"]


def failure_records(client: FlaskClient) -> list[dict]:
    service = service_of(client)
    service.dlq.drain()
    return [record.to_dict() for record in service.dlq.list_failures(limit=500)]


def through_holes(body: dict) -> list[dict]:
    return [f for f in body["features"] if f["type"] == "through_hole"]


# ------------------------------------------------------------------ formats


@pytest.mark.parametrize("name", ["iges_solid", "iges_faces"])
def test_iges_gets_the_same_answer_as_step(
    client: FlaskClient, files: dict[str, Path], name: str
) -> None:
    step = upload(client, files["hole"]).get_json()
    response = upload(client, files[name])
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["metadata"]["file_format"] == "iges"
    assert body["processing_tier"] == step["processing_tier"] == "tier_2_mesh_heuristics"
    (hole,) = through_holes(body)
    assert hole["parameters"]["diameter"] == pytest.approx(HOLE_DIAMETER, abs=1e-6)
    assert body["metadata"]["face_count"] == step["metadata"]["face_count"] == 7
    assert body["metadata"]["volume_mm3"] == pytest.approx(step["metadata"]["volume_mm3"], rel=1e-6)
    assert body["metadata"]["solid_count"] == 1
    sewn = [w for w in body["warnings"] if "sewn" in w]
    assert sewn == (
        []
        if name == "iges_solid"
        else ["the file held faces but no solid: they were sewn into 1 solid(s)"]
    )


def test_a_closed_shell_without_a_solid_is_sewn_and_analyzed(
    client: FlaskClient, files: dict[str, Path]
) -> None:
    response = upload(client, files["step_shell"])
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["metadata"]["file_format"] == "step"
    assert body["metadata"]["solid_count"] == 1
    assert body["processing_tier"] == "tier_2_mesh_heuristics"
    (hole,) = through_holes(body)
    assert hole["parameters"]["diameter"] == pytest.approx(HOLE_DIAMETER, abs=1e-6)
    assert "the file held faces but no solid: they were sewn into 1 solid(s)" in body["warnings"]


def test_an_open_sheet_gets_its_mesh_and_metrics_from_tier_4(
    client: FlaskClient, files: dict[str, Path]
) -> None:
    response = upload(client, files["step_open"])
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["processing_tier"] == "tier_4_basic"
    assert [(d["tier"], d["code"]) for d in body["degradation"]] == [
        ("tier_1_brep_ml", "model_missing"),
        ("tier_2_mesh_heuristics", "no_volume"),
        ("tier_3_point_cloud", "no_volume"),
    ]
    assert SURFACE_MODEL in body["warnings"]
    assert body["features"] == []
    metadata = body["metadata"]
    assert (metadata["face_count"], metadata["solid_count"], metadata["volume_mm3"]) == (6, 0, None)
    assert metadata["bounding_box"]["size"] == pytest.approx([100.0, 60.0, 30.0], abs=1e-3)
    mesh = body["mesh_data"]
    assert mesh["triangle_count"] > 0
    assert sorted(int(face) for face in mesh["face_mapping"]) == list(range(6))
    # The surface-model degradation is the part, not a failure: only model_missing is recorded.
    assert [r["error_code"] for r in failure_records(client)] == ["degraded_model_missing"]


def test_a_wire_only_file_is_422_no_geometry_saying_what_it_holds(
    client: FlaskClient, files: dict[str, Path]
) -> None:
    response = upload(client, files["step_wire"])
    body = response.get_json()
    assert response.status_code == 422, body
    assert (body["error"]["code"], body["error"]["error_type"]) == ("no_geometry", "permanent")
    assert "a wireframe of 3 edge(s)" in body["error"]["message"]
    assert body["correlation_id"] == "real-1"


def test_an_unknown_format_is_named_in_the_415(client: FlaskClient, tmp_path: Path) -> None:
    page = tmp_path / "part.step"
    page.write_bytes(b"<!DOCTYPE html><html><body>ISO-10303-21;</body></html>")
    body = upload(client, page).get_json()
    assert body["error"]["code"] == "not_step"
    assert (
        body["error"]["message"]
        == "The file is not a STEP file nor an IGES file: it looks like an HTML page."
    )


# -------------------------------------------------------- crash containment


def test_a_crash_in_the_graph_stage_is_answered_from_safe_mode(
    client: FlaskClient,
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(analysis_service, "analyze_in_worker", pool_tasks.crash_unless_safe_mode)
    with caplog.at_level(logging.INFO):
        response = upload(client, files["hole"], "crash-once")
    events = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name in ("geometry_service.worker_pool", "geometry_service.requests")
    ]
    # The pool's warm-up thread says "ready" when it is done, which on a busy machine
    # can be after the request started; it is the service's line, not the request's.
    events = [e for e in events if e["event"] != "ready"]
    # Every line of the request, the pool's and the ladder's included, joins on its correlation id.
    assert [e["event"] for e in events] == ["worker_died", "worker_crash_safe_mode", "request"]
    assert {e["correlation_id"] for e in events} == {"crash-once"}
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["processing_tier"] == "tier_4_basic"
    assert [(d["tier"], d["code"]) for d in body["degradation"]][1:] == [
        ("tier_2_mesh_heuristics", "safe_mode"),
        ("tier_3_point_cloud", "safe_mode"),
    ]
    assert body["metadata"]["face_count"] == 7
    assert body["metadata"]["volume_mm3"] == pytest.approx(
        180_000 - 25 * 3.141592653589793 * 30, rel=2e-3
    )
    (record,) = [r for r in failure_records(client) if r["correlation_id"] == "crash-once"]
    assert (record["error_code"], record["error_type"]) == ("degraded_safe_mode", "transient")
    assert service_of(client).pool.stats().crashes >= 1


def test_a_file_that_crashes_in_safe_mode_too_is_permanent(
    client: FlaskClient, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis_service, "analyze_in_worker", pool_tasks.crash_always)
    response = upload(client, files["hole"], "crash-twice")
    body = response.get_json()
    assert response.status_code == 422, body
    assert (body["error"]["code"], body["error"]["error_type"]) == ("geometry_crash", "permanent")
    assert "Retry-After" not in response.headers
    (record,) = [r for r in failure_records(client) if r["correlation_id"] == "crash-twice"]
    assert record["error_code"] == "geometry_crash"
    assert record["file_hash"] == hashlib.sha256(files["hole"].read_bytes()).hexdigest()


# ------------------------------------------------------------------ deadline


def test_a_queued_request_gets_tier_4_or_504_inside_its_budget_never_500(
    make_app: Callable[[Settings], Flask],
    settings: Settings,
    files: dict[str, Path],
    pool: GeometryPool,
) -> None:
    """The only worker is busy for 2.8 s of a 3 s budget: the queue wait spends the budget."""
    budget = 3.0
    client = make_app(Settings(**{**settings.__dict__, "request_budget_s": budget})).test_client()
    busy = threading.Thread(target=pool.run, args=(pool_tasks.sleep, 2.8))
    busy.start()
    time.sleep(0.1)
    started = time.monotonic()
    response = upload(client, files["grid"], "queued")
    waited = time.monotonic() - started
    busy.join()
    body = response.get_json()
    assert response.status_code in (200, 504), body
    if response.status_code == 200:
        assert body["processing_tier"] == "tier_4_basic"
        assert {d["code"] for d in body["degradation"]} >= {"deadline"}
    else:
        assert (body["error"]["code"], body["error"]["error_type"]) == (
            "deadline_exceeded",
            "transient",
        )
    assert waited < budget


# ------------------------------------------------------- breakers and DLQ


@pytest.fixture
def model_settings(settings: Settings) -> Settings:
    """The shipped model, present: tier 1 is admitted by the inference breaker."""
    return Settings(**{**settings.__dict__, "model_path": Settings().model_path})


def test_overload_never_touches_the_inference_breaker(
    make_app: Callable[[Settings], Flask],
    model_settings: Settings,
    files: dict[str, Path],
    tmp_path: Path,
) -> None:
    small = GeometryPool(PoolSettings(workers=1, queue_limit=0))
    small.warm_up()
    gate = tmp_path / "gate"
    try:
        with app_builder(small) as build:
            client = build(model_settings).test_client()
            holder = threading.Thread(target=small.run, args=(pool_tasks.wait_for, str(gate), 30.0))
            holder.start()
            while small.stats().in_flight == 0:
                time.sleep(0.01)
            statuses = [upload(client, files["hole"], f"over-{i}").status_code for i in range(6)]
            gate.touch()
            holder.join()
            stats = client.get("/circuit-breaker").get_json()["inference"]
    finally:
        small.close(wait=False)
    assert statuses == [503] * 6
    assert (stats["state"], stats["failures"], stats["consecutive_failures"]) == ("closed", 0, 0)


def test_an_unsure_model_is_counted_and_kept_for_training_not_dead_lettered(
    make_app: Callable[[Settings], Flask], model_settings: Settings, files: dict[str, Path]
) -> None:
    unsure = Settings(**{**model_settings.__dict__, "model_min_face_probability": 1.01})
    client = make_app(unsure).test_client()
    body = upload(client, files["hole"], "unsure").get_json()
    assert body["processing_tier"] == "tier_2_mesh_heuristics"
    assert [d["code"] for d in body["degradation"]] == ["model_uncertain"]
    assert failure_records(client) == []
    skips = client.get("/metrics?format=json").get_json()["tier_skips"]
    assert {"tier": "tier_1_brep_ml", "code": "model_uncertain", "count": 1.0} in skips
    folder = unsure.training_candidates_dir
    kept = [p.name for p in folder.iterdir() if p.suffix == ".step"]
    assert kept == [f"{body['file_hash']}.step"]
    (line,) = (folder / "candidates.jsonl").read_text().splitlines()
    assert json.loads(line)["answered_by"] == "tier_2_mesh_heuristics"


def test_faces_the_model_is_unsure_of_are_named_by_the_rules_and_the_part_kept_for_training(
    make_app: Callable[[Settings], Flask], model_settings: Settings, files: dict[str, Path]
) -> None:
    """The shipped model is sure of all but 2 faces of a pocket with round ends
    (brepnet-1.4.0 and 1.5.0 were unsure of the 10 x 10 chamfered hole plate's rims;
    1.6.0 is sure of every face of that one, and right)."""
    client = make_app(model_settings).test_client()
    body = upload(client, files["round_ended_pocket"], "partly-sure").get_json()
    assert (body["processing_tier"], body["degradation"]) == ("tier_1_brep_ml", [])
    assert body["metadata"]["recognition_method"] == "brepnet+rules"
    recognizers = body["metadata"]["part_parameters"]["recognizers"]
    assert (
        0 < recognizers["unsure_faces"] == recognizers["rules_named_faces"] < recognizers["faces"]
    )
    # It agrees with the rules on every face it is sure of.
    assert recognizers["contested_faces"] == 0
    assert recognizers["agreeing_faces"] >= recognizers["faces"] - recognizers["unsure_faces"]
    (pocket,) = [f for f in body["features"] if f["type"] == "circular_end_pocket"]
    assert pocket["recognition_method"] == "geometric"  # the rules named its unsure faces
    assert failure_records(client) == []
    (line,) = (model_settings.training_candidates_dir / "candidates.jsonl").read_text().splitlines()
    kept = json.loads(line)
    assert kept["answered_by"] == "tier_1_brep_ml"
    assert kept["reason"] == (
        f"the model is unsure of {recognizers['unsure_faces']} of {recognizers['faces']} "
        "faces; the rules named them"
    )
