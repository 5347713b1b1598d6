"""FGM moves only the embeddings, along their gradient by epsilon, and restores them exactly."""

from __future__ import annotations

import torch
from torch import nn

from shelfwise.rank.adversarial import FGM


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embeddings = nn.Embedding(5, 3)
        self.head = nn.Linear(3, 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.embeddings(ids)).squeeze(-1)


def test_attack_moves_the_embeddings_by_epsilon_along_the_gradient_and_restore_undoes_it() -> None:
    torch.manual_seed(0)
    model = Tiny()
    fgm = FGM(model, epsilon=0.5)
    assert fgm.parameter_names == ["embeddings.weight"]
    ids, target = torch.tensor([0, 1, 2]), torch.tensor([1.0, 0.0, 1.0])
    loss_fn = nn.BCEWithLogitsLoss()
    loss = loss_fn(model(ids), target)
    loss.backward()
    before = model.embeddings.weight.detach().clone()
    head_before = model.head.weight.detach().clone()
    grad = model.embeddings.weight.grad.detach().clone()  # type: ignore[union-attr]
    fgm.attack()
    moved = model.embeddings.weight.detach() - before
    assert torch.allclose(torch.linalg.vector_norm(moved), torch.tensor(0.5), atol=1e-6)
    assert torch.allclose(moved, 0.5 * grad / torch.linalg.vector_norm(grad), atol=1e-6)
    assert torch.equal(model.head.weight, head_before)
    with torch.no_grad():
        assert loss_fn(model(ids), target) > loss  # the move raises the loss
    fgm.restore()
    assert torch.equal(model.embeddings.weight, before)


def test_training_with_fgm_and_augmentation_runs_and_differs_from_plain_training() -> None:
    from shelfwise.rank.augment import AugmentConfig
    from shelfwise.rank.synthetic import synthetic_shop
    from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig, fit_ranker

    shop = synthetic_shop(requests=800, users=80, items=100, seed=2)

    def fit(**training: object) -> float:
        config = CtrCvrRankerConfig(
            training=TrainingConfig(epochs=2, batch_size=256, importance_rows=0, **training)
        )
        fitted = fit_ranker(
            shop.impressions, shop.products, shop.vectors, config, shop.encoder, log=lambda _: None
        )
        return float(fitted.report.tasks["ctr"].auc or 0)

    plain, adversarial = fit(), fit(fgm_epsilon=0.5)
    augmented = fit(augment=AugmentConfig(share=0.5, seed=1))
    assert 0.5 < plain < 1 and 0.5 < adversarial < 1 and 0.5 < augmented < 1
    assert adversarial != plain and augmented != plain
