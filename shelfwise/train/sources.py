"""What the training jobs learn from: the products of a products file (the benchmark path:
`shelfwise train encoder --products X --judgments Y`) or, without one, of the shop's catalog store
(`ShopData.store`: SQLite or PostgreSQL by URL), and the class labels a judgments file may carry."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shelfwise.evaluate.tables import FormatError, file_digest, iter_tsv, product_from_row, read_products_tsv
from shelfwise.records import Product
from shelfwise.shop_data import ShopData


class EmptyCatalogError(ValueError):
    """No products file was given and the shop's catalog holds no product."""


@dataclass(frozen=True)
class TrainingProducts:
    """The products a job trains on, by id; `digest` names their version in the artifact's
    manifest (a file's digest, or `catalog:` and a digest of the catalog's ids and texts)."""

    catalog: dict[str, Product]
    digest: str
    source: str


def training_products(
    data: ShopData, products: Path | None, columns: Mapping[str, str] | None = None
) -> TrainingProducts:
    """The products of `products` when given, else every product of the shop's catalog store;
    `EmptyCatalogError` when the catalog is empty (nothing to train on)."""
    if products is not None:
        rows = read_products_tsv(products, columns)
        return TrainingProducts({r.product_id: product_from_row(r) for r in rows}, file_digest(products),
                                str(products))  # fmt: skip
    catalog = {p.product_id: p for p in data.store.iter_products()}
    if not catalog:
        raise EmptyCatalogError("the shop's catalog is empty: ingest products first, or pass --products")
    return TrainingProducts(catalog, catalog_digest(catalog.values()), "the shop's catalog")


def catalog_digest(products: Iterable[Product]) -> str:
    """`catalog:` and the first 16 hex digits of the SHA-256 of the products' ids and texts (in
    id order): the same catalog has the same digest on every backend."""
    digest = hashlib.sha256()
    for product in sorted(products, key=lambda p: p.product_id):
        digest.update(f"{product.product_id}\t{product.text()}\n".encode())
    return "catalog:" + digest.hexdigest()[:16]


LABEL_ALIASES = {
    "e": "exact",
    "exact": "exact",
    "s": "substitute",
    "substitute": "substitute",
    "c": "complement",
    "complement": "complement",
    "i": "irrelevant",
    "irrelevant": "irrelevant",
}


def read_relevance_labels(path: Path, columns: Mapping[str, str] | None = None) -> dict[tuple[str, str], str]:
    """Class labels from an optional `label` column (E/S/C/I or exact/substitute/complement/
    irrelevant); empty when the file has none. Unknown labels are errors naming the line."""
    labels: dict[tuple[str, str], str] = {}
    for row in iter_tsv(path, ("query_id", "product_id"), _id_columns(columns), keep_extra=True):
        raw = row.fields.get(dict(columns or {}).get("label", "label"))
        if raw is None:
            return {}
        if not raw:
            continue
        label = LABEL_ALIASES.get(raw.strip().lower())
        if label is None:
            raise FormatError(
                path,
                row.line,
                f"label {raw!r} is not one of E, S, C, I (exact, substitute, complement, irrelevant)",
            )
        labels[row.fields["query_id"], row.fields["product_id"]] = label
    return labels


def _id_columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (columns or {}).items() if k in ("query_id", "product_id")}
