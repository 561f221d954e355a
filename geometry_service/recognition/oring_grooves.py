"""O-ring grooves: annular channels cut into a flat face (MFCAD++ ``Oring``).

A flat ring-shaped floor that meets, in concave corners, cylinders on its
normal and on one axis: an outer wall that faces its axis (a bore) and an
inner one that faces away (the core left standing), the outer the wider.
Left to the other rules, the outer wall reads as a through hole and the core
as a boss, so this rule runs before the holes.

Other features may cross the groove: a hole drilled through its floor, a
slot cut across it. The floor then has other neighbours as well, and a slot
splits floor and walls into pieces; coplanar floor pieces on the same axis
are one groove.
"""

from __future__ import annotations

import numpy as np

from ..geometry.measure import extent_along, face_vertices, unit
from ..geometry.topology import CONCAVE, CYLINDER, PLANE, PartTopology
from .candidate import Candidate


def recognize_orings(topology: PartTopology, free: np.ndarray) -> list[Candidate]:
    grooves: list[tuple[set[int], set[int]]] = []  # (floor pieces, walls) of each groove
    for floor in np.flatnonzero(free & (topology.graph.face_surface_type == PLANE)).tolist():
        walls = _ring_walls(topology, free, floor)
        if walls is None:
            continue
        for floors, ring in grooves:
            if _same_groove(topology, min(floors), floor, min(ring), walls[0]):
                break
        else:
            floors, ring = set(), set()
            grooves.append((floors, ring))
        floors.add(floor)
        ring.update(walls)
    return [_groove(topology, sorted(floors), sorted(ring)) for floors, ring in grooves]


def _ring_walls(topology: PartTopology, free: np.ndarray, floor: int) -> list[int] | None:
    """The floor's concave coaxial cylinder walls, if they hold an outer wall and a
    narrower inner one; None where the floor is not an O-ring groove's."""
    graph = topology.graph
    normal = graph.face_axis[floor]
    cylinders = sorted(
        {
            n.face
            for n in topology.neighbours[floor]
            if n.convexity == CONCAVE
            and free[n.face]
            and graph.face_surface_type[n.face] == CYLINDER
            and topology.parallel(normal, graph.face_axis[n.face])
        }
    )
    for first in cylinders:
        walls = [w for w in cylinders if topology.coaxial(first, w)]
        outer = [w for w in walls if topology.inward(w)]
        inner = [w for w in walls if not topology.inward(w)]
        if (
            outer
            and inner
            and graph.face_radius[outer].min() > graph.face_radius[inner].max()
            and not _bounded_by_others(topology, floor, walls)
        ):
            return walls
    return None


def _bounded_by_others(topology: PartTopology, floor: int, walls: list[int]) -> bool:
    """Whether the floor also meets other faces in concave corners: then the ring
    walls are not all that stand round it (a pocket floor with a cylinder in it)."""
    return any(n.convexity == CONCAVE and n.face not in walls for n in topology.neighbours[floor])


def _same_groove(
    topology: PartTopology, floor: int, other: int, wall: int, other_wall: int
) -> bool:
    """Two floor pieces of one groove (a slot across it split them): on one plane,
    with their walls round one axis."""
    return topology.coplanar(floor, other) and topology.coaxial(wall, other_wall)


def _groove(topology: PartTopology, floors: list[int], walls: list[int]) -> Candidate:
    graph = topology.graph
    normal = graph.face_axis[floors[0]]
    outer = [w for w in walls if topology.inward(w)]
    inner = [w for w in walls if not topology.inward(w)]
    outer_radius = float(graph.face_radius[outer].min())
    inner_radius = float(graph.face_radius[inner].max())
    base = float(np.dot(normal, graph.face_sample_point[floors[0]]))
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
        "floor_faces": floors,
        "wall_faces": walls,
        "tool_access_direction": unit(normal),
    }
    return Candidate("Oring", sorted([*floors, *walls]), params, "face")
