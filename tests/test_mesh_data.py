"""The mesh's two written forms (mesh_data.py) and the cache's copy of a worker's result
(worker_result.py), on hand-made arrays."""

from __future__ import annotations

import base64

import numpy as np

from geometry_service import answer_json
from geometry_service.graceful_degradation import Tier, TierFailure
from geometry_service.mesh_data import MeshArrays, mesh_for_caller
from geometry_service.result_cache import InProcessLRUCache
from geometry_service.worker_result import WorkerResult


def two_face_mesh() -> MeshArrays:
    """Face 0: two triangles, face 1: none, face 2: one; coordinates off the 1 um grid."""
    vertices = np.array(
        [
            [0, 0, 0],
            [10.0004, 0, 0],
            [10, 20.0006, 0],
            [0, 20, 0],
            [1.23456, 2.5, -3.1111],
            [4, 5, 6],
            [7, 8, 9.99951],
        ],
        dtype=np.float32,
    )
    normals = np.tile(np.array([0.123456, -0.98766, 0.1], dtype=np.float32), (7, 1))
    return MeshArrays(
        vertices=vertices,
        normals=normals,
        indices=np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6]], dtype=np.uint32),
        face_ids=np.array([0, 0, 2], dtype=np.int32),
        face_count=3,
    )


def test_the_json_form_keeps_the_quote_sites_shape_rounded_to_1_um() -> None:
    written = answer_json.loads(answer_json.dumps(two_face_mesh().json_form()))

    assert written["vertices"][3:6] == [10.0, 0.0, 0.0]
    assert written["vertices"][6:9] == [10.0, 20.001, 0.0]
    assert written["vertices"][12:15] == [1.235, 2.5, -3.111]
    assert written["normals"][:3] == [0.1235, -0.9877, 0.1]
    assert written["indices"] == [0, 1, 2, 0, 2, 3, 4, 5, 6]
    assert written["vertex_face_ids"] == [0, 0, 0, 0, 2, 2, 2]
    assert written["face_mapping"] == {
        "0": {"triangle_indices": [0, 1], "triangle_range": [0, 1]},
        "1": {"triangle_indices": [], "triangle_range": None},
        "2": {"triangle_indices": [2], "triangle_range": [2, 2]},
    }
    assert (written["vertex_count"], written["triangle_count"], written["face_count"]) == (7, 3, 3)


def test_the_binary_form_is_little_endian_base64_at_full_precision() -> None:
    mesh = two_face_mesh()
    form = mesh.binary_form()

    assert form["encoding"] == "base64-le"
    vertices = np.frombuffer(base64.b64decode(form["vertices"]), dtype="<f4").reshape(-1, 3)
    assert np.array_equal(vertices, mesh.vertices)
    assert np.frombuffer(base64.b64decode(form["face_triangle_offsets"]), dtype="<u4").tolist() == [
        0,
        2,
        2,
        3,
    ]
    assert np.frombuffer(base64.b64decode(form["vertex_face_ids"]), dtype="<i4").tolist() == [
        0,
        0,
        0,
        0,
        2,
        2,
        2,
    ]
    assert (form["vertex_count"], form["triangle_count"], form["face_count"]) == (7, 3, 3)


def worker_result(mesh: MeshArrays | None) -> WorkerResult:
    skipped = TierFailure(Tier.BREP_ML, "the model is unsure", "model_uncertain", "permanent")
    return WorkerResult(
        tier=Tier.MESH_HEURISTICS,
        confidence=0.75,
        degradation=(skipped,),
        timings={"tiers_ms": {"tier_1_brep_ml": 1.5, "tier_2_mesh_heuristics": 2.0}},
        mesh=mesh,
        faces=[],
        features=[],
        metadata={"face_count": 3},
        manufacturing=None,
        machining_summary=None,
        warnings=["a warning"],
    )


def test_the_cache_keeps_the_mesh_exactly_and_gives_it_back_as_arrays() -> None:
    mesh = two_face_mesh()
    cache = InProcessLRUCache()
    cache.set("k", worker_result(mesh).to_cache())

    result = WorkerResult.from_cache(cache.get("k"))
    restored = result.mesh

    for name in ("vertices", "normals", "indices", "face_ids"):
        assert np.array_equal(getattr(restored, name), getattr(mesh, name)), name
        assert getattr(restored, name).dtype == getattr(mesh, name).dtype, name
    assert restored.face_count == 3
    assert mesh_for_caller(restored, "json")["face_mapping"].keys() == {"0", "1", "2"}
    assert result.tier is Tier.MESH_HEURISTICS
    assert result.degradation == worker_result(None).degradation
    assert result.tier_ms(Tier.BREP_ML) == 1.5 and result.tier_ms(Tier.POINT_CLOUD) is None


def test_no_mesh_stays_none_in_every_form() -> None:
    assert mesh_for_caller(None, "binary") is None
    assert WorkerResult.from_cache(worker_result(None).to_cache()).mesh is None
