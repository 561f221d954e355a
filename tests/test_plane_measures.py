"""The minimum-area rectangle of flat points (geometry/measure.py), which sizes
every pocket, slot and step floor, on point sets whose answer is known exactly.

Sets of 200 points and more take the quickhull path; a round outline makes
every point a corner, the case the monotone chain inside it is there for.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from geometry_service.geometry.measure import min_area_rectangle, oriented_extent


def _rectangle_outline(a: float, b: float, angle: float, per_side: int) -> np.ndarray:
    """Points along the four sides of an a x b rectangle turned by ``angle``."""
    t = np.linspace(0.0, 1.0, per_side, endpoint=False)
    corners = np.array([[0.0, 0.0], [a, 0.0], [a, b], [0.0, b], [0.0, 0.0]])
    sides = [corners[i] + t[:, None] * (corners[i + 1] - corners[i]) for i in range(4)]
    c, s = math.cos(angle), math.sin(angle)
    return np.concatenate(sides) @ np.array([[c, s], [-s, c]])


@pytest.mark.parametrize("per_side", [5, 60, 800])
def test_a_turned_rectangle_with_points_inside_is_found_with_its_direction(per_side: int) -> None:
    rng = np.random.default_rng(per_side)
    angle = 0.3
    outline = _rectangle_outline(40.0, 12.0, angle, per_side)
    inside = rng.uniform([1.0, 1.0], [39.0, 11.0], (300, 2))
    c, s = math.cos(angle), math.sin(angle)
    points = np.concatenate([outline, inside @ np.array([[c, s], [-s, c]])])
    a, b, direction = min_area_rectangle(rng.permutation(points))
    assert sorted([a, b]) == pytest.approx([12.0, 40.0], abs=1e-8)
    side = np.array([c, s]) if a > b else np.array([-s, c])
    assert abs(float(direction @ side)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("count", [50, 400, 3000])
def test_every_point_of_a_round_outline_is_a_corner_of_its_hull(count: int) -> None:
    angles = np.linspace(0.0, 2.0 * math.pi, count, endpoint=False)
    circle = 15.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1) + [100.0, -7.0]
    a, b, _ = min_area_rectangle(circle)
    # Any rectangle around a fine polygon of radius 15 is 30 across, give or
    # take the sagitta of one step (points are rounded to 1e-9 first).
    sagitta = 15.0 * (1.0 - math.cos(math.pi / count))
    assert 30.0 - 2 * sagitta - 1e-8 <= min(a, b) <= max(a, b) <= 30.0 + 1e-8


def test_collinear_points_have_a_length_and_no_width() -> None:
    line = np.linspace(0.0, 1.0, 500)[:, None] * np.array([[3.0, 4.0]])
    a, b, _ = min_area_rectangle(line)
    assert sorted([a, b]) == pytest.approx([0.0, 5.0], abs=1e-8)


def test_oriented_extent_reports_length_first_in_the_plane_of_the_normal() -> None:
    points2d = _rectangle_outline(25.0, 10.0, 0.0, 100)
    points = np.column_stack([points2d[:, 0], np.full(len(points2d), 3.0), points2d[:, 1]])
    length, width, direction = oriented_extent(points, np.array([0.0, 1.0, 0.0]))
    assert (length, width) == pytest.approx((25.0, 10.0), abs=1e-8)
    assert direction == pytest.approx([1.0, 0.0, 0.0], abs=1e-12)
