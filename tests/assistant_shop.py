"""A tiny shop for the shopping assistant's tests: laptops, headphones and dresses in English
(with weights to compare), and the Chinese catalog of tests/zh_catalog.py."""

from __future__ import annotations

from shelfwise.records import Product


def _product(pid: str, title: str, brand: str, path: str, price: float, **attributes: str) -> Product:
    return Product(
        product_id=pid, title=title, brand=brand, category=tuple(path.split("/")), price=price,
        attributes=attributes, rating=4.0 + (sum(map(ord, pid)) % 10) / 10,
    )  # fmt: skip


def english_products() -> list[Product]:
    laptops = "Electronics/Computers/Laptops"
    phones = "Electronics/Audio/Headphones"
    dresses = "Clothing/Women/Dresses"
    return [
        _product("lp1", "Lenovo ThinkPad X1 Carbon Laptop 14 inch", "Lenovo", laptops, 1499.0, weight="1.12 kg", color="black"),
        _product("lp2", "Lenovo IdeaPad Slim 5 Laptop 16 inch", "Lenovo", laptops, 749.0, weight="1.89 kg", color="grey"),
        _product("lp3", "Dell XPS 13 Laptop", "Dell", laptops, 1199.0, weight="1.19 kg", color="silver"),
        _product("lp4", "Dell Inspiron 15 Laptop", "Dell", laptops, 549.0, weight="1.65 kg", color="black"),
        _product("lp5", "Apple MacBook Air 13 Laptop M3", "Apple", laptops, 1099.0, weight="1.24 kg", color="silver"),
        _product("lp6", "Apple MacBook Pro 14 Laptop", "Apple", laptops, 1999.0, weight="1.55 kg", color="grey"),
        _product("lp7", "Asus Zenbook 14 OLED Laptop", "Asus", laptops, 899.0, weight="1.2 kg", color="blue"),
        _product("lp8", "Asus Vivobook 15 Laptop", "Asus", laptops, 449.0, weight="1.7 kg", color="silver"),
        _product("lp9", "HP Pavilion 15 Laptop", "HP", laptops, 599.0, weight="1.75 kg", color="silver"),
        _product("lp10", "HP Spectre x360 14 Laptop", "HP", laptops, 1399.0, weight="1.36 kg", color="black"),
        _product("hp1", "Sony WH-1000XM5 Wireless Noise Cancelling Headphones", "Sony", phones, 399.0, weight="250 g", color="black"),
        _product("hp2", "Sony WH-CH720N Wireless Headphones", "Sony", phones, 149.0, weight="192 g", color="white"),
        _product("hp3", "Bose QuietComfort Ultra Headphones", "Bose", phones, 429.0, weight="254 g", color="black"),
        _product("hp4", "Bose QuietComfort 45 Headphones", "Bose", phones, 279.0, weight="240 g", color="white"),
        _product("hp5", "JBL Tune 510BT Wireless Headphones", "JBL", phones, 49.0, weight="160 g", color="blue"),
        _product("hp6", "JBL Live 660NC Headphones", "JBL", phones, 129.0, weight="268 g", color="black"),
        _product("hp7", "Sennheiser Momentum 4 Wireless Headphones", "Sennheiser", phones, 349.0, weight="293 g", color="white"),
        _product("dr1", "Aurelle Red Linen Midi Dress", "Aurelle", dresses, 45.0, color="red", size="M", material="linen"),
        _product("dr2", "Aurelle Blue Floral Summer Dress", "Aurelle", dresses, 65.0, color="blue", size="S", material="cotton"),
        _product("dr3", "Aurelle Red Velvet Party Dress", "Aurelle", dresses, 75.0, color="red", size="L", material="velvet"),
        _product("dr4", "Mira Black Wrap Dress", "Mira", dresses, 39.0, color="black", size="M", material="cotton"),
        _product("dr5", "Mira Green Maxi Dress", "Mira", dresses, 59.0, color="green", size="L", material="linen"),
        _product("dr6", "Mira Red Shirt Dress", "Mira", dresses, 49.0, color="red", size="S", material="cotton"),
        _product("dr7", "Solene White Lace Dress", "Solene", dresses, 89.0, color="white", size="M", material="lace"),
        _product("dr8", "Solene Blue Denim Dress", "Solene", dresses, 55.0, color="blue", size="L", material="denim"),
    ]  # fmt: skip
