"""The answer for a file analyzed in this process, as the service would send it.

For the command line, the benchmarks and the tests that compare whole answers:
the worker's analysis and the HTTP process's answer building, without a pool,
a cache or a request. Loads OCP (through part_analysis), so never imported by
the HTTP process.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from . import __version__
from .analysis_request import AnalysisRequest
from .model_file import ModelFile
from .part_analysis import analyze_file
from .public_answer import Upload, Versions, public_answer


def local_answer(
    path: Path, request: AnalysisRequest = AnalysisRequest(), mesh_format: str = "json"
) -> dict[str, Any]:
    """The /analyze answer for ``path`` under ``request``; raises what analyze_file raises."""
    result = analyze_file(path, request)
    upload = Upload(
        correlation_id="local",
        file_name=path.name,
        file_size=path.stat().st_size,
        total_ms=result.timings["worker_total_ms"],
    )
    versions = Versions(ModelFile(request.model_path).version(), __version__)
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    return public_answer(result, file_hash, False, versions, upload, mesh_format)
