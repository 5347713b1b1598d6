"""The sequential channel's network: a self-attentive encoder of item sequences whose item rows
add a projection of the items' text embeddings to learned id embeddings, its config and its
optimizers. Shared by the channel (shelfwise/recommend/sequential.py) and its training run
(sequential_training.py)."""

from __future__ import annotations

from typing import cast

import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from shelfwise.recommend.item_index import ItemIndexConfig


class SequentialConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_length: int = Field(default=50, ge=2, description="most recent items the model reads")
    dim: int = Field(default=64, ge=8)
    layers: int = Field(default=2, ge=1)
    heads: int = Field(default=2, ge=1)
    dropout: float = Field(default=0.3, ge=0, lt=1)
    use_text: bool = Field(default=True, description="add projected text embeddings to id embeddings")
    epochs: int = Field(default=30, ge=1, description="at most this many epochs")
    patience: int = Field(default=3, ge=1, description="stop after this many epochs without gain")
    batch_size: int = Field(default=128, ge=1)
    learning_rate: float = Field(default=1e-3, gt=0)
    full_softmax_below: int = Field(
        default=50_000, ge=1, description="catalogs this small train with a softmax over every item"
    )
    sampled_negatives: int = Field(
        default=2048, ge=1, description="larger ones: this many random items per batch are the negatives"
    )
    threads: int = Field(default=2, ge=1)
    item_index: ItemIndexConfig = Field(default_factory=ItemIndexConfig)
    seed: int = 0


class _SelfAttentive(nn.Module):
    def __init__(
        self, n_items: int, text: torch.Tensor | None, config: SequentialConfig, sparse: bool = False
    ) -> None:
        super().__init__()
        d = config.dim
        self.scale = d**0.5
        # sparse: a step's gradient and update touch only the rows it read, not the whole catalog
        self.ids = nn.Embedding(n_items + 1, d, padding_idx=0, sparse=sparse)  # index 0 pads
        nn.init.normal_(self.ids.weight, std=0.02)
        with torch.no_grad():
            self.ids.weight[0].zero_()
        self.text_projection: nn.Linear | None = None
        if text is not None:
            self.register_buffer("text", torch.cat([torch.zeros(1, text.shape[1]), text]))
            self.text_projection = nn.Linear(text.shape[1], d)
        self.positions = nn.Embedding(config.max_length, d)
        layer = nn.TransformerEncoderLayer(
            d, config.heads, d, config.dropout, batch_first=True, norm_first=True, activation="gelu"
        )
        self.blocks = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.dropout = nn.Dropout(config.dropout)
        self.register_buffer("causal", torch.triu(torch.ones(config.max_length, config.max_length), 1).bool())

    @classmethod
    def empty(cls, n_items: int, text_dim: int | None, config: SequentialConfig) -> _SelfAttentive:
        """A network of this shape to load saved weights into (its text vectors released, as
        after fitting)."""
        text = None if text_dim is None else torch.zeros(1, text_dim)
        with torch.random.fork_rng():  # initial weights are overwritten: leave the seed's stream alone
            model = cls(n_items, text, config)
        model.release_text()
        return model

    def item_table(self) -> torch.Tensor:
        table = self.ids.weight
        if self.text_projection is not None:
            table = table + self.text_projection(self._text())
        return table

    def _text(self) -> torch.Tensor:
        text = cast(torch.Tensor | None, self.text)
        if text is None:
            raise RuntimeError("the text vectors were released after fitting: read the frozen item table")
        return text

    def release_text(self) -> None:
        """Drop the text vectors (a fitted channel serves from its frozen item table)."""
        if self.text_projection is not None:
            self.register_buffer("text", None)

    def item_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """Rows of the item table, computed for these rows only (the whole table of a large
        catalog costs more than a training step)."""
        table = self.ids(rows)
        if self.text_projection is not None:
            table = table + self.text_projection(self._text()[rows])
        return table

    def forward(self, inputs: torch.Tensor, table: torch.Tensor | None = None) -> torch.Tensor:
        """Hidden state at every position of left-padded `inputs`, reading item rows from
        `table` when given (the frozen table of a fitted model, or one computed for a step)."""
        embedded = self.item_rows(inputs) if table is None else table[inputs]
        length = inputs.shape[1]
        hidden = embedded * self.scale + self.positions.weight[None, -length:]
        causal = cast(torch.Tensor, self.causal)
        hidden = self.blocks(self.dropout(hidden), mask=causal[:length, :length])
        return self.norm(hidden)


def _optimizers(model: _SelfAttentive, learning_rate: float, sparse: bool) -> list[torch.optim.Optimizer]:
    """Adam over the network; the id embeddings apart, with SparseAdam when their gradients are
    sparse (sampled training)."""
    others = [p for name, p in model.named_parameters() if name != "ids.weight"]
    ids = [model.ids.weight]
    return [
        torch.optim.Adam(others, lr=learning_rate),
        (torch.optim.SparseAdam if sparse else torch.optim.Adam)(ids, lr=learning_rate),
    ]
