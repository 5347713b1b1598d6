"""English names of the Chinese demo shop's kinds, colours and materials, as an English-speaking
shopper would type them, for the judged English query set over the Chinese catalog
(`demo_queries_zh.build_english_query_set`). Written from the demo vocabulary, not from any
dictionary: the translation being measured must find its own way to the catalog's words."""

from __future__ import annotations

# fmt: off
ENGLISH_NAMES: dict[str, str] = {
    "耳机": "headphones", "蓝牙音箱": "bluetooth speaker", "笔记本电脑": "laptop",
    "手机": "mobile phone", "充电器": "charger", "智能手表": "smart watch", "连衣裙": "dress",
    "T恤": "t-shirt", "羽绒服": "down jacket", "运动鞋": "sneakers", "双肩包": "backpack",
    "炒锅": "wok", "电饭煲": "rice cooker", "空气炸锅": "air fryer", "保温杯": "thermos",
    "四件套": "bedding set", "面霜": "face cream", "口红": "lipstick",
    "电动牙刷": "electric toothbrush", "吹风机": "hair dryer", "瑜伽垫": "yoga mat", "帐篷": "tent",
    "自行车": "bicycle", "积木": "building blocks", "遥控车": "remote control car",
    "奶瓶": "baby bottle", "坚果": "nuts", "茶叶": "tea", "咖啡": "coffee", "牛奶": "milk",
    "黑色": "black", "白色": "white", "红色": "red", "蓝色": "blue", "粉色": "pink",
    "灰色": "grey", "绿色": "green", "银色": "silver",
    "纯棉": "cotton", "真丝": "silk", "真皮": "leather", "亚麻": "linen", "尼龙": "nylon",
    "帆布": "canvas", "不锈钢": "stainless steel", "铸铁": "cast iron", "铝合金": "aluminium alloy",
    "钛": "titanium", "玻璃": "glass", "硅胶": "silicone", "碳纤维": "carbon fiber",
    "涤纶": "polyester", "天然橡胶": "natural rubber",
}
# fmt: on

__all__ = ["ENGLISH_NAMES"]
