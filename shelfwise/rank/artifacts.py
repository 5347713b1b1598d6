"""A trained ranker, its artifact folder and the data folder's registry of them.

    <data_dir>/models/ranker/
      CURRENT                   the published version (as the index and other model registries)
      versions/<version>/
        manifest.json           format, version, config, feature names, encoder, data digest, metrics
        features.json           the FeatureSpec: vocabularies, price bands, dense statistics
        known_users.npy         uint64 hashes of the shoppers the model learned an embedding for
        weights.safetensors     the network's state dict

No pickle anywhere: `load` rebuilds the network from the manifest's config and the spec, then
reads the tensors. The catalog (products and their text vectors) is the live one, given at load.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from shelfwise.index.artifacts import IndexVersions, utc_now_iso
from shelfwise.rank.catalog import CatalogFeatures
from shelfwise.rank.features import (
    CATEGORICAL,
    FeatureBatch,
    FeatureBuilder,
    FeatureSpec,
    UserFeatureProvider,
)
from shelfwise.rank.model import ModelConfig, RankerNetwork
from shelfwise.records import Product

FORMAT = "shelfwise-ranker/2"  # 2: query-match and attribute-affinity columns
MANIFEST_FILE = "manifest.json"
SPEC_FILE = "features.json"
USERS_FILE = "known_users.npy"
WEIGHTS_FILE = "weights.safetensors"


@dataclass(frozen=True)
class Predictions:
    """Per row: pCTR, pCVR (conversion given a click) and their product pCTCVR."""

    pctr: np.ndarray
    pcvr: np.ndarray

    @property
    def pctcvr(self) -> np.ndarray:
        return self.pctr * self.pcvr


class Ranker:
    """A trained network with the feature builder it reads its inputs from."""

    def __init__(self, network: RankerNetwork, builder: FeatureBuilder, version: str = "unsaved") -> None:
        self.network = network.eval()
        self.builder = builder
        self.version = version

    @property
    def text_table(self) -> torch.Tensor:
        """The catalog's text embeddings (read each time: the catalog grows with new products)."""
        return torch.from_numpy(self.builder.catalog.text)

    @property
    def spec(self) -> FeatureSpec:
        return self.builder.spec

    @property
    def model_config(self) -> ModelConfig:
        return self.network.config

    def logits(self, batch: FeatureBatch) -> tuple[torch.Tensor, torch.Tensor]:
        rows = torch.from_numpy(batch.text_rows)
        return self.network(
            torch.from_numpy(batch.categorical),
            torch.from_numpy(batch.dense),
            self.text_table[rows],
            torch.from_numpy(batch.positions),
            torch.from_numpy(batch.query_vectors()),
        )

    def predict(self, batch: FeatureBatch, chunk: int = 65536) -> Predictions:
        if self.network.training:  # eval() walks every submodule: not on each request
            self.network.eval()
        ctr, cvr = [], []
        with torch.inference_mode():
            for start in range(0, max(len(batch), 1), chunk):
                a, b = self.logits(batch.take(slice(start, start + chunk)))
                ctr.append(torch.sigmoid(a).double().numpy())
                cvr.append(torch.sigmoid(b).double().numpy())
        return Predictions(np.concatenate(ctr), np.concatenate(cvr))

    def feature_names(self) -> dict[str, Any]:
        return {
            "categorical": list(CATEGORICAL),
            "dense": list(self.spec.dense_names),
            "text_dim": self.spec.text_dim,
            "position": "click-tower bias per (surface, position)",
        }

    def save(self, folder: Path, manifest: dict[str, Any]) -> None:
        """Write the folder (manifest last: a folder without one is incomplete)."""
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        (folder / SPEC_FILE).write_text(self.spec.model_dump_json(indent=1))
        np.save(folder / USERS_FILE, self.builder.known_users, allow_pickle=False)
        state = {k: v.detach().contiguous() for k, v in self.network.state_dict().items()}
        save_file(state, str(folder / WEIGHTS_FILE))
        body = {
            "format": FORMAT,
            "version": folder.name,
            "created_at": utc_now_iso(),
            "model": self.model_config.model_dump(mode="json"),
            "features": self.feature_names(),
            "encoder_version": self.spec.encoder_version,
            **manifest,
        }
        (folder / MANIFEST_FILE).write_text(json.dumps(body, indent=2))

    @classmethod
    def load(
        cls,
        folder: Path,
        products: Sequence[Product],
        vectors: np.ndarray,
        user_features: UserFeatureProvider | None = None,
    ) -> Ranker:
        """The ranker saved in `folder`, reading `products` (with their text `vectors`, from the
        encoder the manifest names) as its catalog."""
        from safetensors.torch import load_file

        manifest = read_ranker_manifest(folder)
        spec = FeatureSpec.model_validate_json((folder / SPEC_FILE).read_text())
        known = np.load(folder / USERS_FILE, allow_pickle=False)
        network = RankerNetwork(ModelConfig.model_validate(manifest["model"]), spec)
        network.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
        builder = FeatureBuilder(spec, known, CatalogFeatures(spec, products, vectors), user_features)
        return cls(network, builder, str(manifest["version"]))


def read_ranker_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no ranker manifest at {path}")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(
            f"{path}: format {manifest.get('format')!r} is not {FORMAT!r}; train the ranker again"
        )
    return manifest


def ranker_registry(data_dir: Path) -> IndexVersions:
    """Versioned ranker folders with an atomic CURRENT pointer."""
    return IndexVersions(data_dir / "models" / "ranker")


def active_ranker_path(data_dir: Path) -> Path | None:
    current = ranker_registry(data_dir).current()
    return None if current is None else current[1]
