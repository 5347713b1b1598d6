"""The shopper simulator's view of a catalog: per-product numpy arrays and per-category members.

`ShopCatalog.build` turns products into arrays once (category, brand, colour family, material,
price quantile within the category, rating, a Zipf-like popularity, latent taste factors), so
that each simulated session only indexes arrays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from shelfwise.demo.catalog import DEPARTMENTS
from shelfwise.demo.vocab_zh import DEPARTMENTS_ZH
from shelfwise.records import CATEGORY_SEPARATOR, Product

TASTE_DIMENSIONS: Final = 8
BASIC_COLOURS: Final = frozenset(
    [
        "black",
        "white",
        "gray",
        "grey",
        "red",
        "blue",
        "green",
        "pink",
        "yellow",
        "orange",
        "purple",
        "brown",
        "beige",
        "silver",
        "gold",
        "tan",
        "cream",
        "ivory",
        "navy",
        "teal",
        "khaki",
    ]
)

# Directed complements over the demo departments: after buying in the first category, shoppers
# often buy in the second one next.
DEMO_COMPLEMENTS: Final[tuple[tuple[str, str], ...]] = (
    ("Electronics > Computers & Tablets > Laptops", "Electronics > Computer Accessories > Keyboards & Mice"),
    (
        "Electronics > Computer Accessories > Monitors",
        "Electronics > Computer Accessories > Keyboards & Mice",
    ),
    ("Electronics > Computers & Tablets > Tablets", "Electronics > Phone Accessories > Chargers & Power"),
    ("Electronics > Wearables > Smartwatches", "Electronics > Phone Accessories > Chargers & Power"),
    ("Electronics > Television & Video > Televisions", "Electronics > Audio > Bluetooth Speakers"),
    ("Electronics > Cameras > Action Cameras", "Sports & Outdoors > Cycling > Bike Accessories"),
    ("Clothing > Men > Shirts", "Clothing > Men > Pants & Jeans"),
    ("Clothing > Women > Dresses", "Clothing > Accessories > Bags & Wallets"),
    ("Clothing > Outerwear > Jackets & Coats", "Clothing > Accessories > Hats & Scarves"),
    ("Home & Kitchen > Kitchen & Dining > Coffee & Tea", "Grocery > Beverages > Coffee"),
    ("Home & Kitchen > Kitchen & Dining > Cookware", "Grocery > Pantry Staples > Oils & Vinegars"),
    ("Home & Kitchen > Kitchen & Dining > Pots & Dutch Ovens", "Books > Nonfiction > Cooking"),
    ("Home & Kitchen > Bedding > Sheets & Duvet Covers", "Home & Kitchen > Bedding > Comforters & Pillows"),
    ("Sports & Outdoors > Camping & Hiking > Tents", "Sports & Outdoors > Camping & Hiking > Sleeping Bags"),
    ("Sports & Outdoors > Fitness > Strength Training", "Grocery > Snacks > Snack Bars"),
    ("Pet Supplies > Dogs > Dog Food", "Pet Supplies > Dogs > Dog Toys"),
    ("Pet Supplies > Cats > Cat Food", "Pet Supplies > Cats > Litter"),
    ("Pet Supplies > Dogs > Beds & Crates", "Pet Supplies > Dogs > Collars & Leashes"),
    (
        "Tools & Home Improvement > Power Tools > Drills & Drivers",
        "Tools & Home Improvement > Storage > Tool Storage",
    ),
    (
        "Tools & Home Improvement > Paint > Painting Supplies",
        "Tools & Home Improvement > Safety > Protective Gear",
    ),
    (
        "Tools & Home Improvement > Lighting & Electrical > Smart Home",
        "Tools & Home Improvement > Lighting & Electrical > LED Bulbs",
    ),
    ("Beauty & Personal Care > Skin Care > Cleansers", "Beauty & Personal Care > Skin Care > Moisturizers"),
    (
        "Beauty & Personal Care > Hair Care > Shampoo & Conditioner",
        "Beauty & Personal Care > Hair Care > Hair Tools",
    ),
    ("Toys & Games > Games > Board Games", "Toys & Games > Puzzles > Jigsaw Puzzles"),
    ("Books > Children's Books > Picture Books", "Toys & Games > Stuffed Animals > Plush Toys"),
)
_DEMO_NOUNS: Final[dict[tuple[str, ...], tuple[str, ...]]] = {
    (department.name, *kind.path): kind.nouns
    for department in DEPARTMENTS + DEPARTMENTS_ZH
    for kind in department.kinds
}
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class ShopCatalog:
    """Arrays indexed by product position; `members[c]` are the positions in category `c`."""

    ids: tuple[str, ...]
    titles: tuple[str, ...]  # lowercased
    title_words: tuple[frozenset[str], ...]
    nouns: tuple[str, ...]  # what a shopper calls the product: a demo noun found in the title, or the leaf
    categories: tuple[str, ...]  # category paths, "A > B > C"
    departments: tuple[str, ...]
    brands: tuple[str, ...]
    colours: tuple[str, ...]  # colour families: "blue" for Navy Blue
    materials: tuple[str, ...]
    category: np.ndarray  # int, index into categories
    department: np.ndarray  # int, per category: index into departments
    department_brands: tuple[np.ndarray, ...]  # per department: the brands of its products
    brand: np.ndarray  # int, index into brands; len(brands) when none
    colour: np.ndarray  # int, index into colours; len(colours) when none
    colour_text: np.ndarray  # str: the product's colour as written, lowercased, or ""
    material: np.ndarray  # int, index into materials; len(materials) when none
    price: np.ndarray  # float, NaN when unknown
    price_q: np.ndarray  # price quantile within its category, 0 (cheapest) .. 1
    rating_z: np.ndarray  # standardized rating, 0 when unrated
    popularity: np.ndarray  # log of a Zipf-like popularity, 0 for the bestseller
    in_stock: np.ndarray  # bool
    taste: np.ndarray  # (n, TASTE_DIMENSIONS) latent factors
    members: tuple[np.ndarray, ...]
    slot: np.ndarray  # int: each product's position in its category's members
    sorted_prices: tuple[np.ndarray, ...]  # per category, its known prices in order
    colour_counts: np.ndarray  # (categories, colours + 1): products per colour family, `none` last
    material_counts: np.ndarray  # (categories, materials + 1)
    language: str = "en"  # "zh" when most titles hold Chinese characters: shoppers then type Chinese
    _matches: dict[tuple[int, str], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.ids)

    @staticmethod
    def build(products: list[Product] | tuple[Product, ...], rng: np.random.Generator) -> ShopCatalog:
        if not products:
            raise ValueError("the shopper simulator needs at least one product")
        categories, category = _codes([p.category_path or "Uncategorized" for p in products])
        departments, department = _codes([path.split(CATEGORY_SEPARATOR)[0] for path in categories])
        brands, brand = _codes([p.brand.strip() for p in products])
        colour_text = [p.attributes.get("color", "").strip().lower() for p in products]
        colours, colour = _codes([_colour_family(text) for text in colour_text])
        materials, material = _codes([p.attributes.get("material", "").strip().lower() for p in products])
        members = tuple(np.flatnonzero(category == c) for c in range(len(categories)))
        slot = np.empty(len(products), dtype=int)
        for idx in members:
            slot[idx] = np.arange(idx.size)
        department_brands = tuple(
            np.unique(brand[(department[category] == d) & (brand < len(brands))])
            for d in range(len(departments))
        )
        price = np.array([np.nan if p.price is None else p.price for p in products], dtype=float)
        rating = np.array([np.nan if p.rating is None else p.rating for p in products], dtype=float)
        rating_z = _standardized(rating)
        return ShopCatalog(
            ids=tuple(p.product_id for p in products),
            titles=tuple(p.title.lower() for p in products),
            title_words=tuple(frozenset(_WORD.findall(p.title.lower())) for p in products),
            nouns=tuple(_noun(p) for p in products),
            categories=categories,
            departments=departments,
            brands=brands,
            colours=colours,
            materials=materials,
            category=category,
            department=department,
            department_brands=department_brands,
            brand=brand,
            colour=colour,
            colour_text=np.array(colour_text, dtype=str),
            material=material,
            price=price,
            price_q=_price_quantiles(price, members),
            rating_z=rating_z,
            popularity=_zipf_popularity(rating_z, rng),
            in_stock=np.array([p.in_stock for p in products], dtype=bool),
            taste=rng.normal(0.0, 1.0, (len(products), TASTE_DIMENSIONS)),
            members=members,
            slot=slot,
            sorted_prices=tuple(np.sort(price[idx][~np.isnan(price[idx])]) for idx in members),
            colour_counts=np.array([np.bincount(colour[idx], minlength=len(colours) + 1) for idx in members]),
            material_counts=np.array(
                [np.bincount(material[idx], minlength=len(materials) + 1) for idx in members]
            ),
            language="zh" if 2 * sum(bool(_CJK.search(p.title)) for p in products) > len(products) else "en",
        )

    def complements(self, pairs: tuple[tuple[str, str], ...]) -> dict[int, tuple[int, ...]]:
        """Category index -> the indexes of its complements, for the pairs whose both ends exist."""
        index = {path: i for i, path in enumerate(self.categories)}
        out: dict[int, list[int]] = {}
        for first, second in pairs:
            if first in index and second in index and first != second:
                out.setdefault(index[first], []).append(index[second])
        return {key: tuple(values) for key, values in out.items()}

    def price_at(self, category: int, quantile: float) -> float | None:
        """The price at `quantile` of the category's known prices (linear interpolation)."""
        prices = self.sorted_prices[category]
        if not prices.size:
            return None
        at = min(1.0, max(0.0, quantile)) * (prices.size - 1)
        below = int(at)
        above = min(below + 1, prices.size - 1)
        return float(prices[below] + (at - below) * (prices[above] - prices[below]))

    def word_match(self, category: int, words: str) -> np.ndarray:
        """Per member of `category`: the share of `words` found in its title (memoized); a word
        with Chinese characters is found anywhere in the title (Chinese has no spaces)."""
        key = (category, words)
        if key not in self._matches:
            wanted = set(words.split())
            chinese = {w for w in wanted if _CJK.search(w)}
            self._matches[key] = np.array(
                [
                    len((wanted - chinese) & self.title_words[p]) + sum(w in self.titles[p] for w in chinese)
                    for p in self.members[category]
                ],
                dtype=float,
            ) / max(1, len(wanted))
        return self._matches[key]


def _codes(values: list[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Distinct non-empty values (sorted) and each value's index; empty -> len(distinct)."""
    distinct = tuple(sorted({v for v in values if v}))
    position = {v: i for i, v in enumerate(distinct)}
    return distinct, np.array([position.get(v, len(distinct)) for v in values], dtype=int)


def _colour_family(text: str) -> str:
    words = text.split()
    basic = [w for w in words if w in BASIC_COLOURS]
    family = basic[-1] if basic else (words[-1] if words else "")
    return "gray" if family == "grey" else family


def _noun(product: Product) -> str:
    title = product.title.lower()
    for noun in _DEMO_NOUNS.get(product.category, ()):
        if noun.lower() in title:
            return noun.lower()
    leaf = product.category[-1] if product.category else product.title
    if _CJK.search(leaf):
        return leaf.lower()
    return " ".join(_WORD.findall(leaf.lower().replace("&", "and")))


def _standardized(values: np.ndarray) -> np.ndarray:
    known = values[~np.isnan(values)]
    if known.size < 2 or float(known.std()) == 0.0:
        return np.zeros_like(values)
    z = (values - known.mean()) / known.std()
    return np.nan_to_num(z, nan=0.0)


def _price_quantiles(price: np.ndarray, members: tuple[np.ndarray, ...]) -> np.ndarray:
    quantile = np.full(price.shape, 0.5)
    for idx in members:
        known = idx[~np.isnan(price[idx])]
        if known.size > 1:
            order = np.argsort(price[known], kind="stable")
            quantile[known[order]] = np.arange(known.size) / (known.size - 1)
    return quantile


def _zipf_popularity(rating_z: np.ndarray, rng: np.random.Generator, exponent: float = 1.0) -> np.ndarray:
    """Log popularity -exponent * log(rank): better-rated products tend to rank higher, by chance too."""
    order = np.argsort(-(0.8 * rating_z + rng.gumbel(0.0, 1.0, rating_z.size)), kind="stable")
    rank = np.empty(rating_z.size)
    rank[order] = np.arange(1, rating_z.size + 1)
    return -exponent * np.log(rank)
