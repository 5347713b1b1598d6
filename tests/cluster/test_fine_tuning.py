"""The bi-encoder's fine-tuning on the session's two-node cluster (issue 29 part 3): a queued
`train-encoder` job, in a data folder that started the
cluster, fine-tunes the bundled MiniLM with Ray Train on two workers (one on each node) over a tiny
judged set, with a checkpoint after each evaluation under the shared artifact root, and the model
it saves loads and encodes.

The cross-encoder runs the same Ray Train loop (`cluster/fine_tuning.py`); its data-parallel step
and its resume are unit-tested (tests/unit/test_reranker_data_parallel.py) and its cluster run
(`_run_job(..., "reranker", params)`) is left out of `make test` to keep the suite within its 25
minutes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ray_harness import WORKER_IP, ShopCluster

from shelfwise.cluster.fine_tuning import LOG_FILE
from shelfwise.cluster.training import WORKERS_FOLDER
from shelfwise.config import EncoderConfig
from shelfwise.models import load_encoder
from tests.judged_set import write_judged_set

pytestmark = pytest.mark.slow


JOB = """
import json
from pathlib import Path
from shelfwise.cluster.state import load_state, save_state
from shelfwise.config import EncoderConfig, Settings
from shelfwise.worker.kinds import JobContext, job_kinds

shop_dir = Path({shop_dir!r})
save_state(shop_dir, load_state(Path({head_data!r})))  # this data folder started the cluster
settings = Settings(data_dir=shop_dir, encoder=EncoderConfig(name="hashing"))
lines = []
context = JobContext(settings, lines.append, lambda fraction, message: None)
params = {{"judgments": {judgments!r}, "products": {products!r}, **{params}}}
outcome = job_kinds()["train-{kind}"].run(context, params)
print(json.dumps({{"outcome": outcome, "lines": lines}}))
"""
ENCODER = {"epochs": 2, "batch_size": 4, "validation_fraction": 0.3, "distractors": 5, "encoder_negatives": 0,
           "max_length": 16, "evaluations_per_epoch": 1, "learning_rate": 5e-5}  # fmt: skip


def _run_job(shop_cluster: ShopCluster, tmp_path: Path, kind: str, params: dict) -> tuple[Path, Path]:
    """The job's run folder under the artifact root, and the model version it saved."""
    cluster = shop_cluster.cluster
    products, judgments = write_judged_set(tmp_path)
    shop_dir = tmp_path / "shop"
    shop_dir.mkdir()
    code = JOB.format(shop_dir=str(shop_dir), head_data=str(cluster.head_data), judgments=str(judgments),
                      products=str(products), params=repr(params), kind=kind)  # fmt: skip
    done = cluster.run_python(cluster.netns.head, code, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcome"].endswith("(on the cluster)"), result

    runs = list((cluster.artifact_root / "training").glob(f"{kind}-*"))
    assert len(runs) == 1, runs
    workers = [json.loads(p.read_text()) for p in (runs[0] / WORKERS_FOLDER).glob("*.json")]
    assert sorted(w["rank"] for w in workers) == [0, 1] and WORKER_IP in {w["node_ip"] for w in workers}
    logged = [json.loads(line)["line"] for line in (runs[0] / LOG_FILE).read_text().splitlines()]
    evaluations = [line for line in logged if " validation NDCG@10 " in line and line.startswith("step ")]
    assert len(evaluations) == 2, logged  # once an epoch: a checkpoint after each
    assert len(list(runs[0].glob("checkpoint_*"))) >= 1

    saved = list((shop_dir / "models" / kind).glob("versions/*"))
    assert len(saved) == 1, saved
    return runs[0], saved[0]


def test_a_queued_train_encoder_job_fine_tunes_on_two_workers_of_the_cluster(
    shop_cluster: ShopCluster, tmp_path: Path
) -> None:
    _, saved = _run_job(shop_cluster, tmp_path, "encoder", ENCODER)
    manifest = json.loads((saved / "shelfwise_manifest.json").read_text())
    assert manifest["report"]["steps"] == 2 * (manifest["report"]["examples"] // 4)
    encoder = load_encoder(EncoderConfig(model_path=str(saved)), onnx_root=tmp_path / "onnx")
    vectors = encoder.encode(["angle bracket", "deck paint"])
    assert vectors.shape == (2, 384) and abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-3
