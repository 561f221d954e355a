"""O-ring grooves: annular channels cut into a flat face (MFCAD++ ``Oring``).

A flat ring-shaped floor whose every edge is a concave corner with a
cylinder on the floor's normal, the cylinders all on one axis: the outer
wall faces its axis (a bore), the inner one faces away (the core left
standing). Left to the other rules, the outer wall reads as a through hole
and the core as a boss, so this rule runs before the holes.
"""

from __future__ import annotations

import numpy as np

from ..geometry.measure import extent_along, face_vertices, unit
from ..geometry.topology import CONCAVE, CYLINDER, PLANE, PartTopology
from .candidate import Candidate


def recognize_orings(topology: PartTopology, free: np.ndarray) -> list[Candidate]:
    graph = topology.graph
    found = []
    for floor in np.flatnonzero(free & (graph.face_surface_type == PLANE)).tolist():
        neighbours = topology.neighbours[floor]
        walls = sorted({n.face for n in neighbours})
        if not walls or any(n.convexity != CONCAVE for n in neighbours):
            continue
        if not all(free[w] and graph.face_surface_type[w] == CYLINDER for w in walls):
            continue
        normal = graph.face_axis[floor]
        if not all(
            topology.parallel(normal, graph.face_axis[w]) and topology.coaxial(walls[0], w)
            for w in walls
        ):
            continue
        outer = [w for w in walls if topology.inward(w)]
        inner = [w for w in walls if not topology.inward(w)]
        if not outer or not inner:
            continue
        outer_radius = float(graph.face_radius[outer[0]])
        inner_radius = float(graph.face_radius[inner[0]])
        if outer_radius <= inner_radius:
            continue
        base = float(np.dot(normal, graph.face_sample_point[floor]))
        _, top = extent_along(face_vertices(topology, walls), normal)
        axis_point = graph.face_axis_point[walls[0]]
        centre = axis_point + (base - float(np.dot(normal, axis_point))) * normal
        params = {
            "outer_diameter": 2.0 * outer_radius,
            "inner_diameter": 2.0 * inner_radius,
            "width": outer_radius - inner_radius,
            "depth": top - base,
            "centre": centre.tolist(),
            "axis": unit(normal),
            "floor_faces": [floor],
            "wall_faces": walls,
            "tool_access_direction": unit(normal),
        }
        found.append(Candidate("Oring", sorted([floor, *walls]), params, "face"))
    return found
