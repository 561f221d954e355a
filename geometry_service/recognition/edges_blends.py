"""Chamfers and fillets: faces that replace an edge between two other faces.

A chamfer is a flat (or, on a turned part, conical) face bounded by convex
edges only, meeting at least two faces at an oblique angle; it cuts a convex
edge. A round is a cylinder, torus or sphere face tangent to its neighbours
that bulges out of the material (its normal points away from its axis);
rounds joined by tangent edges are one fillet chain. Concave blends are corner
radii of pockets or fillets of turned shoulders and are left to those modules.
"""

from __future__ import annotations

import math

import numpy as np

from ..geometry.elementary_faces import cross
from ..geometry.measure import bulges_out, edge_v_ranges, unit
from ..geometry.topology import (
    BSPLINE,
    CONCAVE,
    CONE,
    CONVEX,
    CYLINDER,
    LINE,
    PLANE,
    SMOOTH,
    SPHERE,
    TORUS,
    PartTopology,
)
from .candidate import Candidate

OBLIQUE_LIMIT = math.radians(89.9)  # a dihedral below this is not a square corner
VALLEY_CROSSING = math.radians(20.0)
"""How far off a chamfer piece's rim its corner valleys run at least."""
TOUCH_SHARE = 0.1
"""A rim chamfer run into an inside corner may touch the far wall there in a
concave edge this short against its own length (a sliver where the corner's
chamfer pieces meet the wall): that wall is no valley of the chamfer."""


def recognize_chamfers(topology: PartTopology, free: np.ndarray) -> list[Candidate]:
    """Chamfers: planes and cones bounded by convex edges that cut obliquely
    across at least two faces. Pieces joined smoothly are one chamfer: a cone
    split by a cut across it, or a chamfer run round a pocket's rounded
    corners (flat along the sides, conical round the corners, a spline piece
    round a corner that CAD closed with a spline patch). A spline piece is
    only ever part of a chamfer with flat or conical pieces, and only between
    them (a free-form surface of spline faces tangent to each other is none)."""
    graph = topology.graph
    kinds = graph.face_surface_type

    def bounded(face: int, tangent_to) -> bool:
        neighbours = topology.neighbours[face]
        return bool(neighbours) and all(
            n.convexity == CONVEX or (n.convexity == SMOOTH and tangent_to(n.face))
            for n in neighbours
        )

    def flat(face: int) -> bool:
        return bool(free[face]) and kinds[face] in (PLANE, CONE)

    corners = {
        f
        for f in np.flatnonzero(free & (kinds == BSPLINE)).tolist()
        if bounded(f, flat) and any(n.convexity == SMOOTH for n in topology.neighbours[f])
    }
    pieces = corners | {
        f
        for f in np.flatnonzero(free & ((kinds == PLANE) | (kinds == CONE))).tolist()
        if bounded(f, lambda g: flat(g) or g in corners)
    }
    pieces |= _inside_corner_pieces(topology, free)
    found = []
    while pieces:
        group, stack = [pieces.pop()], []
        stack.append(group[0])
        while stack:
            for n in topology.neighbours[stack.pop()]:
                if n.face in pieces and n.convexity != CONVEX:
                    pieces.discard(n.face)
                    group.append(n.face)
                    stack.append(n.face)
        members = set(group)
        if all(kinds[f] == BSPLINE for f in group):
            continue
        oblique = [
            n
            for f in group
            for n in topology.neighbours[f]
            if n.face not in members
            and n.convexity == CONVEX
            and abs(graph.edge_dihedral[n.edge]) < OBLIQUE_LIMIT
        ]
        if len(oblique) < 2:
            continue
        planes = [f for f in group if kinds[f] == PLANE]
        if not planes:
            found.append(_conical_chamfer(topology, sorted(group)))
        elif len(group) == 1:
            found.append(_planar_chamfer(topology, group[0], oblique))
        else:
            chain = _chain_chamfer(topology, planes, oblique)
            chain.face_ids = sorted(group)
            chain.subtype = "chain"
            chain.parameters["length"] = float(
                sum(graph.edge_length[n.edge] for n in oblique) / 2.0
            )
            found.append(chain)
    return found


def _inside_corner_pieces(topology: PartTopology, free: np.ndarray) -> set[int]:
    """Chamfer planes of a rim run round a sharp inside corner (a square
    pocket's, a slot's where it runs out): neighbours meet there in concave
    valleys. Planes whose two longest convex edges are oblique and whose
    concave neighbours are all such planes too; a V slot's side meets the
    top obliquely along one long edge only, a pocket's walls also meet its
    floor."""
    graph = topology.graph

    def oblique_sides(convex: list) -> bool:
        """Its two longest convex edges are oblique: the chamfer's two sides (its ends
        may meet a stock face square, where a slot's chamfered rim runs out)."""
        return len(convex) >= 2 and all(
            abs(graph.edge_dihedral[n.edge]) < OBLIQUE_LIMIT for n in convex[:2]
        )

    def short_valleys(valleys: list, rim: int) -> bool:
        """Its concave edges (the valleys at the corners) are together shorter than half
        its longest convex edge: a chamfer's strip runs along the rim, a V groove's side
        meets the other side along its whole length."""
        return sum(graph.edge_length[n.edge] for n in valleys) < 0.5 * graph.edge_length[rim]

    def crossing_valleys(valleys: list, rim: int) -> bool:
        """Its valleys run across the strip, not along it: each concave edge is a
        line at least VALLEY_CROSSING off its longest convex edge (a chamfer's
        pieces meet at a corner of the rim, however wide the strip; a V groove's
        sides meet along their length, parallel to their rims)."""
        along = _chord(topology, rim)
        return all(
            graph.edge_curve_type[n.edge] == LINE
            and abs(float(np.dot(_chord(topology, n.edge), along))) < math.cos(VALLEY_CROSSING)
            for n in valleys
        )

    rim_length: dict[int, float] = {}  # each piece's longest convex edge
    for face in np.flatnonzero(free & (graph.face_surface_type == PLANE)).tolist():
        neighbours = topology.neighbours[face]
        valleys = [n for n in neighbours if n.convexity == CONCAVE]
        convex = sorted(
            (n for n in neighbours if n.convexity == CONVEX),
            key=lambda n: -graph.edge_length[n.edge],
        )
        if not valleys or not oblique_sides(convex):
            continue
        rim = convex[0].edge
        if short_valleys(valleys, rim) or crossing_valleys(valleys, rim):
            rim_length[face] = float(graph.edge_length[rim])
    pieces = set(rim_length)
    while True:
        kept = {
            f
            for f in pieces
            if all(
                n.face in pieces or graph.edge_length[n.edge] < TOUCH_SHARE * rim_length[f]
                for n in topology.neighbours[f]
                if n.convexity == CONCAVE
            )
        }
        if kept == pieces:
            return pieces
        pieces = kept


def _chord(topology: PartTopology, edge: int) -> np.ndarray:
    """Unit direction from an edge's first end to its last (zero for a closed edge)."""
    points = topology.edge_points(edge)
    chord = points[-1] - points[0]
    length = float(np.linalg.norm(chord))
    return chord / length if length > topology.length_tol else np.zeros(3)


def _chain_chamfer(topology: PartTopology, planes: list[int], oblique) -> Candidate:
    """A chamfer chain measured on its widest plane that meets both supports (a plane
    between two cones of a rim may touch only one of them); on the widest plane,
    with the chain's two longest oblique edges, where none does."""
    graph = topology.graph

    def own(face: int) -> list:
        edges = {m.edge for m in topology.neighbours[face]}
        return [n for n in oblique if n.edge in edges]

    for face in sorted(planes, key=lambda f: graph.face_area[f], reverse=True):
        supports = own(face)
        if len(supports) >= 2:
            return _planar_chamfer(topology, face, supports)
    return _planar_chamfer(topology, max(planes, key=lambda f: graph.face_area[f]), oblique)


def _planar_chamfer(topology: PartTopology, face: int, oblique) -> Candidate:
    """Legs from the width across the face and the two oblique angles (law of sines)."""
    graph = topology.graph
    a, b = sorted(oblique, key=lambda n: graph.edge_length[n.edge], reverse=True)[:2]
    normal = graph.face_axis[face]
    ends = topology.edge_points(a.edge)
    direction = ends[-1] - ends[0]  # along the chamfered edge (a line, or a curve's chord)
    if np.linalg.norm(direction) < topology.length_tol:
        direction = cross(normal, graph.face_sample_normal[a.face])
    offset = graph.edge_midpoint[b.edge] - graph.edge_midpoint[a.edge]
    norm = float(np.linalg.norm(direction))
    if norm > 1e-12:
        direction = direction / norm
        offset = offset - np.dot(offset, direction) * direction
    width = float(np.linalg.norm(offset))
    phi_a, phi_b = abs(graph.edge_dihedral[a.edge]), abs(graph.edge_dihedral[b.edge])
    corner = math.sin(phi_a + phi_b)
    params = {
        "width": width,
        "length": float(graph.edge_length[a.edge]),
        "angle_deg": math.degrees(phi_a),
        "distance_1": width * math.sin(phi_b) / corner,
        "distance_2": width * math.sin(phi_a) / corner,
        "support_faces": [a.face, b.face],
        "normal": unit(normal),
    }
    return Candidate("chamfer", [face], params, "planar")


def _conical_chamfer(topology: PartTopology, faces: list[int]) -> Candidate:
    graph = topology.graph
    face = faces[0]
    half_angle = float(graph.face_half_angle[face])
    ranges = [r for f in faces for r in edge_v_ranges(topology, f).values()]
    slant = max(high for _, high in ranges) - min(low for low, _ in ranges)
    params = {
        "angle_deg": math.degrees(half_angle),
        "axial_length": abs(slant * math.cos(half_angle)),
        "radial_depth": abs(slant * math.sin(half_angle)),
        "width": abs(slant),
        "axis": unit(graph.face_axis[face]),
        "inner": topology.inward(face),
    }
    return Candidate("chamfer", faces, params, "conical")


def blend_radius(topology: PartTopology, face: int) -> float:
    graph = topology.graph
    if graph.face_surface_type[face] == TORUS:
        return float(graph.face_minor_radius[face])
    return float(graph.face_radius[face])


def recognize_rounds(topology: PartTopology, free: np.ndarray) -> list[Candidate]:
    """Convex fillets (rounds of outside edges), grouped into tangent chains."""
    return _blend_chains(topology, free, convex=True)


def recognize_concave_rounds(topology: PartTopology, free: np.ndarray) -> list[Candidate]:
    """Concave fillets that no cut took as its corner or floor radius (a
    boss's root fillet, a torus run round a shoulder): run after the cuts."""
    return _blend_chains(topology, free, convex=False)


def _blend_chains(topology: PartTopology, free: np.ndarray, convex: bool) -> list[Candidate]:
    """Fillets grouped into tangent chains of one radius (a fillet along
    several edges: cylinders, and tori where it turns a rounded corner). A
    chain takes in the free free-form faces tangent to it: where fillets
    meet, CAD systems and OCCT close the corner with a B-spline patch."""
    graph = topology.graph
    patches = {int(f) for f in np.flatnonzero(free & (graph.face_surface_type == BSPLINE))}
    blends = set()
    for face in np.flatnonzero(free):
        face = int(face)
        if graph.face_surface_type[face] not in (CYLINDER, TORUS, SPHERE):
            continue
        if not any(n.convexity == SMOOTH for n in topology.neighbours[face]):
            continue
        if bulges_out(topology, face) == convex:
            blends.add(face)
    found = []
    tol = 100.0 * topology.length_tol
    while blends:
        seed = blends.pop()
        radius = blend_radius(topology, seed)
        chain, stack = [seed], [seed]
        while stack:
            for n in topology.neighbours[stack.pop()]:
                if n.convexity != SMOOTH:
                    continue
                if n.face in patches or (
                    n.face in blends and abs(blend_radius(topology, n.face) - radius) < tol
                ):
                    blends.discard(n.face)
                    patches.discard(n.face)
                    chain.append(n.face)
                    stack.append(n.face)
        params = {"radius": radius, "area": float(graph.face_area[chain].sum())}
        found.append(Candidate("round", sorted(chain), params, "convex" if convex else "concave"))
    return found
