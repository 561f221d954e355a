"""A BRepNet-style network: convolution over coedges with the winged-edge kernel.

After Lambourne et al., "BRepNet: A topological message passing system for
solid models" (CVPR 2021), written from the paper. Each coedge gathers the
hidden states of the entities around it that the winged-edge kernel names:
itself, its next and previous coedge in the loop, its mate, the mate's next
and previous, its own face and the mate's face, and the edges of itself and
of its next and previous coedge. An MLP turns that into a message; faces and
edges take the mean of their coedges' messages; a few such layers with
residual connections, then a per-face classifier over the 25 classes.

Everything is gathers, matrix products and scatter-adds, so the graph exports
to ONNX with dynamic face, edge and coedge counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from geometry_service.graph_features import COEDGE_FEATURES, EDGE_FEATURES, FACE_FEATURES
from geometry_service.recognition.taxonomy import MFCADPP_CLASSES

COEDGE_SLOTS = 6  # self, next, prev, mate, mate.next, mate.prev
FACE_SLOTS = 2  # own face, mate's face
EDGE_SLOTS = 3  # own edge, next's edge, prev's edge


@dataclass(frozen=True)
class ModelConfig:
    hidden: int = 64
    layers: int = 3
    classes: int = len(MFCADPP_CLASSES)

    def to_json(self) -> dict[str, int]:
        return asdict(self)


def _mean_pool(
    messages: torch.Tensor, index: torch.Tensor, count: int, inverse_size: torch.Tensor
) -> torch.Tensor:
    """Mean of ``messages`` rows grouped by ``index`` into ``count`` rows."""
    summed = torch.zeros(
        count, messages.shape[1], dtype=messages.dtype, device=messages.device
    ).scatter_add(0, index.unsqueeze(1).expand(-1, messages.shape[1]), messages)
    return summed * inverse_size


class WingedEdgeLayer(nn.Module):
    """One convolution: every coedge reads its kernel, faces and edges pool the messages."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        slots = COEDGE_SLOTS + FACE_SLOTS + EDGE_SLOTS
        self.message = nn.Sequential(
            nn.Linear(slots * hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.coedge_norm = nn.LayerNorm(hidden)
        self.face_norm = nn.LayerNorm(hidden)
        self.edge_norm = nn.LayerNorm(hidden)

    def forward(self, state: tuple[torch.Tensor, torch.Tensor, torch.Tensor], kernel: Kernel):
        faces, edges, coedges = state
        gathered = torch.cat(
            [
                coedges[kernel.coedge_slots].flatten(1),
                faces[kernel.face_slots].flatten(1),
                edges[kernel.edge_slots].flatten(1),
            ],
            dim=1,
        )
        message = self.message(gathered)
        faces = self.face_norm(
            faces + _mean_pool(message, kernel.coedge_face, faces.shape[0], kernel.face_inverse)
        )
        edges = self.edge_norm(
            edges + _mean_pool(message, kernel.coedge_edge, edges.shape[0], kernel.edge_inverse)
        )
        return faces, edges, self.coedge_norm(coedges + message)


@dataclass
class Kernel:
    """Indices of the winged-edge neighbourhood of every coedge, computed once per forward."""

    coedge_slots: torch.Tensor  # (C, 6)
    face_slots: torch.Tensor  # (C, 2)
    edge_slots: torch.Tensor  # (C, 3)
    coedge_face: torch.Tensor
    coedge_edge: torch.Tensor
    face_inverse: torch.Tensor  # (F, 1): 1 / number of coedges of the face
    edge_inverse: torch.Tensor  # (E, 1)


def _inverse_sizes(index: torch.Tensor, count: int) -> torch.Tensor:
    ones = torch.ones(index.shape[0], 1, device=index.device)
    sizes = torch.zeros(count, 1, device=index.device).scatter_add(0, index.unsqueeze(1), ones)
    return 1.0 / sizes.clamp(min=1.0)


class BRepNet(nn.Module):
    """Per-face class logits from the graph arrays of graph_features.GraphInputs."""

    def __init__(self, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden
        self.face_in = nn.Sequential(
            nn.Linear(FACE_FEATURES, hidden), nn.ReLU(), nn.LayerNorm(hidden)
        )
        self.edge_in = nn.Sequential(
            nn.Linear(EDGE_FEATURES, hidden), nn.ReLU(), nn.LayerNorm(hidden)
        )
        self.coedge_in = nn.Sequential(
            nn.Linear(COEDGE_FEATURES, hidden), nn.ReLU(), nn.LayerNorm(hidden)
        )
        self.layers = nn.ModuleList(WingedEdgeLayer(hidden) for _ in range(config.layers))
        self.head = nn.Sequential(
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, config.classes)
        )

    def forward(
        self,
        face_features: torch.Tensor,
        edge_features: torch.Tensor,
        coedge_features: torch.Tensor,
        coedge_face: torch.Tensor,
        coedge_edge: torch.Tensor,
        coedge_next: torch.Tensor,
        coedge_prev: torch.Tensor,
        coedge_mate: torch.Tensor,
    ) -> torch.Tensor:
        own = torch.arange(coedge_face.shape[0], device=coedge_face.device)
        mate_next, mate_prev = coedge_next[coedge_mate], coedge_prev[coedge_mate]
        kernel = Kernel(
            coedge_slots=torch.stack(
                [own, coedge_next, coedge_prev, coedge_mate, mate_next, mate_prev], dim=1
            ),
            face_slots=torch.stack([coedge_face, coedge_face[coedge_mate]], dim=1),
            edge_slots=torch.stack(
                [coedge_edge, coedge_edge[coedge_next], coedge_edge[coedge_prev]], dim=1
            ),
            coedge_face=coedge_face,
            coedge_edge=coedge_edge,
            face_inverse=_inverse_sizes(coedge_face, face_features.shape[0]),
            edge_inverse=_inverse_sizes(coedge_edge, edge_features.shape[0]),
        )
        state = (
            self.face_in(face_features),
            self.edge_in(edge_features),
            self.coedge_in(coedge_features),
        )
        for layer in self.layers:
            state = layer(state, kernel)
        return self.head(state[0])
