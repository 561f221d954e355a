"""Parts turned and moved at random, geometry rewritten exactly, for the checks
that the answers do not depend on how a part stands.

The network's inputs are invariant to rotation (graph_features.py), so turned
copies of the training parts would feed it the same arrays again: rotation is
checked, not trained (tests/test_graph_features_invariance.py, and the rotated
set of scripts/eval_geometric.py).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from OCP.BRepBuilderAPI import BRepBuilderAPI_Transform
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as IndexedMapOfShape
from OCP.gp import gp_Quaternion, gp_Trsf, gp_Vec
from OCP.TopAbs import TopAbs_FACE
from OCP.TopExp import TopExp
from OCP.TopoDS import TopoDS_Shape

from geometry_service.geometry.cad_reader import CadModel


def random_placement(seed: int, shift: float = 50.0) -> gp_Trsf:
    """A rotation drawn uniformly over all rotations (a normalised Gaussian
    quaternion), then a shift of up to ``shift`` mm along each axis."""
    rng = np.random.default_rng(seed)
    quaternion = rng.normal(size=4)
    quaternion /= np.linalg.norm(quaternion)
    move = gp_Trsf()
    move.SetTranslation(gp_Vec(*rng.uniform(-shift, shift, 3)))
    turn = gp_Trsf()
    turn.SetRotation(gp_Quaternion(*quaternion))
    move.Multiply(turn)
    return move


def placed(shape: TopoDS_Shape, placement: gp_Trsf) -> TopoDS_Shape:
    """A copy of ``shape`` with every surface and curve rewritten under ``placement``
    (not a location on the old geometry), so faces and edges keep their order."""
    return BRepBuilderAPI_Transform(shape, placement, True).Shape()


def placed_model(model: CadModel, placement: gp_Trsf) -> CadModel:
    """``model`` turned and moved: the same faces in the same order, so each keeps its
    STEP name and with it its label."""
    shape = placed(model.shape, placement)
    faces = IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_FACE, faces)
    if faces.Extent() != model.faces.Extent():
        raise RuntimeError(f"{faces.Extent()} faces after the placement, {model.face_count} before")
    return replace(model, shape=shape, faces=faces)
