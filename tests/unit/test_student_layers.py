"""A document student keeps a few of a BERT-style encoder's layers; another shape is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from shelfwise.train.encoder_student import keep_layers


class _Encoder(torch.nn.Module):
    def __init__(self, layers: int) -> None:
        super().__init__()
        self.layer = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(layers)])


class _BertLike(torch.nn.Module):
    def __init__(self, layers: int) -> None:
        super().__init__()
        self.encoder = _Encoder(layers)


def test_the_kept_layers_replace_the_stack_in_place() -> None:
    backbone = _BertLike(6)
    layers = list(backbone.encoder.layer)
    indices, total = keep_layers(backbone, 3, Path("teacher"))
    assert (indices, total) == ([0, 2, 5], 6)
    assert list(backbone.encoder.layer) == [layers[0], layers[2], layers[5]]


def test_a_backbone_without_an_encoder_layer_stack_gets_a_clear_error() -> None:
    class DistilBertLike(torch.nn.Module):  # its layers are at transformer.layer
        def __init__(self) -> None:
            super().__init__()
            self.transformer = _Encoder(6)

    with pytest.raises(ValueError, match=r"the encoder at teacher has no BERT-style stack of layers"):
        keep_layers(DistilBertLike(), 2, Path("teacher"))
