"""The manufacturing section of one part: the modules of this package in order.

frame and directions -> samples -> access by ray casting -> set-ups -> tools
-> sharp corners, wall thickness -> DFM warnings -> stock and removal ->
operations. Inputs are the worker's own: the part (its graph and topology for
the frame, edges and areas; its block and volume), the mesh (for the rays) and the recognition
(features in their JSON shape, as the answer carries them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..features import STOCK, Recognition
from ..geometry.mesher import Mesh
from ..geometry.oriented_box import OrientedBox
from ..geometry.part import Part
from ..geometry.pmi import PartPmi
from .access import FaceAccess, face_access
from .corners import sharp_internal_corners
from .dfm import (
    DfmWarning,
    access_warnings,
    corner_warnings,
    envelope_warnings,
    tool_warnings,
    wall_warnings,
)
from .directions import candidate_directions
from .limits import ShopLimits
from .operations import Operation, operations
from .ray_scene import RayScene
from .samples import sample_faces, triangle_normals
from .setups import SetupPlan, plan_setups
from .stock_removal import Stock, bar_stock, feature_removal, plate_stock
from .tolerances import AttachedTolerance, attach_tolerances, pmi_summary, tolerance_warnings
from .tools import ToolChoice, TopAlong, choose_tools
from .walls import thin_walls

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass
class ManufacturingReport:
    access: FaceAccess
    ray_count: int
    plan: SetupPlan
    tools: list[ToolChoice]
    warnings: list[DfmWarning]
    stock: Stock
    removal: dict[int, float | None]
    operations: list[Operation]
    limits: ShopLimits
    tolerances: list[AttachedTolerance]
    pmi: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """The answer's ``manufacturing`` section."""
        return {
            "setups": self.plan.to_json(),
            "access": self._access_json(),
            "tools": [tool.to_json() for tool in self.tools],
            "warnings": [warning.to_json() for warning in self.warnings],
            "stock": {
                **self.stock.to_json(),
                "removal_by_feature": [
                    {"feature_id": fid, "volume_mm3": volume}
                    for fid, volume in self.removal.items()
                    if volume
                ],
            },
            "tolerances": [tolerance.to_json() for tolerance in self.tolerances],
            "pmi": self.pmi,
            "limits": self.limits.to_json(),
        }

    def machining_summary(self) -> dict[str, Any]:
        """What the quote prices: operations, set-ups, machine class, stock, warning counts."""
        counts: dict[str, int] = {}
        for warning in self.warnings:
            counts[warning.severity] = counts.get(warning.severity, 0) + 1
        return {
            "operations": [operation.to_json() for operation in self.operations],
            "setup_count": len(self.plan.setups),
            "machine_class": self.plan.machine_class,
            "stock_form": self.stock.form,
            "stock_size": self.stock.size,
            "stock_volume_mm3": self.stock.volume_mm3,
            "removed_volume_mm3": self.stock.removed_mm3,
            "warning_counts": counts,
        }

    def _access_json(self) -> dict[str, Any]:
        access = self.access
        full, partial = access.full, access.partial & ~access.full
        directions = access.directions
        return {
            "method": "rays from face samples along each direction, against the mesh (Embree)",
            "ray_count": self.ray_count,
            "directions": [
                {
                    "index": k,
                    "name": directions.name(k),
                    "vector": directions.vectors[k].tolist(),
                    "principal": directions.is_principal(k),
                    "face_ids": np.flatnonzero(full[:, k]).tolist(),
                    "partial_face_ids": np.flatnonzero(partial[:, k]).tolist(),
                }
                for k in range(len(directions))
            ],
            "inaccessible_face_ids": access.inaccessible_faces().tolist(),
            "partly_reached_face_ids": access.partly_reached_faces().tolist(),
            "features": [
                {"feature_id": fid, "direction_indices": reach}
                for fid, reach in self.plan.feature_directions.items()
            ],
        }


def analyze_manufacturing(
    part: Part,
    mesh: Mesh,
    recognition: Recognition,
    limits: ShopLimits,
    pmi: PartPmi | None = None,
) -> ManufacturingReport:
    """The manufacturing section for a part with recognized features; ``pmi`` is the
    file's own dimensions and tolerances, where it carries any."""
    graph, topology, block = part.graph, part.topology, part.block
    features = [feature.to_json() for feature in recognition.features]
    by_id = {feature["id"]: feature for feature in features}
    face_feature = list(recognition.face_feature) or [None] * graph.face_count
    parameters = recognition.part_parameters
    turning = None
    if recognition.part_type != "prismatic" and "turning_axis" in parameters:
        turning = (
            np.asarray(parameters["turning_axis"]),
            np.asarray(parameters["turning_axis_point"]),
        )

    size = float(np.linalg.norm(block.size))
    directions = candidate_directions(block.axes, features, turning[0] if turning else None)
    scene = RayScene(mesh.vertices, mesh.indices)
    normals, areas = triangle_normals(mesh.vertices, mesh.indices)
    samples = sample_faces(
        mesh.vertices, mesh.indices, mesh.face_ids, graph.face_count, normals, areas
    )
    access = face_access(scene, samples, directions, size)
    plan = plan_setups(features, access, recognition.part_type, turning)

    setup_directions = {
        setup.index: np.asarray(setup.direction) for setup in plan.setups if setup.kind == "milling"
    }
    top = TopAlong(mesh.vertices, mesh.indices, mesh.face_ids, graph.face_count)
    tools = choose_tools(features, plan.feature_setup, setup_directions, top)

    pairs, pair_edges = graph.face_adjacency()
    corners = sharp_internal_corners(
        pairs, pair_edges, graph.edge_convexity, graph.edge_curve_type, topology.edge_ends, access
    )
    walls = thin_walls(scene, samples, normals, mesh.face_ids, size, limits.min_wall_mm)
    tolerances = attach_tolerances(pmi, face_feature)
    warnings = [
        *envelope_warnings(block.size, limits),
        *access_warnings(access, face_feature),
        *corner_warnings(corners, face_feature),
        *tool_warnings(tools, by_id, limits),
        *wall_warnings(walls, face_feature, limits),
        *tolerance_warnings(tolerances, limits),
    ]
    warnings.sort(key=lambda w: SEVERITY_ORDER[w.severity])

    stock = _stock(block, recognition, abs(part.volume), limits)
    bar = stock.size[0] if stock.form == "round_bar" else None
    removal = {feature["id"]: feature_removal(feature, bar) for feature in features}
    outside = stock.removed_mm3 - sum(v for v in removal.values() if v)
    stock_faces = np.asarray([label == STOCK for label in recognition.face_labels], dtype=bool)
    if len(stock_faces) != graph.face_count:
        stock_faces = np.zeros(graph.face_count, dtype=bool)
    ops = operations(
        features, tools, plan.feature_setup, removal, graph.face_area, stock_faces, outside, limits
    )
    ray_count = access.ray_count + len(samples.points)  # access rays, then one wall ray per sample
    return ManufacturingReport(
        access,
        ray_count,
        plan,
        tools,
        warnings,
        stock,
        removal,
        ops,
        limits,
        tolerances,
        pmi_summary(pmi, tolerances),
    )


def _stock(
    block: OrientedBox, recognition: Recognition, part_volume: float, limits: ShopLimits
) -> Stock:
    parameters = recognition.part_parameters
    if recognition.part_type != "prismatic" and "bar_diameter" in parameters:
        return bar_stock(
            parameters["bar_diameter"],
            parameters["bar_length"],
            parameters["turning_axis"],
            part_volume,
            limits.stock_allowance_mm,
        )
    return plate_stock(block.axes, block.size, part_volume, limits.stock_allowance_mm)
