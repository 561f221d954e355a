"""Tasks for the worker-pool tests, in a module of their own.

A pool pickles a task by reference, so its function must be importable in the
worker; keeping them here (stdlib only) spares each fresh worker the import of
pytest and the test module.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def abort() -> None:
    """Die the way a segfaulting OCCT call does: no exception, no cleanup."""
    os.abort()


def sleep(seconds: float) -> float:
    """Hold the worker, like a file that hangs OCCT."""
    time.sleep(seconds)
    return seconds


def wait_for(gate: str, limit_s: float) -> bool:
    """Hold the worker until the file ``gate`` exists, so a test decides when a task ends."""
    deadline = time.monotonic() + limit_s
    while not Path(gate).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def crash_unless_safe_mode(path: str, request) -> dict:
    """The analysis task, crashing like OCCT in a late stage: safe mode gets through."""
    if not request.safe_mode:
        abort()
    from geometry_service.analysis_request import analyze_in_worker

    return analyze_in_worker(path, request)


def crash_always(path: str, request) -> dict:
    """A file that kills the worker however it is read."""
    abort()


def threads_after_matrix_product() -> int:
    """The threads of this worker once numpy has multiplied two matrices (Linux)."""
    import numpy as np

    matrix = np.ones((400, 400))
    matrix @ matrix
    return len(os.listdir("/proc/self/task"))


def frozen_objects() -> int:
    """How many objects this worker keeps out of the collector's generations."""
    import gc

    return gc.get_freeze_count()


def warm_state() -> tuple[bool, int]:
    """Whether this worker started with numpy.ma imported, and how many models it holds."""
    import sys

    from geometry_service.brepnet_wrapper import _load_model

    return "numpy.ma" in sys.modules, _load_model.cache_info().currsize
