"""Recommendations served from a trained recommender and the live event log.

A request reads the shopper's latest events from the event store, so an event recorded a moment
ago changes the next answer without retraining. Business rules (no product the shopper already
bought or has in the history, in stock only, unknown products ignored) and diversity apply after
ranking: maximal marginal relevance over the items' title vectors (`RecommendServingConfig.mmr_lambda`)
re-orders the eligible candidates, then a cap per category (which never leaves a list short:
items it held back fill the places left); with `RecommendServingConfig.exposure` on, the
exposure policy (`recommend/exposure.py`) then picks the list from deeper candidates, bounding
the most popular products' places and keeping places for the long tail and new products; every
item carries a human-readable reason.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shelfwise.artifact_files import check_digests, folder_digests
from shelfwise.config import ExposureConfig, RecommendServingConfig
from shelfwise.index import IndexVersions
from shelfwise.index.artifacts import utc_now_iso
from shelfwise.recommend.artifact import RETRAIN, ArtifactError, read_manifest, write_manifest
from shelfwise.recommend.channel import ItemInfo, TrainingData
from shelfwise.recommend.cooccurrence import CooccurrenceChannel, CooccurrenceConfig
from shelfwise.recommend.diversity import mmr_order
from shelfwise.recommend.exposure import popularity_tiers
from shelfwise.recommend.exposure_ledger import ExposureLedger, budgeted_pick, new_ledger
from shelfwise.recommend.interactions import PURCHASE_TYPES, actor_sequences, product_sequence
from shelfwise.recommend.reasons import Reason
from shelfwise.recommend.recommender import FitReport, Recommender, RecommenderTrainingConfig
from shelfwise.recommend.sequential import SequentialFit
from shelfwise.records import Event, Product

Log = Callable[[str], None]
FORMAT = "shelfwise-recommender/1"
ITEMS_FILE = "items.json"
PICKLED_FILE = "recommender.pkl"  # what versions before the folder format wrote; never read


@dataclass(frozen=True)
class Recommended:
    product: Product
    score: float
    reason: str
    reason_kind: str
    anchor_id: str | None

    @property
    def product_id(self) -> str:
        return self.product.product_id


def recommender_registry(data_dir: Path) -> IndexVersions:
    return IndexVersions(data_dir / "models" / "recommender")


def products_of(catalog: Mapping[str, Product], product_ids: Sequence[str]) -> dict[str, Product]:
    """The catalog's products among `product_ids`, read in one call where the catalog can (a
    store view's `get_many`), else one by one."""
    get_many = getattr(catalog, "get_many", None)
    if get_many is not None:
        found: dict[str, Product] = get_many(product_ids)
        return found
    return {pid: product for pid in product_ids if (product := catalog.get(pid)) is not None}


def _reason_text(
    reason: Reason | None, titles: Mapping[str, str], ids: Sequence[str], info: Mapping[str, ItemInfo]
) -> str:
    if reason is None:
        return "recommended for you"
    anchor = None if reason.anchor is None else titles.get(ids[reason.anchor], ids[reason.anchor])
    if reason.kind == "bought_with" and anchor:
        return f"often bought with {anchor}"
    if reason.kind in ("after", "als", "graph_walk") and anchor:
        return f"because you viewed {anchor}"
    if reason.kind in ("similar_to", "same_brand", "same_category", "viewed_with") and anchor:
        return f"similar to {anchor}"
    if reason.kind in ("popular", "trending"):
        return "trending this week" if reason.kind == "trending" else "popular with shoppers"
    return "recommended for you"


class LiveRecommender:
    """A fitted Recommender plus what serving needs: item ids, titles, categories, and a
    purchase co-occurrence channel for 'bought together'."""

    def __init__(
        self,
        recommender: Recommender,
        item_ids: tuple[str, ...],
        titles: dict[str, str],
        info: dict[str, ItemInfo],
        bought_together: CooccurrenceChannel,
        version: str = "",
    ) -> None:
        self.recommender = recommender
        self.item_ids = item_ids
        self.index = {item: i for i, item in enumerate(item_ids)}
        self.titles = titles
        self.info = info
        self.bought_together = bought_together
        self.version = version
        self._exposure_tiers: dict[tuple[float, float], np.ndarray] = {}
        self._exposure_ledgers: dict[tuple[int, int], ExposureLedger] = {}

    # ----- training and artifacts -----------------------------------------------------------------

    @classmethod
    def train(
        cls,
        products: Sequence[Product],
        events: Sequence[Event],
        item_vectors: np.ndarray | None,
        config: RecommenderTrainingConfig | None = None,
        log: Log | None = None,
        sequential_fit: SequentialFit | None = None,
    ) -> tuple[LiveRecommender, FitReport]:
        """Fit on every actor's interaction sequence; every catalog product is an item (those
        with no events are reached through text similarity)."""
        item_ids = tuple(p.product_id for p in products)
        index = {item: i for i, item in enumerate(item_ids)}
        info = {p.product_id: ItemInfo(brand=p.brand, category=p.category_path) for p in products}
        sequences = [
            np.array([index[i] for i in seq if i in index], dtype=np.int64)
            for seq in actor_sequences(events).values()
        ]
        data = TrainingData(item_ids, [s for s in sequences if len(s)], None, item_vectors, info)
        recommender = Recommender(config, sequential_fit)
        report = recommender.fit(data, log)
        purchases = [
            np.array([index[i] for i in seq if i in index], dtype=np.int64)
            for seq in actor_sequences(events, PURCHASE_TYPES).values()
        ]
        together = CooccurrenceChannel(CooccurrenceConfig(history_length=1, backward_weight=1.0))
        together.fit(TrainingData(item_ids, purchases))
        return cls(recommender, item_ids, {p.product_id: p.title for p in products}, info, together), report

    def save(self, path: Path, manifest: Mapping[str, object]) -> None:
        """A folder (no pickle): the fitted recommender's folder, the 'bought together'
        channel's, items.json (ids, titles, catalog facts) and, last, manifest.json: the format,
        sizes, every file's sha256 and the caller's `manifest` (version, training facts)."""
        path.mkdir(parents=True, exist_ok=True)
        self.recommender.save(path / "recommender")
        self.bought_together.save(path / "bought_together")
        items = {"item_ids": list(self.item_ids), "titles": self.titles,
                 "info": {item: dataclasses.asdict(info) for item, info in self.info.items()}}  # fmt: skip
        (path / ITEMS_FILE).write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        channels = [c.name for c in self.recommender.channels]
        body = {"format": FORMAT, "created_at": utc_now_iso(), **manifest,
                "sizes": {"items": len(self.item_ids), "channels": channels},
                "files": folder_digests(path, skip=("manifest.json",))}  # fmt: skip
        write_manifest(path, body)

    @classmethod
    def load(cls, path: Path) -> LiveRecommender:
        """The recommender `save` wrote in `path`. ArtifactError (a LookupError: served as 'no
        recommender') for a folder saved by an older version with pickle, which is never read,
        or for one whose files do not match their manifest."""
        if (path / PICKLED_FILE).exists():
            raise ArtifactError(
                f"{path} holds a recommender saved with pickle by an older version of Shelfwise, "
                f"which this version does not read; {RETRAIN}"
            )
        manifest = read_manifest(path, FORMAT)
        try:
            check_digests(path, manifest["files"])
        except ValueError as error:
            raise ArtifactError(f"{error}; {RETRAIN}") from error
        items = json.loads((path / ITEMS_FILE).read_text(encoding="utf-8"))
        info = {
            item: ItemInfo(
                brand=facts["brand"], category=facts["category"],
                also_bought=tuple(facts["also_bought"]), also_viewed=tuple(facts["also_viewed"]),
            )
            for item, facts in items["info"].items()
        }  # fmt: skip
        return cls(
            Recommender.load(path / "recommender"), tuple(items["item_ids"]), items["titles"], info,
            CooccurrenceChannel.load(path / "bought_together"), path.name,
        )  # fmt: skip

    # ----- serving ----------------------------------------------------------------------------------

    def history_of(self, events: Sequence[Event]) -> np.ndarray:
        return np.array([self.index[i] for i in product_sequence(events) if i in self.index], dtype=np.int64)

    def for_history(
        self,
        history: np.ndarray,
        k: int,
        catalog: Mapping[str, Product],
        config: RecommendServingConfig,
        exclude: set[str] = frozenset(),  # type: ignore[assignment]
        explore_key: str = "",
    ) -> list[Recommended]:
        """The k best items after `history` (its items and `exclude` left out), in stock and at
        most `category_cap` per category (unless the list would be short without more), each
        with its reason; `explore_key` seeds the exposure policy's exploring places (the
        shopper, for instance) together with the history."""
        depth = config.exposure.depth if config.exposure.enabled else 4
        items, scores, ranks = self.recommender.recommend_one(history, k * depth + len(exclude))
        channel_ranks = {int(item): row for item, row in zip(items, ranks, strict=True)}
        ranked = [(int(i), float(s)) for i, s in zip(items, scores, strict=True)]
        key = f"{explore_key}|{history.tobytes().hex()}|{k}"
        return self._finish(history, ranked, k, catalog, config, exclude, channel_ranks=channel_ranks,
                            explore_key=key)  # fmt: skip

    def channel_candidates(self, history: np.ndarray, depth: int) -> dict[str, list[tuple[str, float]]]:
        """Each recall channel's own `depth` best items after `history` (product ids and the
        channel's scores, best first), before fusion, rules and diversity: what each channel
        would have proposed."""
        out: dict[str, list[tuple[str, float]]] = {}
        for channel in self.recommender.channels:
            found = channel.recall([np.asarray(history, dtype=np.int64)], depth)
            out[channel.name] = [
                (self.item_ids[int(i)], float(s))
                for i, s in zip(found.items[0], found.scores[0], strict=True)
                if i >= 0
            ]
        return out

    def similar_items(
        self, product_id: str, k: int, catalog: Mapping[str, Product], config: RecommendServingConfig
    ) -> list[Recommended]:
        if product_id not in self.index:
            return []
        return self.for_history(np.array([self.index[product_id]]), k, catalog, config)

    def bought_with(
        self, product_id: str, k: int, catalog: Mapping[str, Product], config: RecommendServingConfig
    ) -> list[Recommended]:
        """Items carted or bought in the same visits as the product; when purchases are too
        sparse to fill the list, similar items follow (with their own reasons)."""
        if product_id not in self.index:
            return []
        anchor = self.index[product_id]
        scores = self.bought_together.score([np.array([anchor])])[0]
        scores[anchor] = 0
        order = [int(i) for i in np.argsort(-scores, kind="stable")[: k * 4] if scores[i] > 0]
        ranked = [(i, float(scores[i])) for i in order]
        together = self._finish(
            np.array([anchor]), ranked, k, catalog, config, set(), reason=Reason("bought_with", anchor)
        )
        if len(together) < k:
            taken = {r.product_id for r in together}
            together += self.for_history(np.array([anchor]), k - len(together), catalog, config, taken)
        return together

    def _finish(
        self,
        history: np.ndarray,
        ranked: Sequence[tuple[int, float]],
        k: int,
        catalog: Mapping[str, Product],
        config: RecommendServingConfig,
        exclude: set[str],
        reason: Reason | None = None,
        channel_ranks: Mapping[int, np.ndarray] | None = None,
        explore_key: str = "",
    ) -> list[Recommended]:
        seen = set(history.tolist())
        wanted = [(i, score) for i, score in ranked if i not in seen and self.item_ids[i] not in exclude]
        products = products_of(catalog, [self.item_ids[item] for item, _ in wanted])
        eligible: list[tuple[int, float, Product]] = []
        for item, score in wanted:
            product = products.get(self.item_ids[item])
            if product is None:
                continue
            if config.in_stock_only and not product.in_stock:
                continue
            eligible.append((item, score, product))
        ordered = _category_capped(self._diversified(eligible, config.mmr_lambda), config.category_cap)
        if config.exposure.enabled:
            policy = config.exposure
            if len(history) == 0 and policy.explore_without_history > policy.explore_share:
                # nothing personal to keep
                policy = policy.model_copy(update={"explore_share": policy.explore_without_history})
            items = [item for item, _, _ in ordered]
            picked = budgeted_pick(items, self._tiers(policy), k, policy, explore_key, self._ledger(policy))
            chosen = [ordered[p] for p in picked]
        else:
            chosen = ordered[:k]
        out: list[Recommended] = []
        for item, score, product in chosen:
            why = reason or self._reason(history, item, (channel_ranks or {}).get(item))
            anchor = None if why is None or why.anchor is None else self.item_ids[why.anchor]
            out.append(
                Recommended(
                    product, score, _reason_text(why, self.titles, self.item_ids, self.info),
                    "personal" if why is None else why.kind, anchor,
                )
            )  # fmt: skip
        return out

    def _ledger(self, config: ExposureConfig) -> ExposureLedger | None:
        """The exposure budget's ledger of this recommender's lists (None with the budget off)."""
        key = (config.budget_half_life, config.budget_warmup)
        ledger = self._exposure_ledgers.get(key)
        if ledger is None:
            ledger = new_ledger(config, len(self.item_ids))
            if ledger is not None:
                ledger = self._exposure_ledgers.setdefault(key, ledger)
        return ledger

    def _tiers(self, config: ExposureConfig) -> np.ndarray:
        """Every item's popularity tier under `config` (computed once per head and tail bounds)."""
        key = (config.head_fraction, config.tail_start)
        tiers = self._exposure_tiers.get(key)
        if tiers is None:
            builder = self.recommender.builder
            counts = np.zeros(len(self.item_ids)) if builder is None else builder.item_counts
            tiers = self._exposure_tiers[key] = popularity_tiers(counts, config)
        return tiers

    def _diversified(
        self, eligible: list[tuple[int, float, Product]], lam: float
    ) -> list[tuple[int, float, Product]]:
        """The eligible candidates in maximal-marginal-relevance order (as they are at lam = 1 or
        without title vectors)."""
        builder = self.recommender.builder
        vectors = None if builder is None else builder.item_vectors
        if lam >= 1.0 or vectors is None or len(eligible) < 2:
            return eligible
        order = mmr_order(vectors[[item for item, _, _ in eligible]], len(eligible), lam)
        return [eligible[i] for i in order]

    def _reason(self, history: np.ndarray, item: int, ranks: np.ndarray | None) -> Reason | None:
        """The reason of the channel that ranks the item best among those that can say why."""
        builder = self.recommender.builder
        if ranks is None or builder is None:
            return None
        best: tuple[int, Reason] | None = None
        for channel, rank in zip(builder.channels, ranks, strict=True):
            if rank >= builder.depth:
                continue
            why = channel.reason(history, item)
            if why is not None and (best is None or rank < best[0]):
                best = (int(rank), why)
        return None if best is None else best[1]


def _category_capped(
    eligible: list[tuple[int, float, Product]], cap: int
) -> list[tuple[int, float, Product]]:
    """The candidates with at most `cap` of one category first (in their order), then the ones
    held back: the cap spreads a list over categories but must not leave it short."""
    per_category: Counter[str] = Counter()
    within: list[tuple[int, float, Product]] = []
    held_back: list[tuple[int, float, Product]] = []
    for candidate in eligible:
        category = candidate[2].category_path
        if category and per_category[category] >= cap:
            held_back.append(candidate)
            continue
        per_category[category] += 1
        within.append(candidate)
    return within + held_back


def active_recommender(data_dir: Path) -> LiveRecommender | None:
    current = recommender_registry(data_dir).current()
    return None if current is None else LiveRecommender.load(current[1])
