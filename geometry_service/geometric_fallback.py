"""Tier 2: rule-based machining feature recognition from the B-Rep graph, no model.

The orchestrator. It finds the stock, then lets each feature family claim
faces in an order where the more specific rule goes first: turned features
(on rotational parts), O-ring grooves, holes, chamfers and rounds, then the prismatic
depressions (pockets, slots, steps, passages, bosses), and last the concave
fillets that no cut took. Every face ends up in
one feature or labelled stock. The modules under ``recognition/`` do the work;
tier 1 uses the same measuring code for the features its network finds.
"""

from __future__ import annotations

import numpy as np

from .features import Recognition, face_labels, face_owners, numbered
from .geometry.part import Part
from .geometry.stock import box_plane_faces
from .recognition.candidate import Candidate
from .recognition.edges_blends import (
    recognize_chamfers,
    recognize_concave_rounds,
    recognize_rounds,
)
from .recognition.holes import recognize_holes
from .recognition.oring_grooves import recognize_orings
from .recognition.pockets import recognize_depressions
from .recognition.turning import analyze_turning

METHOD = "geometric"


def recognize_features(part: Part) -> Recognition:
    """Features and a label per face for one part, with part-level stock figures.

    The stock is the axis-aligned block, or the minimal box where the part
    sits turned in the model; on a turned part also the bar.
    """
    graph, topology = part.graph, part.topology
    box, block, volume = part.box, part.block, part.volume
    turning = analyze_turning(topology, part.outline)

    if turning.part_type != "prismatic":
        stock = turning.stock_faces
    else:
        stock = box_plane_faces(topology, block)
    free = ~stock
    candidates: list[Candidate] = []

    def claim(found: list[Candidate]) -> None:
        for candidate in found:
            free[candidate.face_ids] = False
            candidates.append(candidate)

    if turning.part_type != "prismatic":
        claim(turning.features(free))
    claim(recognize_orings(topology, free))
    holes = recognize_holes(topology, free, stock)
    claim(holes)
    chamfers = recognize_chamfers(topology, free)
    claim(chamfers)
    rounds = recognize_rounds(topology, free)
    claim(rounds)
    claim(
        recognize_depressions(
            topology,
            free,
            block.axes,
            turning.axis,
            turned=turning.part_type != "prismatic",
            block=block,
            holes=_faces_of(holes, graph.face_count),
            rim_blends=_faces_of(chamfers + rounds, graph.face_count),
            stock=stock,
        )
    )
    claim(recognize_concave_rounds(topology, free))
    if turning.part_type != "prismatic":
        turning.mark_cross_features(candidates)

    features = numbered([candidate.feature(METHOD) for candidate in candidates])
    owner = face_owners(features, graph.face_count)
    labels = face_labels(features, owner)

    parameters = {
        "part_type": turning.part_type,
        "stock_box": {
            "min": box.lower.tolist(),
            "max": box.upper.tolist(),
            "size": box.size.tolist(),
        },
        "oriented_box": part.minimal_box.to_json(),
        "stock_axis_aligned": bool(np.array_equal(block.axes, np.eye(3))),
        "volume": volume,
        "stock_volume": block.volume,
        "removed_volume": block.volume - volume,
        **turning.area_shares(),
    }
    if turning.part_type != "prismatic":
        parameters.update(turning.part_parameters(volume))
    return Recognition(
        features=features,
        face_labels=labels,
        face_feature=owner,
        part_type=turning.part_type,
        part_parameters=parameters,
    )


def _faces_of(candidates: list[Candidate], face_count: int) -> np.ndarray:
    mask = np.zeros(face_count, dtype=bool)
    for candidate in candidates:
        mask[candidate.face_ids] = True
    return mask
