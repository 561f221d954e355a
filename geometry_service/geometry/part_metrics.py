"""Part-level measures: bounding box, volume, surface area and counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from OCP.Bnd import Bnd_Box
from OCP.BRepBndLib import BRepBndLib
from OCP.BRepGProp import BRepGProp
from OCP.GProp import GProp_GProps

from .brep_graph import BRepGraph
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


def measure_part(model: StepModel, graph: BRepGraph) -> PartMetrics:
    """Exact measures from the B-Rep; the box is tight (no OCCT enlargement gap)."""
    box = Bnd_Box()
    BRepBndLib.AddOptimal_s(model.shape, box, False, False)
    low, high = box.CornerMin(), box.CornerMax()
    lo = [low.X(), low.Y(), low.Z()]
    hi = [high.X(), high.Y(), high.Z()]
    props = GProp_GProps()
    BRepGProp.VolumeProperties_s(model.shape, props)
    return PartMetrics(
        bounding_box={"min": lo, "max": hi, "size": [h - l for l, h in zip(lo, hi)]},
        volume_mm3=abs(props.Mass()),
        surface_area_mm2=float(graph.face_area.sum()),
        face_count=graph.face_count,
        edge_count=graph.edge_count,
        solid_count=model.solid_count,
    )
