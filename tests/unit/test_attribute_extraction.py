"""Attribute extraction from product text: rules with known answers, spaCy parts, filling products,
ingestion with an extractor, and a hand-checked sample of 40 real Home Depot titles.

The spaCy model is loaded once per module (`spacy_model`); extractors that need it share it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shelfwise.catalog.extract import (
    ALL_ATTRIBUTES,
    AttributeExtractor,
    ExtractedAttributes,
    ExtractedValue,
    ExtractionConfig,
    fill_missing,
    known_brands,
)
from shelfwise.catalog.extract_brands import learn_brands
from shelfwise.catalog.extract_measures import parse_number
from shelfwise.catalog.extract_nlp import SpacyModel
from shelfwise.catalog.ingest import ingest_feed, ingest_products
from shelfwise.records import Product
from shelfwise.store import MemoryStore

HD_PRODUCTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "homedepot" / "products.tsv"
RULE_CHECKED = (
    "color",
    "material",
    "dimensions",
    "width",
    "height",
    "length",
    "depth",
    "weight",
    "volume",
    "pack_size",
    "voltage",
    "wattage",
    "amperage",
)
Expected = dict[str, str | tuple[str, ...]]

# 40 Home Depot titles drawn at random (seed 4242) from products.tsv; the expected attributes were
# written by eye before the extractor was run on them. A name not listed is expected absent, so
# extracting it counts as an error ('100 lb' on a picture hanger is a load rating, not its weight).
# Tuples list acceptable alternatives. The first run scored 60 right and 5 wrong (60 of 68 found);
# four generic fixes it prompted ('Zinc-Plated' and 'Micro-Fiber' spellings, a specific material
# over 'Metal', '(70-Sheets)' counts) give today's 64 right, 3 wrong, so the sample is no longer blind.
KNOWN_HD: list[tuple[str, Expected]] = [
    (
        "KOHLER Purist 36 in. x 72 in. Heavy Semi-Framed Pivot Shower Door in Vibrant Brushed Nickel",
        {
            "brand": "KOHLER",
            "dimensions": "36 in x 72 in",
            "color": ("Vibrant Brushed Nickel", "Brushed Nickel"),
        },
    ),
    (
        "Lithonia Lighting 1-1/2 ft. x 4 ft. Wraparound Clear Prismatic Lens",
        {"brand": "Lithonia Lighting", "dimensions": "1-1/2 ft x 4 ft", "color": "Clear"},
    ),
    (
        "Pavestone Rumblestone 10.25 in. x 7 in. Cafe RumbleStone Trap Wall Block",
        {"brand": "Pavestone", "dimensions": "10.25 in x 7 in", "color": "Cafe"},
    ),
    ("Water Worker 2 gal. Pressurized Well Tank", {"brand": "Water Worker", "volume": "2 gal"}),
    (
        "QuietWarmth 3 ft. x 10 ft. x 0.016 in. 120-Volt Radiant Heat Film for Floating Floors "
        "(Covers 30 sq. ft.)",
        {"brand": "QuietWarmth", "dimensions": "3 ft x 10 ft x 0.016 in", "voltage": "120V"},
    ),
    ("Makita 18-Volt LXT Lithium-Ion Combo Kit (2-Tool)", {"brand": "Makita", "voltage": "18V"}),
    (
        "South Shore Furniture Freeport Printer Stand in Chocolate",
        {"brand": ("South Shore", "South Shore Furniture"), "color": "Chocolate"},
    ),
    (
        "MOEN Vestige Single-Handle Posi-Temp Shower Only with Showerhead Not Included in Chrome "
        "(Valve Not Included)",
        {"brand": "MOEN", "color": "Chrome"},
    ),
    (
        "Senco #8 x 2 in. Coarse Galvanized Square Decking to Wood DuraSpin Collated Screw (1000-Pack)",
        {"brand": "Senco", "dimensions": "2 in", "pack_size": "1000"},
    ),
    (
        "Atlas Homewares 5.04 in. White Gloss Thin Square Cabinet Pull",
        {"brand": "Atlas Homewares", "dimensions": "5.04 in", "color": "White"},
    ),
    ("Replacement Pressure Switch for Husky Air Compressor", {}),
    ("Feit Electric 4 ft. 2-Light LED Utility Shop Light", {"brand": "Feit Electric", "dimensions": "4 ft"}),
    (
        "interDesign Poly Extra-Long Waterproof Shower Curtain Liner in White",
        {"brand": "interDesign", "color": "White", "material": ("Poly", "Polyester")},
    ),
    (
        "Heath Zenith 360\u00e5\u00a1 Square White Motion Sensing Outdoor Ceiling Light",
        {"brand": "Heath Zenith", "color": "White"},
    ),
    (
        "LG Electronics 6.3 cu. ft. Single Oven Electric Range with Self-Cleaning Convection Oven in Black "
        "Stainless Steel",
        {"brand": ("LG Electronics", "LG"), "volume": "6.3 cu ft", "color": "Black Stainless Steel"},
    ),
    ("GE 4 ft. 4-Prong 40 Amp Range Cord", {"brand": "GE", "dimensions": "4 ft", "amperage": "40A"}),
    (
        "Zoroufy 4.5 in. x 18 in. Wood Red Oak Natural Finish Base Board Diffuser",
        {
            "brand": "Zoroufy",
            "dimensions": "4.5 in x 18 in",
            "material": ("Red Oak", "Wood"),
            "color": "Natural",
        },
    ),
    (
        "BugZip Bed Bug Resistant Drawer Lining and Clothing Encasement (2-Pack)",
        {"brand": "BugZip", "pack_size": "2"},
    ),
    ("Rheem PROTECH Piezo Igniter Replacement Kit", {"brand": "Rheem"}),
    (
        "Cardell Salvo 15 in. W x 21 in. D x 90 in. H Linen Cabinet in Ebon Smoke",
        {
            "brand": "Cardell",
            "dimensions": "15 in W x 21 in D x 90 in H",
            "width": "15 in",
            "depth": "21 in",
            "height": "90 in",
            "color": "Ebon Smoke",
        },
    ),
    (
        "Backer-On #10 x 1-5/8 in. Zinc-Plated Steel Flat-Head Square Cement Board Screws (600-Pack)",
        {
            "brand": "Backer-On",
            "dimensions": "1-5/8 in",
            "material": ("Zinc-Plated Steel", "Steel"),
            "pack_size": "600",
        },
    ),
    ("Shark Micro-Fiber Cleaning Pads for Steam Pocket Mops", {"brand": "Shark", "material": "Microfiber"}),
    (
        "Pratt Retail Specialties 24 in. x 24 in. Packing Paper (70-Sheets)",
        {"brand": "Pratt Retail Specialties", "dimensions": "24 in x 24 in", "pack_size": "70"},
    ),
    (
        "Westbrass All Exposed Fully Finished Tip-Toe Bath Waste and Overflow, Polished Chrome",
        {"brand": "Westbrass", "color": "Polished Chrome"},
    ),
    ("Fiskars 28 in. X25 Splitting Axe", {"brand": "Fiskars", "dimensions": "28 in"}),
    (
        "TruAire 14 in. x 14 in. White 2-Column Return Air Grille",
        {"brand": "TruAire", "dimensions": "14 in x 14 in", "color": "White"},
    ),
    (
        "ClosetMaid 21 in. D x 7 in. H x 17 in. W Ventilated Wire Drawer",
        {
            "brand": "ClosetMaid",
            "dimensions": "21 in D x 7 in H x 17 in W",
            "depth": "21 in",
            "height": "7 in",
            "width": "17 in",
        },
    ),
    (
        "Design Element Moscony 72 in. W x 22 in. D Double Vanity in White with Marble Vanity Top "
        "in White Quartz and Matching Mirror in White",
        {
            "brand": "Design Element",
            "dimensions": "72 in W x 22 in D",
            "width": "72 in",
            "depth": "22 in",
            "color": "White",
            "material": "Marble",
        },
    ),
    (
        "Metal Sales 10 ft. Classic Rib Steel Roof Panel in Charcoal",
        {"brand": "Metal Sales", "dimensions": "10 ft", "material": "Steel", "color": "Charcoal"},
    ),
    (
        "Wyndham Collection Laura 5.58 ft. Center Drain Soaking Tub in White",
        {"brand": "Wyndham Collection", "dimensions": "5.58 ft", "color": "White"},
    ),
    ("Irradiant 9 ft. Warm White LED Rope Light Kit", {"brand": "Irradiant", "dimensions": "9 ft"}),
    (
        "Commercial Electric 60-Watt Indoor LED Warm White Tape Light Power Supply/Driver",
        {"brand": "Commercial Electric", "wattage": "60W"},
    ),
    (
        "Newhouse Lighting 10W Equivalent Soft White G4 Non Dimmable LED Light Bulb",
        {"brand": "Newhouse Lighting"},
    ),
    (
        "IT-tile 20-1/2 in. x 20-1/2 in. Coin Tan PVC Interlocking Multi-Purpose Flooring Tiles "
        "(23.25 sq. ft./case)",
        {
            "brand": "IT-tile",
            "dimensions": "20-1/2 in x 20-1/2 in",
            "color": ("Tan", "Coin Tan"),
            "material": "PVC",
        },
    ),
    ("OOK 100 lb. Professional Picture Hanger", {"brand": "OOK"}),
    (
        "Dr Infrared Heater Greenhouse 3,000-Watt Garage Workshop Portable Heater",
        {"brand": "Dr Infrared Heater", "wattage": "3000W"},
    ),
    ("Southwire 100 ft. 14-2 UF-B W/G Cable", {"brand": "Southwire", "dimensions": "100 ft"}),
    (
        "3M Clear Frame with Clear Lenses Indoor Safety Eyewear (4-Pack)",
        {"brand": "3M", "color": "Clear", "pack_size": "4"},
    ),
    (
        "Pratt Retail Specialties 1/2 in. x 6 ft. Polyethylene Pipe Insulation (330 lin. ft./Case)",
        {"brand": "Pratt Retail Specialties", "dimensions": "1/2 in x 6 ft", "material": "Polyethylene"},
    ),
    ("Ariens Traction Drive Belt for 2-Stage Gas Snow Blowers", {"brand": "Ariens"}),
]


def _norm(text: str) -> str:
    return re.sub(r"[\s\-]+", " ", text.lower()).strip()


def score_known(
    found: list[ExtractedAttributes], known: list[tuple[str, Expected]], names: tuple[str, ...]
) -> tuple[int, int, int]:
    """(correct, wrong, expected) over `names`: wrong = a different value or one not expected."""
    correct = wrong = expected = 0
    for (_, want), got in zip(known, found, strict=True):
        for name in names:
            raw = want.get(name)
            accepted = {_norm(v) for v in ((raw,) if isinstance(raw, str) else raw or ())}
            expected += bool(accepted)
            value = got.get(name)
            if value is not None:
                correct, wrong = (
                    (correct + 1, wrong) if _norm(value.value) in accepted else (correct, wrong + 1)
                )
    return correct, wrong, expected


@pytest.fixture(scope="module")
def spacy_model() -> SpacyModel:
    model = SpacyModel()
    model.get()
    return model


@pytest.fixture()
def rules() -> AttributeExtractor:
    return AttributeExtractor(ExtractionConfig(use_spacy=False))


def values(extractor: AttributeExtractor, title: str, description: str = "") -> dict[str, str]:
    return extractor.extract(title, description).as_dict()


# ----- rules: measures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Shower Base 30 in. x 60 in. Acrylic", {"dimensions": "30 in x 60 in"}),
        ("1/2 in. Copper Pipe Cap", {"dimensions": "1/2 in"}),
        ("Premium 2x4 Stud", {"dimensions": "2 x 4"}),
        ("Garden Hose 10 ft.", {"dimensions": "10 ft"}),
        ("Drill Bit 3.5 mm", {"dimensions": "3.5 mm"}),
        ('Cabinet 24" W x 36" H', {"dimensions": "24 in W x 36 in H", "width": "24 in", "height": "36 in"}),
        ("Rug 5x7 ft", {"dimensions": "5 ft x 7 ft"}),
        ("Board 1 in. x 6 in. x 8 ft.", {"dimensions": "1 in x 6 in x 8 ft"}),
        ("Jig Saw Blade 3 in. x 24-Teeth per in.", {"dimensions": "3 in"}),
        ("Sealant 12 oz", {"weight": "12 oz"}),
        ("Concrete Mix 80 lb.", {"weight": "80 lb"}),
        ("Deck Stain 5 gal.", {"volume": "5 gal"}),
        ("Microwave 1.9 cu. ft.", {"volume": "1.9 cu ft"}),
        ("Eau de Toilette, 1.7 fl oz", {"volume": "1.7 fl oz"}),
    ],
)
def test_measures(rules: AttributeExtractor, title: str, expected: dict[str, str]) -> None:
    found = values(rules, title)
    measured = {
        k: v for k, v in found.items() if k in ("dimensions", "width", "height", "depth", "weight", "volume")
    }
    assert measured == expected


def test_measures_are_structured(rules: AttributeExtractor) -> None:
    width = rules.extract('Vanity 1-1/2" W x 36" H').get("width")
    assert width is not None and (width.number, width.unit, width.source) == (1.5, "in", "rules")
    assert [parse_number(t) for t in ("1-1/2", "2 1/2", "3/8", "1,500", ".5")] == [
        1.5,
        2.5,
        0.375,
        1500.0,
        0.5,
    ]


def test_no_dimensions_from_counts_or_models(rules: AttributeExtractor) -> None:
    found = values(rules, "RIDGID X4 3-Light 2-Handle Faucet Model 1804")
    assert not {"dimensions", "weight", "volume"} & found.keys()


# ----- rules: pack sizes, electrical ratings -------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Light Bulb (8-Pack)", "8"),
        ("AA Batteries 2-pack", "2"),
        ("Coasters, pack of 6", "6"),
        ("Socket Set (3-Piece)", "3"),
        ("Patio Chairs, Set of 4", "4"),
        ("Trash Bags 12 count", "12"),
        ("Wood Screws 100/Box", "100"),
        ("Pack of Twelve Coasters", "12"),
        ("Packing Paper (70-Sheets)", "70"),
        ("Two-Piece Elongated Toilet", None),
        ("4-Light Vanity Fixture", None),
    ],
)
def test_pack_size(rules: AttributeExtractor, title: str, expected: str | None) -> None:
    assert values(rules, title).get("pack_size") == expected


@pytest.mark.parametrize(
    ("title", "name", "expected"),
    [
        ("Cordless Drill 18-Volt", "voltage", "18V"),
        ("Hammer Drill 20V MAX", "voltage", "20V"),
        ("Bulb 60 watt", "wattage", "60W"),
        ("Heater 1,500-Watt", "wattage", "1500W"),
        ("Water Heater 4500/4500-Watt Elements", "wattage", "4500W"),
        ("LED Bulb 60W Equivalent Soft White", "wattage", None),
        ("Angle Grinder 15-Amp", "amperage", "15A"),
        ("Breaker 40 Amp", "amperage", "40A"),
    ],
)
def test_electrical(rules: AttributeExtractor, title: str, name: str, expected: str | None) -> None:
    assert values(rules, title).get(name) == expected


# ----- rules: colors and materials ---------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "color", "material"),
    [
        ("Bath Faucet in Oil Rubbed Bronze", "Oil Rubbed Bronze", None),
        ("Navy Blue Bath Towel", "Navy Blue", None),
        ("Cabinet Knob in Brushed Nickel", "Brushed Nickel", None),
        ("Microwave in Stainless Steel", "Stainless Steel", None),
        ("Stainless Steel Sink Strainer", None, "Stainless Steel"),
        ("Red Oak Stair Tread", None, "Red Oak"),
        ("Grey Cotton Throw", "Gray", "Cotton"),
        ("LED Bulb Soft White A19", None, None),
        ("BLACK+DECKER Drill Bit Set", None, None),
        ("Yellow Plastic Gate Handle", "Yellow", "Plastic"),
        ("Wood Stain for Decks", None, None),
        ("Brush for Wood Floors", None, None),
        ("1-Light Antique Bronze Pendant", "Antique Bronze", None),
        ("Metal Sales Rib Steel Roof Panel", None, "Steel"),
        ("Pipe Insulation, Polyethylene - White", "White", "Polyethylene"),
    ],
)
def test_color_and_material(
    rules: AttributeExtractor, title: str, color: str | None, material: str | None
) -> None:
    found = values(rules, title)
    assert (found.get("color"), found.get("material")) == (color, material)


def test_description_fills_what_the_title_lacks(rules: AttributeExtractor) -> None:
    found = rules.extract("Ceramic Coffee Mug", "A sturdy mug. Color: Navy Blue. Holds 12 oz of coffee.")
    color, material = found.get("color"), found.get("material")
    assert color is not None and color.value == "Navy Blue" and color.field == "description"
    assert material is not None and material.field == "title" and material.value == "Ceramic"
    assert color.confidence < 0.95  # description values count for less
    no_description = AttributeExtractor(ExtractionConfig(use_spacy=False, use_description=False))
    assert "color" not in no_description.extract("Ceramic Coffee Mug", "Color: Navy Blue.")


def test_html_entities_are_decoded(rules: AttributeExtractor) -> None:
    assert values(rules, "Knape &amp; Vogt 4 in. x 12 in. Shelf in White")["dimensions"] == "4 in x 12 in"


# ----- brands: gazetteer, learned gazetteer --------------------------------------------------


def test_gazetteer_brand_is_matched_at_the_start() -> None:
    extractor = AttributeExtractor(ExtractionConfig(use_spacy=False, brands=("Hampton Bay", "Milwaukee")))
    brand = extractor.extract("hampton bay 3-Light Brushed Nickel Vanity").get("brand")
    assert brand is not None and (brand.value, brand.source, brand.confidence) == (
        "Hampton Bay",
        "rules",
        0.95,
    )
    assert extractor.extract("Replacement Blade for Milwaukee Saw").get("brand") is None
    assert "brand" not in AttributeExtractor(ExtractionConfig(use_spacy=False)).extract("Hampton Bay Fan")


def test_brand_words_are_not_taken_for_colors() -> None:
    extractor = AttributeExtractor(ExtractionConfig(use_spacy=False, brands=("Blue Ribbon", "Red Devil")))
    found = values(extractor, "Red Devil Caulk Gun in Black")
    assert (found["brand"], found["color"]) == ("Red Devil", "Black")


def test_learn_brands_grows_a_brand_only_when_its_titles_agree() -> None:
    titles = [
        "Hampton Bay Fan",
        "Hampton Bay Lamp",
        "Hampton Bay Chair",
        "Hampton Bay Rug",
        "Milwaukee M18 Drill",
        "Milwaukee M12 Saw",
        "Milwaukee Hammer",
        "Milwaukee 2 in. Bit",
        "Lonely Brand Widget",
    ]
    assert learn_brands(titles, min_count=3) == ("Hampton Bay", "Milwaukee")


def test_known_brands_skips_extracted_ones() -> None:
    products = [
        Product(product_id="1", title="a", brand="Acme"),
        Product(product_id="2", title="b", brand="acme"),
        Product(product_id="3", title="c", brand="Guess", attribute_sources={"brand": "spacy"}),
    ]
    assert known_brands(products) == ("Acme",)


# ----- configuration, filling products ---------------------------------------------------------


def test_config_rejects_unknown_attributes_and_limits_output(rules: AttributeExtractor) -> None:
    with pytest.raises(ValueError, match="unknown attributes"):
        ExtractionConfig(attributes=("colour",))
    only_color = AttributeExtractor(ExtractionConfig(use_spacy=False, attributes=("color",)))
    assert values(only_color, "Faucet 4 in. in Chrome (2-Pack)") == {"color": "Chrome"}
    strict = AttributeExtractor(ExtractionConfig(use_spacy=False, min_confidence=0.85))
    assert "color" not in strict.extract("White Shelf Bracket")  # 0.75: a color word, not in finish place
    assert values(strict, "Shelf Bracket in White")["color"] == "White"


def test_fill_missing_never_overrides_the_feed() -> None:
    product = Product(
        product_id="p1",
        title="Acme Mug",
        brand="Acme",
        attributes={"color": "Crimson"},
        attribute_sources={"size": "rules"},
    )
    found = ExtractedAttributes(
        values={
            "brand": ExtractedValue(value="Other", source="spacy", confidence=0.5),
            "color": ExtractedValue(value="Red", source="rules", confidence=0.9),
            "material": ExtractedValue(value="Ceramic", source="rules", confidence=0.8),
        }
    )
    filled = fill_missing(product, found)
    assert filled.brand == "Acme" and filled.attributes == {"color": "Crimson", "material": "Ceramic"}
    assert filled.attribute_sources == {"size": "rules", "material": "rules"}
    assert product.attributes == {"color": "Crimson"}  # the original is untouched
    unbranded = fill_missing(product.model_copy(update={"brand": ""}), found)
    assert unbranded.brand == "Other" and unbranded.attribute_sources["brand"] == "spacy"
    assert fill_missing(filled, ExtractedAttributes(values={"color": found.values["color"]})) is filled


def test_apply_many_matches_apply(rules: AttributeExtractor) -> None:
    products = [
        Product(product_id="1", title="Faucet in Chrome (2-Pack)"),
        Product(product_id="2", title="Oak Shelf 24 in.", attributes={"material": "Pine"}),
        Product(product_id="3", title="Plain Widget"),
    ]
    many = rules.apply_many(products, batch_size=2)
    assert many == [rules.apply(p) for p in products]
    assert many[0].attributes == {"color": "Chrome", "pack_size": "2"}
    assert many[1].attributes == {"material": "Pine", "dimensions": "24 in"}
    assert many[1].attribute_sources == {"dimensions": "rules"}
    assert many[2] is products[2]
    with pytest.raises(ValueError, match="descriptions"):
        rules.extract_texts(["a", "b"], ["only one"])


def test_spacy_is_not_loaded_when_not_needed(rules: AttributeExtractor) -> None:
    rules.extract("Faucet in Chrome")
    assert not rules.model.loaded
    lazy = AttributeExtractor()
    assert not lazy.model.loaded  # nothing is loaded before the first extraction


# ----- ingestion with an extractor ---------------------------------------------------------------


def test_ingest_products_fills_missing_attributes(rules: AttributeExtractor) -> None:
    store = MemoryStore()
    products = [
        Product(product_id="a", title="Faucet in Oil Rubbed Bronze", attributes={"color": "Bronze"}),
        Product(product_id="b", title="Copper Pipe 10 ft."),
    ]
    report = ingest_products(store, products, extractor=rules)
    assert report.inserted == 2
    a, b = store.get("a"), store.get("b")
    assert a is not None and a.attributes == {"color": "Bronze"} and a.attribute_sources == {}
    assert b is not None and b.attributes == {"material": "Copper", "dimensions": "10 ft"}
    assert b.attribute_sources == {"material": "rules", "dimensions": "rules"}
    again = ingest_products(store, products, extractor=rules)
    assert again.unchanged == 2  # the same extraction gives the same stored product


def test_ingest_feed_with_extractor(rules: AttributeExtractor, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "sku,name,attr_color\nA1,Shelf Bracket in White,\nA2,Mug in Red,Crimson\n", encoding="utf-8"
    )
    store = MemoryStore()
    report = ingest_feed(feed, store, extractor=rules)
    assert report.accepted == 2
    a1, a2 = store.get("A1"), store.get("A2")
    assert (
        a1 is not None and a1.attributes == {"color": "White"} and a1.attribute_sources == {"color": "rules"}
    )
    assert a2 is not None and a2.attributes == {"color": "Crimson"} and a2.attribute_sources == {}
    plain = MemoryStore()
    ingest_feed(feed, plain)
    first = plain.get("A1")
    assert first is not None and first.attributes == {}


# ----- spaCy parts ------------------------------------------------------------------------------


def test_spacy_brand_pack_and_product_type(spacy_model: SpacyModel) -> None:
    extractor = AttributeExtractor(ExtractionConfig(attributes=ALL_ATTRIBUTES), model=spacy_model)
    drill = extractor.extract("Milwaukee M18 18-Volt Lithium-Ion Cordless Drill")
    brand = drill.get("brand")
    assert brand is not None and (brand.value, brand.source) == ("Milwaukee", "spacy")
    assert brand.confidence < 0.95 and drill.as_dict()["voltage"] == "18V"
    cabinet = extractor.extract("Glacier Bay 23 in. x 28 in. Surface-Mount Medicine Cabinet in White")
    assert cabinet.as_dict()["product_type"] == "Medicine Cabinet"
    rolls = extractor.extract("Bounty Paper Towels, 24 Rolls").get("pack_size")
    assert rolls is not None and (rolls.value, rolls.source) == ("24", "spacy")


def test_gazetteer_beats_spacy(spacy_model: SpacyModel) -> None:
    base = AttributeExtractor(model=spacy_model)
    title = "Pratt Retail Specialties 24 in. x 24 in. Packing Paper"
    assert base.extract(title).as_dict()["brand"] == "Pratt"
    known = base.with_config(ExtractionConfig(brands=("Pratt Retail Specialties",)))
    assert known.model is base.model
    brand = known.extract(title).get("brand")
    assert brand is not None and (brand.value, brand.source) == ("Pratt Retail Specialties", "rules")


def test_extract_many_matches_extract(spacy_model: SpacyModel) -> None:
    extractor = AttributeExtractor(model=spacy_model)
    titles = [title for title, _ in KNOWN_HD[:8]]
    assert extractor.extract_texts(titles, batch_size=3) == [extractor.extract(t) for t in titles]


def test_hand_checked_home_depot_titles(spacy_model: SpacyModel) -> None:
    """Rules on 13 attributes: precision >= 0.90 and recall >= 0.85 (measured 64 of 67 right, 64 of
    68 found). Brands from spaCy alone (no gazetteer): precision >= 0.70, recall >= 0.65 (measured
    29 of 37 right, 29 of 39 found)."""
    extractor = AttributeExtractor(model=spacy_model)
    found = extractor.extract_texts([title for title, _ in KNOWN_HD])
    correct, wrong, expected = score_known(found, KNOWN_HD, RULE_CHECKED)
    assert correct / (correct + wrong) >= 0.90 and correct / expected >= 0.85
    correct, wrong, expected = score_known(found, KNOWN_HD, ("brand",))
    assert correct / (correct + wrong) >= 0.70 and correct / expected >= 0.65


@pytest.mark.skipif(not HD_PRODUCTS.exists(), reason="Home Depot titles not available")
def test_learned_brands_on_home_depot(spacy_model: SpacyModel) -> None:
    """A gazetteer learned from all 54,667 titles, spaCy behind it: >= 0.85 of brands right
    (measured 36 of 39, with 3 wrong: 'Water', 'Design', and 'Replacement' for no brand)."""
    lines = HD_PRODUCTS.read_text(encoding="utf-8").splitlines()[1:]
    brands = learn_brands(line.split("\t", 1)[1] for line in lines if "\t" in line)
    extractor = AttributeExtractor(ExtractionConfig(brands=brands), model=spacy_model)
    found = extractor.extract_texts([title for title, _ in KNOWN_HD])
    correct, wrong, expected = score_known(found, KNOWN_HD, ("brand",))
    assert correct / expected >= 0.85 and correct / (correct + wrong) >= 0.85
