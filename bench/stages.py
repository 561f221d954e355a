"""Warm timings of the geometry core, stage by stage, on one part in this process.

Every repeat runs the whole pipeline on a fresh read: OCCT keeps a shape's
triangulation, so meshing the same shape twice would time nothing. The first
run warms caches and lazy imports and is not counted; each stage's figure is
the median over the counted repeats, so one slow repeat does not move it.

Stages are timed in CPU time of this process (user + system): the work is
single-threaded, so on a worker with a core of its own that is its latency,
and on a development machine shared with other jobs the wall clock measures
the neighbours as much as the code. The wall-clock total is kept beside it.

The manufacturing section (access, set-ups, tools, DFM, stock) is timed
after the rules, on their recognition; it is part of ``total_ms``.

Two figures say how much of the graph and of the rules is OCCT integrating
faces, the part no array code reaches (issue 15): ``graph_occt_ms``, the
graph's own count of its OCCT integrations (wall clock, within ``graph_ms``),
and ``volume_ms``, the part's volume (OCCT's integration of its free-form
faces and tori, within ``recognize_ms``) timed once more on its own after the
run.

With a model at hand, tier 1's own stages are timed after the rules: the
network's input features from the graph and the ONNX inference (one
intra-op thread, as in a worker). They are not part of ``total_ms``, which
stays the cost of an answer from the rules.

Each repeat also measures the server's side of a whole answer (see
answer_cost.py): its ratio to the floor (read + mesh) is what a caller pays
beyond what any answer must cost.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass

from geometry_service.analysis_request import AnalysisRequest
from geometry_service.brepnet_wrapper import BRepNetModel
from geometry_service.geometric_fallback import recognize_features
from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.geometry.mesher import mesh_model
from geometry_service.geometry.part import Part
from geometry_service.geometry.volume import part_volume
from geometry_service.graph_features import graph_inputs
from geometry_service.manufacturing.limits import ShopLimits
from geometry_service.manufacturing.report import analyze_manufacturing

from .answer_cost import AnswerCost, measure_answer
from .parts import BenchPart

STAGES = ("read", "graph", "mesh", "recognize", "manufacturing")
MODEL_STAGES = ("features", "inference")


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
    manufacturing_ms: float
    total_ms: float
    wall_ms: float  # median wall-clock time of a whole run
    graph_occt_ms: float  # of graph_ms: OCCT integrating faces (BRepGraph.integration_ms)
    volume_ms: float  # of recognize_ms: the part's volume, timed again on its own
    features_ms: float | None = None  # tier 1 input features; None without a model
    inference_ms: float | None = None
    answer: AnswerCost | None = None  # medians of the server's side of a whole answer

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
    def graph_read_ratio(self) -> float:
        """graph / read: the graph must cost little next to reading the file."""
        return self.graph_ms / self.read_ms

    @property
    def server_ratio(self) -> float | None:
        """The server's whole answer against the floor (read + mesh)."""
        return None if self.answer is None else self.answer.server_ms / self.base_ms

    @property
    def recognize_ratio(self) -> float:
        return self.recognize_ms / self.base_ms

    @property
    def manufacturing_ratio(self) -> float:
        return self.manufacturing_ms / self.base_ms

    @property
    def total_ratio(self) -> float:
        return self.total_ms / self.base_ms

    @property
    def features_ratio(self) -> float | None:
        return None if self.features_ms is None else self.features_ms / self.base_ms

    def to_json(self) -> dict:
        return asdict(self) | {
            "core_ms": self.core_ms,
            "graph_ratio": self.graph_ratio,
            "recognize_ratio": self.recognize_ratio,
            "manufacturing_ratio": self.manufacturing_ratio,
            "total_ratio": self.total_ratio,
            "features_ratio": self.features_ratio,
            "graph_read_ratio": self.graph_read_ratio,
            "server_ratio": self.server_ratio,
        }


def run_pipeline(
    part: BenchPart, model: BRepNetModel | None
) -> tuple[dict[str, float], float, int, int]:
    """One full run: CPU ms per stage (and the graph's OCCT integration, the
    volume on its own), wall ms of the run, face count and triangle count."""
    ends = [time.process_time()]
    wall_started = time.perf_counter()
    model_read = read_cad(part.path)
    ends.append(time.process_time())
    graph = build_graph(model_read)
    ends.append(time.process_time())
    mesh = mesh_model(model_read)
    ends.append(time.process_time())
    solid = Part.from_graph(graph)
    recognition = recognize_features(solid)
    ends.append(time.process_time())
    if recognition.features:
        analyze_manufacturing(solid, mesh, recognition, ShopLimits())
    ends.append(time.process_time())
    wall_ms = (time.perf_counter() - wall_started) * 1000.0
    stages = STAGES
    if model is not None:
        inputs = graph_inputs(graph)
        ends.append(time.process_time())
        model.logits(inputs)
        ends.append(time.process_time())
        stages = STAGES + MODEL_STAGES
    stage_ms = {stage: (ends[k + 1] - ends[k]) * 1000.0 for k, stage in enumerate(stages)}
    volume_started = time.process_time()  # after every stage: it is part of none of them
    part_volume(solid.topology, solid.outline)
    volume_ms = (time.process_time() - volume_started) * 1000.0
    stage_ms |= {"graph_occt": graph.integration_ms, "volume": volume_ms}
    return stage_ms, wall_ms, model_read.face_count, mesh.triangle_count


def _median_answer(answers: list[AnswerCost]) -> AnswerCost:
    return AnswerCost(
        **{
            name: statistics.median(getattr(answer, name) for answer in answers)
            for name in AnswerCost.__dataclass_fields__
        }
    )


def time_part(
    part: BenchPart,
    repeats: int,
    budget_s: float,
    model: BRepNetModel | None = None,
    request: AnalysisRequest | None = None,
) -> PartTiming:
    """Warm up once, then up to ``repeats`` timed runs, fewer if they pass ``budget_s``;
    with a ``request``, every run also measures the server's side of an answer."""
    run_pipeline(part, model)
    if request is not None:
        measure_answer(part.path, request)
    runs: list[dict[str, float]] = []
    walls: list[float] = []
    answers: list[AnswerCost] = []
    started = time.perf_counter()
    while len(runs) < repeats and (not runs or time.perf_counter() - started < budget_s):
        stage_ms, wall_ms, faces, triangles = run_pipeline(part, model)
        runs.append(stage_ms)
        walls.append(wall_ms)
        if request is not None:
            answers.append(measure_answer(part.path, request))
    median = {stage: statistics.median(run[stage] for run in runs) for stage in runs[0]}
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
        manufacturing_ms=median["manufacturing"],
        total_ms=statistics.median(sum(run[stage] for stage in STAGES) for run in runs),
        wall_ms=statistics.median(walls),
        graph_occt_ms=median["graph_occt"],
        volume_ms=median["volume"],
        features_ms=median.get("features"),
        inference_ms=median.get("inference"),
        answer=_median_answer(answers) if answers else None,
    )
