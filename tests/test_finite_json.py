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
