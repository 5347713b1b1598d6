"""Built-in Chinese word lists for query understanding: colour and material words mapped to the
English lexicon's keys (so a Chinese query reaches a catalog's English or Chinese values), size
words, negation cues, relative price words and well-known brand transliterations.

Like lexicon.py, these only add what a catalog does not say; the catalog decides which values a
word answers and how confident a match is (zh_scan.py).
"""

from __future__ import annotations

from shelfwise.query.lexicon import RelativePrice

# Chinese colour word -> phrase key of an English colour in lexicon.COLORS
ZH_COLORS: dict[str, str] = {
    "红": "red", "红色": "red", "大红": "red", "正红": "red", "酒红": "burgundy", "酒红色": "burgundy",
    "黑": "black", "黑色": "black", "白": "white", "白色": "white", "纯白": "white",
    "灰": "gray", "灰色": "gray", "深灰": "dark gray", "浅灰": "light gray", "深空灰": "space gray",
    "银": "silver", "银色": "silver", "粉": "pink", "粉色": "pink", "粉红": "pink", "粉红色": "pink",
    "橙": "orange", "橙色": "orange", "橘色": "orange", "黄": "yellow", "黄色": "yellow",
    "金": "gold", "金色": "gold", "玫瑰金": "rose gold", "绿": "green", "绿色": "green",
    "军绿": "olive", "军绿色": "olive", "墨绿": "forest green", "墨绿色": "forest green",
    "青色": "teal", "蓝": "blue", "蓝色": "blue", "深蓝": "dark blue", "深蓝色": "dark blue",
    "浅蓝": "light blue", "浅蓝色": "light blue", "天蓝": "sky blue", "天蓝色": "sky blue",
    "藏青": "navy", "藏青色": "navy", "海军蓝": "navy", "宝蓝": "royal blue", "紫": "purple",
    "紫色": "purple", "棕": "brown", "棕色": "brown", "咖啡色": "brown", "褐色": "brown",
    "卡其": "khaki", "卡其色": "khaki", "米色": "beige", "杏色": "beige", "米白": "off white",
    "米白色": "off white", "象牙白": "ivory", "香槟色": "champagne", "驼色": "camel", "彩色": "multicolor",
}  # fmt: skip

# Chinese material word -> phrase key of an English material in lexicon.MATERIALS
ZH_MATERIALS: dict[str, str] = {
    "纯棉": "cotton", "全棉": "cotton", "棉": "cotton", "棉质": "cotton", "有机棉": "organic cotton",
    "亚麻": "linen", "羊毛": "wool", "美利奴": "merino wool", "羊绒": "cashmere", "真丝": "silk",
    "桑蚕丝": "silk", "丝绸": "silk", "涤纶": "polyester", "聚酯纤维": "polyester", "锦纶": "nylon",
    "尼龙": "nylon", "氨纶": "spandex", "牛仔": "denim", "真皮": "leather", "皮革": "leather",
    "牛皮": "leather", "羊皮": "leather", "人造革": "faux leather", "麂皮": "suede", "抓绒": "fleece",
    "摇粒绒": "fleece", "丝绒": "velvet", "灯芯绒": "corduroy", "帆布": "canvas", "竹纤维": "bamboo",
    "实木": "solid wood", "木质": "wood", "橡木": "oak", "胡桃木": "walnut", "松木": "pine",
    "不锈钢": "stainless steel", "铸铁": "cast iron", "铝合金": "aluminum", "黄铜": "brass",
    "钛合金": "titanium", "玻璃": "glass", "钢化玻璃": "tempered glass", "陶瓷": "ceramic",
    "骨瓷": "porcelain", "大理石": "marble", "塑料": "plastic", "亚克力": "acrylic", "硅胶": "silicone",
    "橡胶": "rubber", "记忆棉": "memory foam", "乳胶": "latex",
}  # fmt: skip

# A one-character colour or material word counts only before one of these, or at a run's end
# ("红的", "红色", "棉质"), never inside a word ("红米", "金属", "白酒").
SINGLE_CHAR_FOLLOWERS = frozenset("色的质制料款")

# Size words -> phrase key of an English size (lexicon.SIZE_GROUPS), with a confidence
ZH_SIZE_WORDS: dict[str, tuple[str, float]] = {
    "特大号": ("xxl", 0.8),
    "加大号": ("xl", 0.8),
    "大号": ("large", 0.8),
    "中号": ("medium", 0.8),
    "小号": ("small", 0.8),
    "均码": ("one size", 0.8),
}
SIZE_MARKERS = "码号"  # "XL码", "38码", "38号": the marker names the size, like "size 38"

# Negation cues -> confidence. Hard cues drop the phrase from the text and exclude it; "free"
# cues ("无糖", "非转基因") describe what catalogs write literally, as English "sugar-free".
ZH_NEGATION_CUES: dict[str, float] = {
    "不想要": 0.9, "不需要": 0.9, "不要": 0.9, "别要": 0.85, "不含": 0.9, "不带": 0.85,
    "没有": 0.8, "除了": 0.8, "排除": 0.9, "去掉": 0.85, "不是": 0.8,
}  # fmt: skip
ZH_FREE_CUES = frozenset({"无", "非"})
# words that start with a free cue but exclude nothing ("无线耳机" is wireless, "非常" is "very")
ZH_FREE_EXCEPTIONS = frozenset(
    {
        "无线",
        "无人",
        "无印",
        "无限",
        "无缝",
        "无刷",
        "无损",
        "无敌",
        "无痕",
        "无叶",
        "无框",
        "非常",
        "非凡",
        "非洲",
    }
)
ZH_SKIP_AFTER_CUE = "的 "

# Relative price words; "便宜点" ("a bit cheaper") asks for the lower half of the category's prices
ZH_RELATIVE_PRICES: dict[str, RelativePrice] = {
    "便宜一点": RelativePrice("max", 0.6, "q50"),
    "便宜一些": RelativePrice("max", 0.6, "q50"),
    "便宜点": RelativePrice("max", 0.6, "q50"),
    "便宜些": RelativePrice("max", 0.6, "q50"),
    "更便宜": RelativePrice("max", 0.6, "q50"),
    "便宜": RelativePrice("max", 0.5),
    "实惠": RelativePrice("max", 0.5),
    "平价": RelativePrice("max", 0.5),
    "低价": RelativePrice("max", 0.5),
    "廉价": RelativePrice("max", 0.5),
    "高端": RelativePrice("min", 0.35),
    "高档": RelativePrice("min", 0.35),
    "奢华": RelativePrice("min", 0.3),
    "奢侈": RelativePrice("min", 0.3),
}

# Chinese names of well-known brands -> their Latin name (folded); used only for brands the
# catalog sells, so that "索尼" finds a catalog's "Sony" and "sony" a catalog's "索尼".
ZH_BRAND_ALIASES: dict[str, str] = {
    "索尼": "sony", "苹果": "apple", "三星": "samsung", "华为": "huawei", "小米": "xiaomi",
    "耐克": "nike", "阿迪达斯": "adidas", "优衣库": "uniqlo", "联想": "lenovo", "戴尔": "dell",
    "惠普": "hp", "佳能": "canon", "尼康": "nikon", "松下": "panasonic", "飞利浦": "philips",
    "博世": "bosch", "宜家": "ikea", "乐高": "lego", "雀巢": "nestle", "可口可乐": "coca-cola",
    "百事": "pepsi", "微软": "microsoft", "罗技": "logitech", "戴森": "dyson", "西门子": "siemens",
    "美的": "midea", "格力": "gree", "海尔": "haier", "红米": "redmi", "漫步者": "edifier",
    "森海塞尔": "sennheiser", "彪马": "puma", "新百伦": "new balance", "无印良品": "muji",
}  # fmt: skip
