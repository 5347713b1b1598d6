"""A tiny shop for the shopping assistant's tests: laptops, headphones and dresses in English
(with weights to compare); the Chinese one is tests/zh_catalog.py."""

from __future__ import annotations

from shelfwise.records import Product

_LAPTOPS = "Electronics/Computers/Laptops"
_PHONES = "Electronics/Audio/Headphones"
_DRESSES = "Clothing/Women/Dresses"
# id, title, brand, category, price, attributes (name=value;...)
ROWS = [
    (
        "lp1",
        "Lenovo ThinkPad X1 Carbon Laptop 14 inch",
        "Lenovo",
        _LAPTOPS,
        1499,
        "weight=1.12 kg;color=black",
    ),
    ("lp2", "Lenovo IdeaPad Slim 5 Laptop 16 inch", "Lenovo", _LAPTOPS, 749, "weight=1.89 kg;color=grey"),
    ("lp3", "Dell XPS 13 Laptop", "Dell", _LAPTOPS, 1199, "weight=1.19 kg;color=silver"),
    ("lp4", "Dell Inspiron 15 Laptop", "Dell", _LAPTOPS, 549, "weight=1.65 kg;color=black"),
    ("lp5", "Apple MacBook Air 13 Laptop M3", "Apple", _LAPTOPS, 1099, "weight=1.24 kg;color=silver"),
    ("lp6", "Apple MacBook Pro 14 Laptop", "Apple", _LAPTOPS, 1999, "weight=1.55 kg;color=grey"),
    ("lp7", "Asus Zenbook 14 OLED Laptop", "Asus", _LAPTOPS, 899, "weight=1.2 kg;color=blue"),
    ("lp8", "Asus Vivobook 15 Laptop", "Asus", _LAPTOPS, 449, "weight=1.7 kg;color=silver"),
    ("lp9", "HP Pavilion 15 Laptop", "HP", _LAPTOPS, 599, "weight=1.75 kg;color=silver"),
    ("lp10", "HP Spectre x360 14 Laptop", "HP", _LAPTOPS, 1399, "weight=1.36 kg;color=black"),
    (
        "hp1",
        "Sony WH-1000XM5 Wireless Noise Cancelling Headphones",
        "Sony",
        _PHONES,
        399,
        "weight=250 g;color=black",
    ),
    ("hp2", "Sony WH-CH720N Wireless Headphones", "Sony", _PHONES, 149, "weight=192 g;color=white"),
    ("hp3", "Bose QuietComfort Ultra Headphones", "Bose", _PHONES, 429, "weight=254 g;color=black"),
    ("hp4", "Bose QuietComfort 45 Headphones", "Bose", _PHONES, 279, "weight=240 g;color=white"),
    ("hp5", "JBL Tune 510BT Wireless Headphones", "JBL", _PHONES, 49, "weight=160 g;color=blue"),
    ("hp6", "JBL Live 660NC Headphones", "JBL", _PHONES, 129, "weight=268 g;color=black"),
    (
        "hp7",
        "Sennheiser Momentum 4 Wireless Headphones",
        "Sennheiser",
        _PHONES,
        349,
        "weight=293 g;color=white",
    ),
    ("dr1", "Aurelle Red Linen Midi Dress", "Aurelle", _DRESSES, 45, "color=red;size=M;material=linen"),
    ("dr2", "Aurelle Blue Floral Summer Dress", "Aurelle", _DRESSES, 65, "color=blue;size=S;material=cotton"),
    ("dr3", "Aurelle Red Velvet Party Dress", "Aurelle", _DRESSES, 75, "color=red;size=L;material=velvet"),
    ("dr4", "Mira Black Wrap Dress", "Mira", _DRESSES, 39, "color=black;size=M;material=cotton"),
    ("dr5", "Mira Green Maxi Dress", "Mira", _DRESSES, 59, "color=green;size=L;material=linen"),
    ("dr6", "Mira Red Shirt Dress", "Mira", _DRESSES, 49, "color=red;size=S;material=cotton"),
    ("dr7", "Solene White Lace Dress", "Solene", _DRESSES, 89, "color=white;size=M;material=lace"),
    ("dr8", "Solene Blue Denim Dress", "Solene", _DRESSES, 55, "color=blue;size=L;material=denim"),
]


def english_products() -> list[Product]:
    return [
        Product(
            product_id=pid, title=title, brand=brand, category=tuple(path.split("/")), price=float(price),
            attributes=dict(pair.split("=", 1) for pair in attributes.split(";")),
            rating=4.0 + (sum(map(ord, pid)) % 10) / 10,
        )
        for pid, title, brand, path, price, attributes in ROWS
    ]  # fmt: skip
