"""What an answer costs beyond the geometry: the server's side of one /analyze.

The worker's whole job (``analyze_file``: read, graph, mesh, every tier the
ladder runs, metrics), the result's crossing of the process boundary (pickled
there, unpickled here), the public answer and its JSON, compressed as the HTTP
process sends it to the quote site's edge function (brotli: Deno's fetch
accepts gzip and br, and the service prefers br). Timed in CPU time of this
process, like the stages, so the ratio to the floor (read + mesh of the same
part) does not measure the neighbours. Only the HTTP transfer and the upload are left out.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from pathlib import Path

import brotli

from geometry_service import answer_json
from geometry_service.analysis_request import AnalysisRequest
from geometry_service.app import COMPRESSION
from geometry_service.part_analysis import analyze_file
from geometry_service.public_answer import Upload, Versions, public_answer


@dataclass(frozen=True)
class AnswerCost:
    """CPU milliseconds of each step of an answer, and its size."""

    server_ms: float  # all of the below
    worker_ms: float  # analyze_file
    pickle_ms: float  # the worker's result pickled and unpickled
    serialise_ms: float  # the public answer built and written as JSON
    compress_ms: float  # brotli, as the edge function gets the answer
    answer_bytes: int
    compressed_bytes: int
    binary_bytes: int  # the same answer with ?mesh=binary (not timed)


def measure_answer(path: Path, request: AnalysisRequest) -> AnswerCost:
    """One answer for the file at ``path``, step by step."""
    ends = [time.process_time()]
    result = analyze_file(path, request)
    ends.append(time.process_time())
    result = pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    ends.append(time.process_time())
    upload = Upload("bench", path.name, path.stat().st_size, 0.0)
    versions = Versions("bench", "bench")

    def answer(mesh_format: str) -> dict:
        return public_answer(result, "0" * 64, False, versions, upload, mesh_format)

    encoded = answer_json.dumps(answer("json"))
    ends.append(time.process_time())
    compressed = brotli.compress(encoded, quality=COMPRESSION["COMPRESS_BR_LEVEL"])
    ends.append(time.process_time())
    worker, crossing, serialise, packing = (
        1000.0 * (b - a) for a, b in zip(ends, ends[1:], strict=False)
    )
    binary = answer_json.dumps(answer("binary"))
    return AnswerCost(
        server_ms=worker + crossing + serialise + packing,
        worker_ms=worker,
        pickle_ms=crossing,
        serialise_ms=serialise,
        compress_ms=packing,
        answer_bytes=len(encoded),
        compressed_bytes=len(compressed),
        binary_bytes=len(binary),
    )
