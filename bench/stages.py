"""Warm timings of the geometry core, stage by stage, on one part in this process.

Every repeat runs the whole pipeline on a fresh read: OCCT keeps a shape's
triangulation, so meshing the same shape twice would time nothing. The first
run warms caches and lazy imports and is not counted; each stage's figure is
the median over the counted repeats, so one slow repeat does not move it.

Stages are timed in CPU time of this process (user + system): the work is
single-threaded, so on a worker with a core of its own that is its latency,
and on a development machine shared with other jobs the wall clock measures
the neighbours as much as the code. The wall-clock total is kept beside it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass

from geometry_service.geometric_fallback import recognize_features
from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.mesher import mesh_model
from geometry_service.geometry.step_reader import read_step

from .parts import BenchPart

STAGES = ("read", "graph", "mesh", "recognize")


@dataclass(frozen=True)
class PartTiming:
    """Median milliseconds per stage of one part, with its size."""

    name: str
    group: str
    faces: int
    triangles: int
    repeats: int
    read_ms: float
    graph_ms: float
    mesh_ms: float
    recognize_ms: float
    total_ms: float
    wall_ms: float  # median wall-clock time of a whole run

    @property
    def core_ms(self) -> float:
        """read + graph + mesh: the geometry core without recognition."""
        return self.read_ms + self.graph_ms + self.mesh_ms

    @property
    def base_ms(self) -> float:
        """read + mesh: what any answer costs, the yardstick of the ratios."""
        return self.read_ms + self.mesh_ms

    @property
    def graph_ratio(self) -> float:
        return self.graph_ms / self.base_ms

    @property
    def recognize_ratio(self) -> float:
        return self.recognize_ms / self.base_ms

    @property
    def total_ratio(self) -> float:
        return self.total_ms / self.base_ms

    def to_json(self) -> dict:
        return asdict(self) | {
            "core_ms": self.core_ms,
            "graph_ratio": self.graph_ratio,
            "recognize_ratio": self.recognize_ratio,
            "total_ratio": self.total_ratio,
        }


def run_pipeline(part: BenchPart) -> tuple[dict[str, float], float, int, int]:
    """One full run: CPU ms per stage, wall ms of the run, face count and triangle count."""
    ends = [time.process_time()]
    wall_started = time.perf_counter()
    model = read_step(part.path)
    ends.append(time.process_time())
    graph = build_graph(model)
    ends.append(time.process_time())
    mesh = mesh_model(model)
    ends.append(time.process_time())
    recognize_features(graph)
    ends.append(time.process_time())
    wall_ms = (time.perf_counter() - wall_started) * 1000.0
    stage_ms = {stage: (ends[k + 1] - ends[k]) * 1000.0 for k, stage in enumerate(STAGES)}
    return stage_ms, wall_ms, model.face_count, mesh.triangle_count


def time_part(part: BenchPart, repeats: int, budget_s: float) -> PartTiming:
    """Warm up once, then up to ``repeats`` timed runs, fewer if they pass ``budget_s``."""
    run_pipeline(part)
    runs: list[dict[str, float]] = []
    walls: list[float] = []
    started = time.perf_counter()
    while len(runs) < repeats and (not runs or time.perf_counter() - started < budget_s):
        stage_ms, wall_ms, faces, triangles = run_pipeline(part)
        runs.append(stage_ms)
        walls.append(wall_ms)
    median = {stage: statistics.median(run[stage] for run in runs) for stage in STAGES}
    return PartTiming(
        name=part.name,
        group=part.group,
        faces=faces,
        triangles=triangles,
        repeats=len(runs),
        read_ms=median["read"],
        graph_ms=median["graph"],
        mesh_ms=median["mesh"],
        recognize_ms=median["recognize"],
        total_ms=statistics.median(sum(run.values()) for run in runs),
        wall_ms=statistics.median(walls),
    )
