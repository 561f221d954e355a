"""One solid part and the facts every tier, the metrics and the manufacturing
section share, each computed once.

Before this object each consumer rebuilt what it needed from the graph: the
stock box three times (rules, metrics, manufacturing), the minimal box and the
volume twice. A fact here is computed on first use and kept, so a part whose
answer never needs the minimal box (tier 4) never pays for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

from .brep_graph import BRepGraph, build_graph
from .cad_reader import CadModel
from .oriented_box import OrientedBox, minimal_box
from .outline import PartOutline, part_outline
from .stock import StockBox, stock_block, stock_box
from .topology import PartTopology
from .volume import part_volume


@dataclass
class Part:
    """The B-Rep graph of one file, its topology and outline, and derived facts."""

    graph: BRepGraph
    topology: PartTopology = field(repr=False)
    outline: PartOutline = field(repr=False)
    topology_ms: float = 0.0  # building the topology and the outline

    @classmethod
    def from_graph(cls, graph: BRepGraph) -> Part:
        started = time.perf_counter()
        topology = PartTopology(graph)
        outline = part_outline(topology)
        return cls(graph, topology, outline, (time.perf_counter() - started) * 1000.0)

    @classmethod
    def from_model(cls, model: CadModel) -> Part:
        return cls.from_graph(build_graph(model))

    @cached_property
    def box(self) -> StockBox:
        """The tight axis-aligned box of the faces."""
        return stock_box(self.topology, self.outline)

    @cached_property
    def minimal_box(self) -> OrientedBox:
        """The least-volume box over the part's own frames."""
        return minimal_box(self.topology, self.outline)

    @cached_property
    def block(self) -> OrientedBox:
        """The block the part is cut from (stock.stock_block)."""
        return stock_block(self.box, self.minimal_box)

    @cached_property
    def volume(self) -> float:
        """Signed: negative where the faces' normals point inwards."""
        return part_volume(self.topology, self.outline)
