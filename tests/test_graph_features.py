"""The network's input features of a part come out the same however they are computed.

The faces' depth below the hull takes every face normal against every point of
the part; on a large part that is computed a block of faces at a time, so that
memory stays bounded, and must give exactly what one product would.
"""

from __future__ import annotations

import numpy as np
import pytest

from geometry_service import graph_features
from geometry_service.geometry.brep_graph import build_graph
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.graph_features import graph_inputs
from tests import part_builders as pb


def test_extremes_in_blocks_are_those_of_one_product(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = np.random.default_rng(7)
    directions, points = generator.normal(size=(103, 3)), generator.normal(size=(40, 3)) * 50.0
    along = directions @ points.T
    monkeypatch.setattr(graph_features, "EXTREMES_BLOCK_VALUES", 7 * len(points))  # 15 blocks
    highest, lowest = graph_features._extremes_along(directions, points)
    np.testing.assert_array_equal(highest, along.max(axis=1))
    np.testing.assert_array_equal(lowest, along.min(axis=1))


def test_a_part_gets_the_same_face_features_in_small_blocks(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = pb.write_step(pb.hole_grid_plate(4, 5), tmp_path / "plate.step")
    graph = build_graph(read_cad(path))
    whole = graph_inputs(graph).face_features
    monkeypatch.setattr(graph_features, "EXTREMES_BLOCK_VALUES", 1)  # one face at a time
    np.testing.assert_array_equal(graph_inputs(graph).face_features, whole)
