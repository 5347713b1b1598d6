"""The multi-task network: pCTR and pCVR from one shared input, trained the ESMM way.

Input layer (shared by both tasks): one embedding per categorical feature, a learned projection
of the item's text embedding to the same size (and, with `query_field`, one of the query's), the
dense columns, and (with `interactions`) the pairwise dot products of those embeddings (Naumov et
al., 2019, DLRM), concatenated.

- "esmm": a shared bottom (one dense layer over the input) feeds a click tower and a
  conversion tower (Ma et al., 2018, with the representation shared below the towers).
- "mmoe": `experts` expert networks over the input, mixed for each task by its own softmax gate
  (Ma et al., 2018, "Modeling Task Relationships in Multi-task Learning with Multi-gate
  Mixture-of-Experts"), then each task's tower.

Both are trained with the ESMM loss: BCE(pCTR, click) + w * BCE(pCTR x pCVR, click and convert)
over every impression, so pCVR (conversion given a click) is never fitted on clicked items
alone. The click logit adds a position bias per (surface, position), a separate shallow term
outside the shared representation: serving scores every candidate at position 0, so the bias
shifts all candidates alike and never orders them.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn
from torch.nn import functional

from shelfwise.rank.features import CATEGORICAL, FeatureSpec

Architecture = Literal["esmm", "mmoe"]


class ModelConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    architecture: Architecture = "esmm"
    embedding_dim: int = Field(default=16, ge=1)
    query_field: bool = Field(
        default=True,
        description="project the query's embedding to a field of its own, so that its "
        "products with the item's text, category and brand fields learn what a query asks for",
    )
    interactions: bool = Field(
        default=True,
        description="add the pairwise dot products of the feature embeddings (the item's "
        "projected text among them) to the input, as DLRM does: shopper-item affinities are products",
    )
    shared: int = Field(default=128, ge=1, description="width of the shared bottom (esmm)")
    experts: int = Field(default=4, ge=1, description="mmoe experts")
    expert_width: int = Field(default=64, ge=1)
    tower: tuple[int, ...] = Field(default=(64, 32), description="hidden widths of each task tower")
    dropout: float = Field(default=0.0, ge=0, lt=1)
    id_dropout: float = Field(
        default=0.1,
        ge=0,
        lt=1,
        description="share of training rows whose user and item ids are hidden (read as unknown), "
        "so that the unknown index learns how to rank new shoppers and new items",
    )
    ctcvr_weight: float = Field(default=1.0, ge=0, description="0 trains the click task only")


def _mlp(width_in: int, widths: tuple[int, ...], dropout: float) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    for width in widths:
        layers += [nn.Linear(width_in, width), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width_in = width
    return nn.Sequential(*layers), width_in


class _Tower(nn.Module):
    def __init__(self, width_in: int, widths: tuple[int, ...], dropout: float) -> None:
        super().__init__()
        self.body, width = _mlp(width_in, widths, dropout)
        self.out = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x)).squeeze(-1)


class RankerNetwork(nn.Module):
    """(click logit, conversion-given-click logit) for a batch of rows."""

    def __init__(self, config: ModelConfig, spec: FeatureSpec) -> None:
        super().__init__()
        self.config = config
        cards = spec.cardinalities
        dim = config.embedding_dim
        tables = [nn.Embedding(cards[name], dim) for name in CATEGORICAL]
        for table in tables:
            nn.init.normal_(table.weight, std=0.05)
        self.embeddings = nn.ModuleList(tables)
        self.text = nn.Linear(spec.text_dim, dim)
        self.query = nn.Linear(spec.text_dim, dim, bias=False) if config.query_field else None
        fields = len(CATEGORICAL) + 1 + (self.query is not None)
        self._pairs = torch.triu_indices(fields, fields, offset=1) if config.interactions else None
        pairs = 0 if self._pairs is None else int(self._pairs.shape[1])
        width = fields * dim + pairs + len(spec.dense_names)
        self.positions = spec.config.max_position + 1
        self.position_bias = nn.Embedding(cards["surface"] * self.positions, 1)
        nn.init.zeros_(self.position_bias.weight)
        self._id_columns = [CATEGORICAL.index("user"), CATEGORICAL.index("item")]
        if config.architecture == "esmm":
            self.shared = nn.Sequential(nn.Linear(width, config.shared), nn.ReLU())
            tower_in = config.shared
        elif config.architecture == "mmoe":
            self.experts = nn.ModuleList(
                _mlp(width, (config.expert_width, config.expert_width), config.dropout)[0]
                for _ in range(config.experts)
            )
            self.gates = nn.ModuleList(nn.Linear(width, config.experts) for _ in range(2))
            tower_in = config.expert_width
        else:
            raise ValueError(f"unknown architecture {config.architecture!r}: esmm or mmoe")
        self.ctr_tower = _Tower(tower_in, config.tower, config.dropout)
        self.cvr_tower = _Tower(tower_in, config.tower, config.dropout)

    def _inputs(
        self, categorical: torch.Tensor, dense: torch.Tensor, text: torch.Tensor, query: torch.Tensor | None
    ) -> torch.Tensor:
        if self.training and self.config.id_dropout:
            hide = torch.rand(categorical.shape[0], device=categorical.device) < self.config.id_dropout
            categorical = categorical.clone()
            categorical[:, self._id_columns] = categorical[:, self._id_columns].masked_fill(hide[:, None], 0)
        columns = [*(table(categorical[:, i]) for i, table in enumerate(self.embeddings)), self.text(text)]
        if self.query is not None:
            columns.append(self.query(query if query is not None else torch.zeros_like(text)))
        fields = torch.stack(columns, dim=1)  # (n, fields, dim)
        parts = [fields.flatten(1), dense]
        if self._pairs is not None:
            products = torch.bmm(fields, fields.transpose(1, 2))
            parts.append(products[:, self._pairs[0], self._pairs[1]])
        return torch.cat(parts, dim=1)

    def forward(
        self,
        categorical: torch.Tensor,
        dense: torch.Tensor,
        text: torch.Tensor,
        positions: torch.Tensor,
        query: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`query`: (n, text_dim) query embeddings, zeros (or None for all) where there is none."""
        x = self._inputs(categorical, dense, text, query)
        if self.config.architecture == "esmm":
            ctr_in = cvr_in = self.shared(x)
        else:
            experts = torch.stack([e(x) for e in self.experts], dim=1)  # (n, experts, width)
            ctr_in, cvr_in = (
                (torch.softmax(gate(x), dim=-1).unsqueeze(-1) * experts).sum(dim=1) for gate in self.gates
            )
        surface = categorical[:, CATEGORICAL.index("surface")]
        bias = self.position_bias(surface * self.positions + positions).squeeze(-1)
        return self.ctr_tower(ctr_in) + bias, self.cvr_tower(cvr_in)


def log1mexp(x: torch.Tensor) -> torch.Tensor:
    """log(1 - exp(x)) for x < 0, computed stably (Maechler, 2012)."""
    x = x.clamp(max=-1e-7)
    return torch.where(x > -math.log(2), torch.log(-torch.expm1(x)), torch.log1p(-torch.exp(x)))


def esmm_loss(
    ctr_logit: torch.Tensor,
    cvr_logit: torch.Tensor,
    click: torch.Tensor,
    ctcvr: torch.Tensor,
    ctcvr_weight: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(total, click loss, click-and-convert loss), each a mean over all rows."""
    ctr_loss = functional.binary_cross_entropy_with_logits(ctr_logit, click)
    log_p = functional.logsigmoid(ctr_logit) + functional.logsigmoid(cvr_logit)
    ctcvr_loss = -(ctcvr * log_p + (1 - ctcvr) * log1mexp(log_p)).mean()
    return ctr_loss + ctcvr_weight * ctcvr_loss, ctr_loss, ctcvr_loss
