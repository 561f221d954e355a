"""A fingerprint of the full answer for a part, to check that speed work changes no answer.

Everything a caller reads but the raw mesh arrays: features (types, faces,
dimensions), face labels and their features, the metadata's measures, the
part type, the routing, and the face map (triangles per face and the mean of
each face's vertices). Numbers are kept to 1 um (3 decimals); they compare
with a 1 um tolerance, so rounding at a boundary does not count as a change.

    python -m tests.answer_fingerprint --data .data --out tests/answer_fingerprints.json

writes the fingerprints of the NIST parts and the MFCAD sample; run it on the
code before a change and keep the file (our own answers, nothing of the data
sets' files). tests/test_answers_unchanged.py compares the current code's
answers against it.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

DECIMALS = 3
TOLERANCE = 1e-3 + 1e-9
MFCAD_SAMPLE = 12
# Answer fields that change from run to run or say how, not what.
VOLATILE = {
    "timings",
    "read_ms",
    "graph_ms",
    "mesh_ms",
    "build_ms",
    "worker_total_ms",
    "model_version",
    "model_release",
    "service_version",
    "linear_deflection",
}


def sample_parts(data: Path) -> list[Path]:
    """The NIST parts and every len/MFCAD_SAMPLE-th MFCAD part, by name."""
    nist = sorted((data / "nist" / "nist").glob("*.stp"))
    mfcad = sorted((data / "mfcad" / "step").glob("*.step"))
    stride = max(1, len(mfcad) // MFCAD_SAMPLE)
    return nist + mfcad[::stride][:MFCAD_SAMPLE]


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    return value


def fingerprint(answer: dict[str, Any]) -> dict[str, Any]:
    """The fingerprint of a public answer as the caller parses it (mesh in its json form)."""
    mesh = answer["mesh_data"]
    vertices = np.asarray(mesh["vertices"], dtype=np.float64).reshape(-1, 3)
    vertex_faces = np.asarray(mesh["vertex_face_ids"])
    used = vertex_faces >= 0
    counts = np.bincount(vertex_faces[used], minlength=mesh["face_count"])
    sums = np.stack(
        [
            np.bincount(vertex_faces[used], weights=vertices[used, k], minlength=mesh["face_count"])
            for k in range(3)
        ],
        axis=1,
    )
    means = sums / np.maximum(counts, 1)[:, None]
    return _rounded(
        {
            "processing_tier": answer["processing_tier"],
            "features": answer["features"],
            "faces": [
                [face["label"], face["feature_id"], face["surface_type"], face["area"]]
                for face in answer["faces"]
            ],
            "metadata": answer["metadata"],
            "recommended_processes": answer["recommended_processes"],
            "complexity_score": answer["complexity_score"],
            "triangles_per_face": [
                None
                if triangles["triangle_range"] is None
                else triangles["triangle_range"][1] - triangles["triangle_range"][0] + 1
                for triangles in mesh["face_mapping"].values()
            ],
            "face_vertex_mean": means.tolist(),
        }
    )


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two fingerprints differ by more than 1 um (paths, at most a few per branch)."""
    if isinstance(before, float) or isinstance(after, float):
        if (
            isinstance(before, (int, float))
            and isinstance(after, (int, float))
            and abs(before - after) <= TOLERANCE
        ):
            return []
        return [f"{path}: {before!r} -> {after!r}"]
    if isinstance(before, dict) and isinstance(after, dict):
        found = [f"{path}.{key}: only on one side" for key in before.keys() ^ after.keys()]
        for key in before.keys() & after.keys():
            found += differences(before[key], after[key], f"{path}.{key}")
        return found
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{path}: {len(before)} items -> {len(after)}"]
        found = []
        for index, (left, right) in enumerate(zip(before, after, strict=True)):
            found += differences(left, right, f"{path}[{index}]")
        return found
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def answer_for(path: Path) -> dict[str, Any]:
    """The public answer for ``path`` as the service would send it, parsed back."""
    from geometry_service import answer_json
    from geometry_service.analysis_request import AnalysisRequest, blocked_tiers
    from geometry_service.config import Settings
    from geometry_service.local_answer import local_answer

    settings = Settings()
    request = AnalysisRequest(
        model_path=settings.model_path,
        blocked_tiers=blocked_tiers(settings.model_path, inference_admitted=True),
    )
    return answer_json.loads(answer_json.dumps(local_answer(path, request)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(".data"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    from geometry_service.geometry.cad_reader import silence_occt

    silence_occt()
    prints = {path.name: fingerprint(answer_for(path)) for path in sample_parts(args.data)}
    args.out.write_text(json.dumps(prints, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
