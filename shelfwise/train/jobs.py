"""Training jobs from a shop's data to published artifacts (the active model of a data folder).

Each job reads the stores it needs from the shop's `ShopData` (the catalog when no products file
is given, the embedding cache: SQLite or PostgreSQL by URL) and writes its versioned artifact under
the data folder's `models/<kind>/`, published atomically (`IndexVersions`: a new version folder,
then the CURRENT pointer)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import BaseModel

from shelfwise.config import EncoderConfig, Settings
from shelfwise.evaluate.tables import file_digest
from shelfwise.evaluate.trec import Judgments, read_judgments
from shelfwise.models import (
    CachedEncoder,
    SentenceTransformerEncoder,
    bundled_minilm_path,
    load_encoder,
    onnx_root_of,
)
from shelfwise.models.reranker import RELEVANCE_CLASSES, CrossEncoderReranker
from shelfwise.models.split_encoder import TEACHER_FILE
from shelfwise.published_models import (
    active_encoder_path,
    active_fusion,
    active_reranker_path,
    data_dir_encoder,
    encoder_registry,
    encoder_student_registry,
    fusion_registry,
    reranker_registry,
)
from shelfwise.records import Product
from shelfwise.search.engine import SearchEngine
from shelfwise.search.normalize import normalize_query
from shelfwise.shop_data import ShopData
from shelfwise.train.distill import DistillationConfig, DistillationReport, distill, student_is_good_enough
from shelfwise.train.encoder import (
    EncoderFit,
    EncoderTrainer,
    EncoderTrainingConfig,
    EncoderTrainingReport,
    nearest_products,
)
from shelfwise.train.encoder_student import (
    DocumentStudentConfig,
    DocumentStudentReport,
    DocumentStudentTrainer,
)
from shelfwise.train.encoder_student import student_is_good_enough as document_student_is_good_enough
from shelfwise.train.fusion import (
    ENCODER_QUERIES_FILE,
    FusionTrainingConfig,
    FusionTrainingReport,
    encoder_training_queries,
    mean_ndcg10,
    train_fusion_model,
    without_queries,
)
from shelfwise.train.reranker import (
    RerankerFit,
    RerankerTrainer,
    RerankerTrainingConfig,
    RerankerTrainingReport,
)
from shelfwise.train.sources import read_relevance_labels, training_products

Log = Callable[[str], None]


class EncoderArtifact(BaseModel):
    version: str
    path: str
    base_model: str
    products_digest: str
    judgments_digest: str
    config: dict
    report: EncoderTrainingReport


def encoder_checkpoint_dir(data_dir: Path) -> Path:
    """Where a running `train encoder` keeps its best weights so far (`best/`): a killed job
    can be continued with `--base-model` pointing there."""
    return data_dir / "models" / "encoder" / "checkpoints"


def current_encoder_neighbours(
    data: ShopData,
    data_dir: Path,
    judgments: Judgments,
    catalog: Mapping[str, Product],
    log: Log = print,
    depth: int = 30,
) -> dict[str, list[str]]:
    """Each judged query's top products by the data folder's current encoder (the active
    fine-tuned one, else the bundled MiniLM); catalog vectors come from the shop's embedding
    cache (`data.embeddings`) when it has them, and go there when it does not."""
    started = time.perf_counter()
    data_dir.mkdir(parents=True, exist_ok=True)
    encoder = CachedEncoder(data_dir_encoder(EncoderConfig(), data_dir), data.embeddings)
    products = list(catalog.values())
    vectors = encoder.encode_products(products)
    queries = encoder.encoder.encode([judgments.queries[q] for q in judgments.query_ids], kind="query")
    ranked = nearest_products(queries, vectors, [p.product_id for p in products], depth)
    log(f"mined hard negatives with {encoder.encoder.version} in {time.perf_counter() - started:.1f}s")
    return dict(zip(judgments.query_ids, ranked, strict=True))


def train_encoder(
    data: ShopData,
    data_dir: Path,
    products: Path | None,
    judgments: Path,
    config: EncoderTrainingConfig,
    product_columns: Mapping[str, str] | None = None,
    base_model: Path | None = None,
    log: Log = print,
    teacher: Path | None = None,
    encoder_fit: EncoderFit | None = None,
) -> EncoderArtifact:
    """Fine-tune from `base_model` (default: the bundled MiniLM; fitted by `encoder_fit`, on a
    cluster, when given), save, and make it active. `teacher`, a reranker folder, grades the mined
    hard negatives first (see train/encoder.py)."""
    started = time.perf_counter()
    source = training_products(data, products, product_columns)
    catalog, graded, base = source.catalog, read_judgments(judgments), base_model or bundled_minilm_path()
    log(
        f"read {len(catalog)} products and {len(graded)} judged queries in "
        f"{time.perf_counter() - started:.1f}s; fine-tuning {base}"
    )
    trainer = EncoderTrainer(base, config, log, checkpoint_dir=encoder_checkpoint_dir(data_dir))
    mine = config.encoder_negatives or teacher is not None
    neighbours = current_encoder_neighbours(data, data_dir, graded, catalog, log) if mine else None
    grader = None
    if teacher is not None:
        cross_encoder = CrossEncoderReranker(teacher, batch_size=128, threads=config.threads,
                                             int8=True, runtime="onnx")  # fmt: skip
        grader = lambda queries, texts: cross_encoder.predict(queries, texts).grades  # noqa: E731
    report = (encoder_fit or EncoderTrainer.fit)(trainer, graded, catalog, neighbours, grader)
    registry = encoder_registry(data_dir)
    version, path = registry.new_version()  # keeps two versions: a rejected one may prune an old one
    trainer.save(path)
    artifact = EncoderArtifact(
        version=version,
        path=str(path),
        base_model=str(base),
        products_digest=source.digest,
        judgments_digest=file_digest(judgments),
        config=config.model_dump(),
        report=report,
    )
    (path / "shelfwise_manifest.json").write_text(json.dumps(artifact.model_dump(), indent=2))
    trained_on, validation = trainer.validation_split(graded)
    (path / ENCODER_QUERIES_FILE).write_text(
        json.dumps(sorted({normalize_query(trained_on.queries[q]) for q in trained_on.query_ids}))
    )
    to_beat = report.validation_ndcg10_before
    active = active_encoder_path(data_dir)
    if active is not None and active != base:
        to_beat = max(to_beat, EncoderTrainer(active, config, log).evaluate(validation, catalog))
        log(f"the active encoder scores {to_beat:.4f} on the same validation queries")
    if report.validation_ndcg10_after > to_beat:
        registry.publish(version)
        log(f"published encoder {version}: the next index build re-encodes the catalog with it")
    else:
        log(f"encoder {version} did not beat {to_beat:.4f} on validation; kept, not made active")
    return artifact


class RerankerArtifact(BaseModel):
    version: str
    path: str
    base_model: str
    products_digest: str
    judgments_digest: str
    config: dict
    report: RerankerTrainingReport
    published: bool


def train_reranker(
    data: ShopData,
    data_dir: Path,
    products: Path | None,
    judgments: Path,
    config: RerankerTrainingConfig,
    product_columns: Mapping[str, str] | None = None,
    base_model: Path | None = None,
    log: Log = print,
    reranker_fit: RerankerFit | None = None,
) -> RerankerArtifact:
    """Fine-tune a cross-encoder from `base_model` (default: the bundled MiniLM), save it, and
    make it active when it ranks the validation queries better than the active one does.
    `reranker_fit` fits elsewhere than in this process (on a cluster)."""
    started = time.perf_counter()
    source = training_products(data, products, product_columns)
    catalog = source.catalog
    graded = read_judgments(judgments)
    labels = read_relevance_labels(judgments)
    classes = RELEVANCE_CLASSES if labels else ()
    base = base_model or bundled_minilm_path()
    log(
        f"read {len(catalog)} products, {len(graded)} judged queries"
        f"{f' and {len(labels)} class labels' if labels else ''} in "
        f"{time.perf_counter() - started:.1f}s; fine-tuning a cross-encoder from {base}"
    )
    trainer = RerankerTrainer.from_base(base, config, classes, log)
    report = (reranker_fit or RerankerTrainer.fit)(trainer, graded, catalog, labels or None)
    registry = reranker_registry(data_dir)
    version, path = registry.new_version()
    active = active_reranker_path(data_dir)
    to_beat = report.validation_ndcg10_bm25
    if active is not None:
        assert trainer.held_out is not None
        to_beat = max(to_beat, RerankerTrainer.from_saved(active, config, log).evaluate(trainer.held_out)[0])
        log(f"the active reranker scores {to_beat:.4f} on the same validation queries")
    published = report.validation_ndcg10_after > to_beat
    artifact = RerankerArtifact(
        version=version,
        path=str(path),
        base_model=str(base),
        products_digest=source.digest,
        judgments_digest=file_digest(judgments),
        config=config.model_dump(),
        report=report,
        published=published,
    )
    trainer.save(path, {"training": artifact.model_dump()})
    if published:
        registry.publish(version)
        log(f"published reranker {version}: search reranks with it from the next start")
    else:
        log(f"reranker {version} did not beat {to_beat:.4f} on validation; kept, not made active")
    return artifact


class StudentArtifact(BaseModel):
    version: str
    path: str
    products_digest: str
    judgments_digest: str
    config: dict
    report: DistillationReport
    published: bool


def train_reranker_student(
    data: ShopData,
    data_dir: Path,
    products: Path | None,
    judgments: Path,
    config: DistillationConfig,
    product_columns: Mapping[str, str] | None = None,
    teacher: Path | None = None,
    log: Log = print,
) -> StudentArtifact:
    """Distil the active reranker (or `teacher`) into a student with fewer layers, save it as a
    reranker version, and make it active when it keeps the teacher's held-out NDCG@10 within
    `config.max_relative_loss`."""
    teacher = teacher or active_reranker_path(data_dir)
    if teacher is None:
        raise ValueError(f"no active reranker in {data_dir} to distil: run `shelfwise train reranker`")
    source = training_products(data, products, product_columns)
    catalog = source.catalog
    trainer, report = distill(teacher, read_judgments(judgments), catalog, config, log)
    registry = reranker_registry(data_dir)
    version, path = registry.new_version()
    published = student_is_good_enough(report, config)
    artifact = StudentArtifact(
        version=version,
        path=str(path),
        products_digest=source.digest,
        judgments_digest=file_digest(judgments),
        config=config.model_dump(),
        report=report,
        published=published,
    )
    trainer.save(path, {"distillation": artifact.model_dump()})
    if published:
        registry.publish(version)
        log(
            f"published student {version} ({len(report.layers_kept)} layers): search reranks with it "
            "from the next start"
        )
    else:
        log(
            f"student {version} lost more than {config.max_relative_loss:.0%} of the teacher's NDCG@10; "
            "kept, not made active"
        )
    return artifact


class FusionArtifact(BaseModel):
    version: str
    path: str
    encoder: str
    products_digest: str
    judgments_digest: str
    config: dict
    report: FusionTrainingReport
    published: bool


def fusion_judgments(
    settings: Settings, judgments: Path, config: FusionTrainingConfig, log: Log = print
) -> tuple[Judgments, int]:
    """The graded judgments fusion learns from, and how many queries were left out (those the
    active encoder was fine-tuned on, with `exclude_encoder_queries`)."""
    graded = read_judgments(judgments)
    seen: frozenset[str] = frozenset()
    if config.exclude_encoder_queries:
        seen = encoder_training_queries(active_encoder_path(settings.data_dir))
    usable = without_queries(graded, seen) if seen else graded
    excluded = len(graded) - len(usable)
    if excluded:
        log(f"left out {excluded} of {len(graded)} queries: the active encoder was fine-tuned on them")
    return usable, excluded


def fit_fusion(
    settings: Settings,
    engine: SearchEngine,
    products_digest: str,
    judgments: Path,
    graded: Judgments,
    excluded: int,
    config: FusionTrainingConfig,
    log: Log = print,
) -> FusionArtifact:
    """Learn hybrid fusion over `engine` (indexed with the data folder's active encoder; its
    products' version is `products_digest`) from the `graded` judgments (`fusion_judgments`:
    `excluded` queries left out), and make it active when it ranks held-out queries better than
    weighted fusion and the active one. `shelfwise.bench.fusion.train_fusion` opens the engine
    (over a products file, or the shop's own catalog) and calls this."""
    data_dir = settings.data_dir
    trained = train_fusion_model(engine, graded, config, excluded, log)
    report, examples = trained.report, trained.examples
    to_beat = report.validation_ndcg10_weighted
    active = active_fusion(data_dir, trained.final.encoder_version)
    if active is not None and active.refit_on == file_digest(judgments):
        log(
            f"the active learned fusion {active.version} learned from these same held-out queries: "
            "compared with weighted fusion only"
        )
    elif active is not None:
        scores = [active.scores(examples.features_of(i)) for i in range(len(examples.group))]
        to_beat = max(to_beat, mean_ndcg10(examples, trained.held_out, scores, graded))
        log(f"the active learned fusion scores {to_beat:.4f} on the same validation queries")
    registry = fusion_registry(data_dir)
    version, path = registry.new_version()
    published = report.validation_ndcg10_learned > to_beat
    artifact = FusionArtifact(
        version=version,
        path=str(path),
        encoder=trained.final.encoder_version,
        products_digest=products_digest,
        judgments_digest=file_digest(judgments),
        config=config.model_dump(),
        report=report,
        published=published,
    )
    trained.final.save(path, {"training": artifact.model_dump()})
    log(
        f"validation NDCG@10: weighted fusion {report.validation_ndcg10_weighted:.4f}, "
        f"learned {report.validation_ndcg10_learned:.4f} ({report.trees} trees, {report.seconds:.0f} s)"
    )
    if published:
        registry.publish(version)
        log(f"published learned fusion {version}: hybrid search uses it from the next start")
    else:
        log(f"learned fusion {version} did not beat {to_beat:.4f} on validation; kept, not made active")
    return artifact


class DocumentStudentArtifact(BaseModel):
    version: str
    path: str
    products_digest: str
    judgments_digest: str | None
    config: dict
    report: DocumentStudentReport
    published: bool


def train_encoder_student(
    data: ShopData,
    data_dir: Path,
    products: Path | None,
    config: DocumentStudentConfig,
    judgments: Path | None = None,
    product_columns: Mapping[str, str] | None = None,
    log: Log = print,
) -> DocumentStudentArtifact:
    """Distil the data folder's active bi-encoder (else the bundled MiniLM) into a document
    student on the catalog's texts, save it, and publish it when it keeps close enough to the
    encoder (train/encoder_student.py): the next index build encodes the catalog with it."""
    started = time.perf_counter()
    source = training_products(data, products, product_columns)
    catalog = source.catalog
    graded = read_judgments(judgments) if judgments is not None else None
    teacher = load_encoder(EncoderConfig(precision="fp32"), active_encoder_path(data_dir),
                           onnx_root_of(data_dir))  # fmt: skip
    if not isinstance(teacher, SentenceTransformerEncoder):
        raise ValueError("only a MiniLM-style sentence-transformers encoder has a document student")
    log(
        f"read {len(catalog)} products in {time.perf_counter() - started:.1f}s; "
        f"distilling {teacher.network_version}"
    )
    trainer = DocumentStudentTrainer(teacher, config, log)
    pool = [] if graded is None else _student_pool(catalog, graded, config)
    report = trainer.fit([p.text() for p in catalog.values()], graded, pool)
    registry = encoder_student_registry(data_dir)
    version, path = registry.new_version()
    trainer.save(path)
    (path / TEACHER_FILE).write_text(json.dumps({"teacher_network": teacher.network_version}))
    published = document_student_is_good_enough(report, config)
    artifact = DocumentStudentArtifact(
        version=version,
        path=str(path),
        products_digest=source.digest,
        judgments_digest=file_digest(judgments) if judgments is not None else None,
        config=config.model_dump(),
        report=report,
        published=published,
    )
    (path / "shelfwise_manifest.json").write_text(json.dumps(artifact.model_dump(), indent=2))
    if published:
        registry.publish(version)
        log(
            f"published document student {version} ({len(report.layers_kept)} layers): the next index "
            "build encodes the catalog with it; retrain learned fusion (`train fusion`) for its vectors"
        )
    else:
        log(
            f"document student {version} is too far from the encoder (held-out cosine "
            f"{report.held_out_cosine_after:.4f}, vector NDCG@10 {report.vector_ndcg10_student} against "
            f"{report.vector_ndcg10_teacher}); kept, not made active"
        )
    return artifact


def _student_pool(
    catalog: Mapping[str, Product], graded: Judgments, config: DocumentStudentConfig
) -> list[tuple[str, str]]:
    """The (id, text) pool the student's vector ranking is judged on: `max_texts` products
    drawn at random, and every judged one."""
    judged = {pid for qid in graded.query_ids for pid in graded.grades[qid]}
    ids = sorted(catalog)
    drawn = set(random.Random(config.seed).sample(ids, min(config.max_texts, len(ids))))
    drawn |= judged & set(ids)
    return [(pid, catalog[pid].text()) for pid in sorted(drawn)]
