"""The kinds of job a worker runs: each reads the shop's data, trains or builds, and publishes its
artifact atomically (a new version beside the old ones, then the CURRENT pointer), exactly as the
`shelfwise train ...` and `shelfwise index` commands do. Serving processes pick the new version up
by themselves (`Shelfwise.catch_up`).

A kind names its parameters; `check_params` refuses an unknown kind, an unknown parameter or a
missing one when the job is queued, so a job that cannot run is never accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, JsonValue, ValidationError

from shelfwise.config import Settings

if TYPE_CHECKING:
    from shelfwise.service import Shelfwise

DEFAULT_CHANNELS = "cooccurrence,sequential,popularity"  # as `shelfwise train recommender`


class JobCancelled(Exception):
    """Raised inside a job when it was cancelled, or its worker is stopping: it stops there."""


class JobContext:
    """What a running job may do besides its work: log a line, report progress (both also tell it
    when it must stop, by raising `JobCancelled`)."""

    def __init__(
        self, settings: Settings, log: Callable[[str], None], progress: Callable[[float, str], None]
    ):
        self.settings = settings
        self._log, self._progress = log, progress

    def log(self, line: str) -> None:
        self._log(line)

    def progress(self, fraction: float, message: str) -> None:
        self._progress(min(1.0, max(0.0, fraction)), message)

    def stage_progress(self, stage: str, done: int, total: int) -> None:
        """The index build's (stage, done, total) callback."""
        self.progress(done / total if total else 0.0, f"{stage} {done} / {total}")

    def open_shop(self) -> Shelfwise:
        from shelfwise.service import Shelfwise

        return Shelfwise(self.settings)


Runner = Callable[[JobContext, Mapping[str, JsonValue]], str]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Runner
    help: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


def _rebuild_index(context: JobContext, params: Mapping[str, JsonValue]) -> str:
    from shelfwise.cluster.encoding_job import rebuild_index_on_cluster

    on_cluster = rebuild_index_on_cluster(context.settings, params, context.log)  # its cluster and PostgreSQL
    if on_cluster is not None:
        return on_cluster
    shop = context.open_shop()
    try:
        manifest = shop.rebuild_index(context.stage_progress)
    finally:
        shop.close()  # the serving processes take over the new version's files
    return (f"serving {manifest.version} ({manifest.product_count} products, built in "
            f"{manifest.build_seconds:.1f} s)")  # fmt: skip


def _train_recommender(context: JobContext, params: Mapping[str, JsonValue]) -> str:
    from shelfwise.recommend import recommender_config

    config = recommender_config(
        str(params.get("channels") or DEFAULT_CHANNELS), int(str(params.get("threads", 2))),
        int(str(params.get("seed", 0))),
    )  # fmt: skip
    from shelfwise.cluster.training_job import cluster_for_jobs, train_recommender_on_cluster

    cluster = cluster_for_jobs(context.settings.data_dir)  # `shelfwise cluster up` from this data folder
    if cluster is not None:
        return train_recommender_on_cluster(context.settings, cluster, config, context.log)
    shop = context.open_shop()
    try:
        version, report = shop.train_recommender(config, log=context.log)
    finally:
        shop.close()
    return f"serving recommender {version} ({', '.join(report.channels)} fused by {report.fused_by})"


def _train_ranker(context: JobContext, params: Mapping[str, JsonValue]) -> str:
    from shelfwise.rank import ModelConfig
    from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig

    config = CtrCvrRankerConfig(
        model=ModelConfig(architecture=params.get("architecture", "esmm")),  # type: ignore[arg-type]
        training=TrainingConfig.model_validate({k: v for k, v in params.items() if k != "architecture"}),
    )
    shop = context.open_shop()
    try:
        artifact = shop.train_ranker(config, log=context.log)
    finally:
        shop.close()
    return _outcome("ranking model", artifact)


def _build_graph(context: JobContext, params: Mapping[str, JsonValue]) -> str:
    from shelfwise.graph import GraphBuildConfig, build_and_publish
    from shelfwise.graph.build import describe
    from shelfwise.shop_data import ShopData

    config = GraphBuildConfig.model_validate(dict(params))
    with ShopData.open(context.settings) as data:
        report = build_and_publish(
            data.store, data.events, context.settings.data_dir, config, log=context.log
        )
    return describe(report)


def _outcome(what: str, artifact: BaseModel) -> str:
    version = getattr(artifact, "version", "?")
    published = getattr(artifact, "published", True)
    return f"{what} {version} " + ("published" if published else "kept, not made active")


def _config(model: type[BaseModel], params: Mapping[str, JsonValue], files: tuple[str, ...]) -> Any:
    return model.model_validate({k: v for k, v in params.items() if k not in files})


def _path(params: Mapping[str, JsonValue], name: str) -> Path | None:
    value = params.get(name)
    return None if value in (None, "") else Path(str(value))


def _file_job(
    what: str, train: Callable[..., BaseModel], model_of: Callable[[], type[BaseModel]], cluster: bool = False
) -> Runner:
    """A `train ...` job over a judgments file (a path the worker can read) and the products of
    a products file when given, else of the shop's catalog (`ShopData`, the stores by URL).
    `cluster`: fine-tuned on the cluster the data folder started, when it started one."""

    def run(context: JobContext, params: Mapping[str, JsonValue]) -> str:
        from shelfwise.shop_data import ShopData

        config = _config(model_of(), params, _FILE_PARAMS)
        if cluster:
            from shelfwise.cluster.training_job import cluster_for_jobs, fine_tune_on_cluster_job

            state = cluster_for_jobs(context.settings.data_dir)
            if state is not None:
                return fine_tune_on_cluster_job(context.settings, state, what, dict(params), context.log)
        products, judgments = _path(params, "products"), _path(params, "judgments")
        with ShopData.open(context.settings) as data:
            artifact = train(data, context.settings.data_dir, products, judgments, config, log=context.log)
        return _outcome(what, artifact)

    return run


def _train_fusion(context: JobContext, params: Mapping[str, JsonValue]) -> str:
    from shelfwise.bench import train_fusion  # over a products file's work shop, or the shop itself
    from shelfwise.train import FusionTrainingConfig

    artifact = train_fusion(context.settings, _path(params, "products"), Path(str(params["judgments"])),
                            _config(FusionTrainingConfig, params, _FILE_PARAMS), log=context.log)  # fmt: skip
    return _outcome("learned fusion", artifact)


def _train_encoder_student(context: JobContext, params: Mapping[str, JsonValue]) -> str:
    from shelfwise.shop_data import ShopData
    from shelfwise.train import DocumentStudentConfig, train_encoder_student

    config = _config(DocumentStudentConfig, params, _FILE_PARAMS)
    with ShopData.open(context.settings) as data:
        artifact = train_encoder_student(data, context.settings.data_dir, _path(params, "products"), config,
                                         judgments=_path(params, "judgments"), log=context.log)  # fmt: skip
    return _outcome("document student", artifact)


def _encoder_kind() -> JobKind:
    from shelfwise.train import EncoderTrainingConfig, train_encoder

    return JobKind("train-encoder", _file_job("encoder", train_encoder, lambda: EncoderTrainingConfig, True),
                   "fine-tune the bi-encoder", ("judgments",),
                   ("products", *EncoderTrainingConfig.model_fields))  # fmt: skip


_FILE_PARAMS = ("products", "judgments")


def job_kinds() -> dict[str, JobKind]:
    """Every kind a worker runs, by name (the training modules are imported here, not before)."""
    from shelfwise.graph import GraphBuildConfig
    from shelfwise.rank.train import TrainingConfig
    from shelfwise.train import (
        DistillationConfig,
        DocumentStudentConfig,
        FusionTrainingConfig,
        RerankerTrainingConfig,
        train_reranker,
        train_reranker_student,
    )

    kinds = [
        JobKind("rebuild-index", _rebuild_index, "encode and index the whole catalog into a new version",
                optional=("actors", "serving_version")),
        JobKind("train-recommender", _train_recommender, "fit the recommender on every stored event",
                optional=("channels", "threads", "seed")),
        JobKind("build-graph", _build_graph, "build the product graph from the catalog and events",
                optional=tuple(GraphBuildConfig.model_fields)),
        JobKind("train-ranker", _train_ranker, "train the CTR/CVR ranking model on the logged impressions",
                optional=("architecture", *TrainingConfig.model_fields)),
        _encoder_kind(),
        JobKind("train-reranker", _file_job("reranker", train_reranker, lambda: RerankerTrainingConfig, True),
                "fine-tune the cross-encoder", ("judgments",),
                ("products", *RerankerTrainingConfig.model_fields)),
        JobKind("train-reranker-student",
                _file_job("reranker student", train_reranker_student, lambda: DistillationConfig),
                "distil the active reranker", ("judgments",), ("products", *DistillationConfig.model_fields)),
        JobKind("train-fusion", _train_fusion, "learn hybrid fusion", ("judgments",),
                ("products", *FusionTrainingConfig.model_fields)),
        JobKind("train-encoder-student", _train_encoder_student, "distil the encoder into a document student",
                (), (*_FILE_PARAMS, *DocumentStudentConfig.model_fields)),
    ]  # fmt: skip
    return {kind.name: kind for kind in kinds}


def check_params(kinds: Mapping[str, JobKind], kind: str, params: Mapping[str, JsonValue]) -> None:
    """ValueError saying what is wrong with a job before it is queued."""
    found = kinds.get(kind)
    if found is None:
        raise ValueError(f"no job kind '{kind}': one of {', '.join(sorted(kinds))}")
    unknown = sorted(set(params) - set(found.required) - set(found.optional))
    if unknown:
        allowed = ", ".join((*found.required, *found.optional)) or "none"
        raise ValueError(f"job kind '{kind}' has no parameter {', '.join(unknown)} (parameters: {allowed})")
    missing = [name for name in found.required if params.get(name) in (None, "")]
    if missing:
        raise ValueError(f"job kind '{kind}' needs {', '.join(missing)}")
    for name in ("products", "judgments"):
        if name in params and params[name] and not Path(str(params[name])).is_file():
            raise ValueError(f"job kind '{kind}': {name} file {params[name]} does not exist")
    if kind == "rebuild-index" and params:
        from shelfwise.cluster.encoding_job import check_rebuild_params

        check_rebuild_params(params)  # a bad actor count or Serve version name: refused now
    if kind == "build-graph":
        from shelfwise.graph import GraphBuildConfig

        GraphBuildConfig.model_validate(dict(params))  # a bad value: refused now
    if kind == "train-recommender" and params.get("channels"):
        from shelfwise.recommend import recommender_config

        recommender_config(str(params["channels"]))  # an unknown channel: refused now


def describe_error(error: BaseException) -> str:
    """The one line a failed job records."""
    if isinstance(error, ValidationError):
        return f"invalid parameters: {error.errors()[0].get('msg')} ({error.errors()[0].get('loc')})"
    return f"{type(error).__name__}: {error}"
