"""Part-level measures: bounding box, volume, surface area and counts.

The box and volume come from the recognizer's exact outline of the faces
(edges, arcs and surface bulges; volume in closed form), not from OCCT's
whole-shape bounding and mass properties: those also count the loose
construction wires a STEP file may carry (a NIST part's box came out 21 mm
too deep) and took up to 0.5 s on a 484-face part against 50 ms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..recognition.outline import PartOutline
from ..recognition.stock import stock_box
from ..recognition.topology import PartTopology
from ..recognition.volume import part_volume
from .step_reader import StepModel


@dataclass(frozen=True)
class PartMetrics:
    bounding_box: dict[str, list[float]]  # {"min": [x, y, z], "max": [...], "size": [...]}
    volume_mm3: float
    surface_area_mm2: float
    face_count: int
    edge_count: int
    solid_count: int

    def to_json(self) -> dict:
        return asdict(self)


def measure_part(model: StepModel, topology: PartTopology, outline: PartOutline) -> PartMetrics:
    """Exact measures of the part's faces; the box is tight (no OCCT enlargement gap)."""
    graph = topology.graph
    box = stock_box(topology, outline)
    return PartMetrics(
        bounding_box={"min": box.lower.tolist(), "max": box.upper.tolist(), "size": box.size.tolist()},
        volume_mm3=abs(part_volume(topology, outline)),
        surface_area_mm2=float(graph.face_area.sum()),
        face_count=graph.face_count,
        edge_count=graph.edge_count,
        solid_count=model.solid_count,
    )
