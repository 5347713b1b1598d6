"""Data-parallel steps for the trainers (issue 29 part 3): one step of N workers computes the loss
one process computes over the whole batch.

Each worker takes a contiguous chunk of the batch (`chunk`) and encodes only that chunk. The
batch's outputs (embeddings, predicted grades) are then gathered from every worker without
gradients, and the worker's own chunk is put back in place with its gradients (`gathered`): the
loss is then the single-process loss of the whole batch (in-batch negatives included), and its
gradient flows into this worker's chunk only. Summing the gradients over the workers
(`sum_gradients`) gives, on every worker, the gradient one process gets from the whole batch, so
every worker takes the same optimizer step. With one worker (`Group()`) each function does nothing.
The process group is torch.distributed's (gloo on CPU), set up by Ray Train or a test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Group:
    """This worker's rank among `world` workers."""

    rank: int = 0
    world: int = 1

    @property
    def single(self) -> bool:
        return self.world == 1


def chunk_bounds(size: int, group: Group) -> list[tuple[int, int]]:
    """Every worker's [start, end) of a batch of `size` items, in rank order (sizes differ by one
    at most; a worker may get none when the batch is smaller than the group)."""
    base, extra = divmod(size, group.world)
    bounds, start = [], 0
    for rank in range(group.world):
        end = start + base + (1 if rank < extra else 0)
        bounds.append((start, end))
        start = end
    return bounds


def chunk(items: Sequence[T], group: Group) -> list[T]:
    """This worker's contiguous part of a batch."""
    start, end = chunk_bounds(len(items), group)[group.rank]
    return list(items[start:end])


def gathered(local: Any, size: int, group: Group) -> Any:
    """The whole batch's rows (`size` of them) of a tensor whose rows this worker holds for its
    chunk: the others' rows gathered without gradients, this worker's own with theirs."""
    import torch
    import torch.distributed as dist

    if group.single:
        return local
    bounds = chunk_bounds(size, group)
    longest = max(end - start for start, end in bounds)
    padded = torch.zeros((longest, *local.shape[1:]), dtype=local.dtype)
    padded[: len(local)] = local.detach()
    parts = [torch.empty_like(padded) for _ in bounds]
    dist.all_gather(parts, padded)
    rows = [part[: end - start] for part, (start, end) in zip(parts, bounds, strict=True)]
    rows[group.rank] = local
    return torch.cat(rows)


def sum_gradients(parameters: Iterable[Any], group: Group) -> None:
    """Each parameter's gradient summed over the workers (the parameters without one, such as an
    unused pooler, have none on every worker: each worker runs the same graph on its chunk)."""
    import torch.distributed as dist

    if group.single:
        return
    for parameter in parameters:
        if parameter.grad is not None:
            dist.all_reduce(parameter.grad)


def all_agree(value: float, group: Group) -> float:
    """The first worker's value, on every worker (a decision they must all take alike)."""
    import torch
    import torch.distributed as dist

    if group.single:
        return value
    tensor = torch.tensor([value], dtype=torch.float64)
    dist.broadcast(tensor, src=0)
    return float(tensor[0])
