"""Answers never carry NaN or infinity, which JSON parsers reject."""

import json
import math

from geometry_service.finite_json import finite_json


def test_non_finite_values_become_null_and_are_named() -> None:
    found: list[str] = []
    value = {"a": 1.5, "b": [math.nan, 2, {"c": math.inf}], "d": "text", "e": (-math.inf,)}
    clean = finite_json(value, "root", found)
    assert clean == {"a": 1.5, "b": [None, 2, {"c": None}], "d": "text", "e": [None]}
    assert found == ["root.b[0]", "root.b[2].c", "root.e[0]"]
    json.dumps(clean, allow_nan=False)


def test_a_finite_value_is_sent_as_it_is() -> None:
    found: list[str] = []
    value = {"a": 1.5, "b": [0.0, 2, {"c": -1e300}], "d": "text", "e": (3.0,)}
    assert finite_json(value, "root", found) is value
    assert found == []
