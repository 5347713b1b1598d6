"""Word lists of the Chinese demo shop (see demo_vocab for the `kind` format).

Brands are real Chinese and international names, Chinese and Latin script, as a Chinese shop
lists them; every product is still fictional. Attribute names stay the English keys the rest of
Shelfwise reads (`color`, `material`, `size`); their values are Chinese. Prices are medians in CNY.

`QUERY_WORDS` gives, for each kind's leaf and each colour, what a shopper types besides the
simplified form: the traditional form and the pinyin (the query set and the shoppers use them).
"""

from __future__ import annotations

from shelfwise.catalog.demo_vocab import Department, kind

_PITCHES = (
    "{brand}{noun}，做工扎实，日常使用更省心。",
    "{brand}出品的{noun}，简约设计，品质可靠。",
    "选择{brand}{noun}，居家、办公、出行都合适。",
)
_CLOSERS = ("全国联保，七天无理由退换。", "官方正品，顺丰包邮。", "下单后48小时内发货。")
_COLORS = "color=黑色|白色|红色|蓝色|粉色|灰色"

# fmt: off
ELECTRONICS = Department(
    name="数码电器",
    brands=("小米", "华为", "Sony", "漫步者", "Anker", "联想", "OPPO"),
    pitches=_PITCHES, closers=_CLOSERS,
    kinds=(
        kind("音频 > 耳机", "真无线蓝牙耳机|头戴式耳机|入耳式耳机|运动耳机", 399,
             "{brand} {model} {feature}{noun} {color}",
             "feature=降噪|降噪|通透|低延迟; color=黑色|白色|蓝色|粉色",
             "主动降噪，地铁飞机都安静|续航长达30小时|蓝牙5.3稳定连接|双麦克风通话清晰|佩戴轻巧舒适",
             words="model=Buds 5|WH-1000X5|Air 3|Pro 2|X7"),
        kind("音频 > 蓝牙音箱", "便携蓝牙音箱|防水音箱|智能音箱", 299,
             "{brand} {noun} {battery}续航 {color}",
             "battery=12小时|20小时|24小时; color=黑色|蓝色|红色|灰色",
             "360度环绕立体声|IPX7级防水|支持双音箱串联|低音浑厚|内置麦克风"),
        kind("电脑 > 笔记本电脑", "轻薄笔记本电脑|游戏本|二合一笔记本电脑", 5999,
             "{brand} {model} {screen}{noun} {memory} {storage} {color}",
             "screen=14英寸|15.6英寸|16英寸; memory=16GB|32GB; storage=512GB|1TB; color=银色|深空灰|黑色",
             "2.5K高刷屏|全天候续航|背光键盘|雷电4接口|1080P摄像头",
             words="model=Pro 14|Air 13|X16|G9|Book 15"),
        kind("手机 > 手机", "5G手机|智能手机|拍照手机", 2999,
             "{brand} {model} {noun} {storage} {color}",
             "storage=128GB|256GB|512GB; color=黑色|白色|蓝色|绿色",
             "徕卡影像|5000mAh大电池|120W快充|OLED直屏|IP68防水",
             words="model=14 Pro|X60|K70|Note 13|S9"),
        kind("手机配件 > 充电器", "氮化镓快充充电器|充电宝|数据线|无线充电器", 99,
             "{brand} {wattage}{noun} {color}",
             "wattage=20W|65W|100W|120W; color=白色|黑色",
             "支持PD快充协议|多口同时充电|小巧便携|过充保护|兼容iPhone 15"),
        kind("智能穿戴 > 智能手表", "智能手表|运动手环|儿童手表", 899,
             "{brand} {noun} {case} {color}",
             "case=42mm|46mm; color=黑色|银色|粉色|绿色",
             "心率血氧监测|14天超长续航|50米防水|睡眠监测|NFC支付"),
    ),
)

CLOTHING = Department(
    name="服装鞋包",
    brands=("优衣库", "李宁", "安踏", "Nike", "太平鸟", "波司登", "森马"),
    pitches=_PITCHES, closers=_CLOSERS,
    kinds=(
        kind("女装 > 连衣裙", "连衣裙|碎花连衣裙|针织连衣裙|长款连衣裙", 259,
             "{brand} {season}{material}{noun} {color} {size}",
             "material=纯棉|真丝|雪纺|亚麻; " + _COLORS + "|绿色; size=S码|M码|L码|XL码",
             "修身显瘦|透气不闷热|收腰设计|可机洗|垂感好",
             words="season=2024夏季新款|春秋款|法式"),
        kind("男装 > T恤", "短袖T恤|圆领T恤|POLO衫", 99,
             "{brand} 男士{material}{noun} {color} {size}",
             "material=纯棉|莫代尔|涤纶; color=黑色|白色|灰色|蓝色|红色; size=M码|L码|XL码|XXL码",
             "亲肤柔软|宽松版型|不易变形|吸汗透气|百搭基础款"),
        kind("男装 > 羽绒服", "羽绒服|轻薄羽绒服|长款羽绒服", 799,
             "{brand} {material}{noun} 连帽 {color} {size}",
             "material=白鸭绒|白鹅绒; color=黑色|白色|红色|蓝色; size=M码|L码|XL码|XXL码",
             "90%充绒量|防风防泼水|轻盈保暖|可收纳|立领设计"),
        kind("鞋靴 > 运动鞋", "跑步鞋|篮球鞋|休闲运动鞋", 499,
             "{brand} {model} {noun} {color} {size}",
             "color=黑色|白色|红色|灰色; size=38码|39码|40码|41码|42码|43码",
             "轻量缓震|耐磨橡胶大底|透气网面|回弹中底|防滑",
             words="model=Zoom 5|Flash 3|C202|Ultra 19|Pace 2"),
        kind("箱包 > 双肩包", "双肩包|电脑背包|旅行背包", 199,
             "{brand} {material}{noun} {capacity} {color}",
             "material=尼龙|真皮|帆布; capacity=20L|30L|40L; color=黑色|灰色|蓝色|粉色",
             "可放15.6英寸电脑|防泼水面料|多隔层收纳|减压背带|USB充电口"),
    ),
)

HOME_KITCHEN = Department(
    name="家居厨房",
    brands=("美的", "苏泊尔", "九阳", "双立人", "宜家", "小熊", "乐扣乐扣"),
    pitches=_PITCHES, closers=_CLOSERS,
    kinds=(
        kind("厨具 > 炒锅", "不粘炒锅|炒菜锅|家用铁锅", 199,
             "{brand} {material}{noun} {size} 燃气电磁炉通用",
             "material=不锈钢|铸铁|精铁|铝合金; size=28cm|30cm|32cm",
             "少油烟|不粘涂层|受热均匀|无涂层更健康|带玻璃锅盖"),
        kind("厨房电器 > 电饭煲", "电饭煲|智能电饭煲|IH电饭煲", 399,
             "{brand} {capacity}{noun} {color}",
             "capacity=3L|4L|5L; color=白色|黑色|红色",
             "24小时预约|多种烹饪模式|球釜内胆|一键煮饭|易清洗"),
        kind("厨房电器 > 空气炸锅", "空气炸锅|可视空气炸锅|大容量空气炸锅", 299,
             "{brand} {capacity}{noun} {color}",
             "capacity=4L|5.5L|6L; color=白色|黑色|灰色",
             "无油低脂|可视窗口|智能触控|免翻面|不粘内胆"),
        kind("水具 > 保温杯", "保温杯|真空保温杯|儿童保温杯", 129,
             "{brand} {material}{noun} {capacity} {color}",
             "material=316不锈钢|304不锈钢|钛; capacity=350ml|500ml|750ml; " + _COLORS,
             "12小时保温|一键开盖|防漏设计|轻巧便携|食品级材质"),
        kind("家纺 > 四件套", "床上四件套|全棉四件套|简约四件套", 399,
             "{brand} {material}{noun} {size} {color}",
             "material=纯棉|天丝|亚麻|真丝; size=1.5米床|1.8米床; color=白色|灰色|蓝色|粉色|绿色",
             "亲肤透气|不起球|活性印染|不易褪色|A类标准"),
    ),
)

BEAUTY = Department(
    name="美妆个护",
    brands=("完美日记", "花西子", "百雀羚", "欧莱雅", "飞科", "自然堂", "SK-II"),
    pitches=_PITCHES, closers=_CLOSERS,
    kinds=(
        kind("护肤 > 面霜", "保湿面霜|修护面霜|抗皱面霜", 259,
             "{brand} {noun} {capacity} {skin}",
             "capacity=50ml|30g|100ml; skin=干皮|油皮|敏感肌|混合肌",
             "深层补水|修护屏障|清爽不油腻|淡化细纹|温和无刺激"),
        kind("彩妆 > 口红", "口红|哑光口红|唇釉", 159,
             "{brand} {noun} {shade}",
             "shade=正红色|豆沙色|橘红色|玫瑰色",
             "持久不脱色|滋润不拔干|显白|丝绒质地|小巧便携"),
        kind("个护电器 > 电动牙刷", "电动牙刷|声波电动牙刷|儿童电动牙刷", 199,
             "{brand} {noun} {color}",
             "color=白色|黑色|粉色|蓝色",
             "声波震动清洁|30天续航|智能定时|IPX7防水|多种清洁模式"),
        kind("个护电器 > 吹风机", "高速吹风机|负离子吹风机|折叠吹风机", 299,
             "{brand} {wattage}{noun} {color}",
             "wattage=1600W|1800W|2000W; color=白色|黑色|粉色|灰色",
             "负离子护发|速干不伤发|恒温控制|低噪音|可折叠收纳"),
    ),
)

SPORTS = Department(
    name="运动户外",
    brands=("迪卡侬", "李宁", "Keep", "牧高笛", "骆驼", "Nike"),
    pitches=_PITCHES, closers=_CLOSERS,
    kinds=(
        kind("健身 > 瑜伽垫", "瑜伽垫|加厚瑜伽垫|防滑瑜伽垫", 99,
             "{brand} {material}{noun} {thickness} {color}",
             "material=TPE|天然橡胶|NBR; thickness=6mm|8mm|10mm; color=粉色|蓝色|绿色|灰色|黑色",
             "双面防滑|回弹好|无异味|附赠收纳绑带|易清洁"),
        kind("户外 > 帐篷", "露营帐篷|自动帐篷|双人帐篷", 599,
             "{brand} {capacity}{noun} {color}",
             "capacity=2人|3-4人|5-8人; color=绿色|灰色|蓝色",
             "防暴雨|速开免搭建|通风透气|防晒涂层|收纳小巧"),
        kind("骑行 > 自行车", "山地自行车|公路自行车|折叠自行车", 1599,
             "{brand} {material}{noun} {wheel} {speed}",
             "material=铝合金|碳纤维|高碳钢; wheel=26寸|27.5寸|700C; speed=21速|24速|27速",
             "禧玛诺变速|油压碟刹|前叉避震|轻量车架|送货上门"),
    ),
)

TOYS = Department(
    name="母婴玩具",
    brands=("乐高", "费雪", "Hape", "贝亲", "babycare", "奥迪双钻"),
    pitches=_PITCHES, closers=_CLOSERS,
    kinds=(
        kind("玩具 > 积木", "拼装积木|城市系列积木|机械组积木", 399,
             "{brand} {noun} {pieces} {age}",
             "pieces=300颗粒|800颗粒|1500颗粒; age=6岁以上|8岁以上|12岁以上",
             "锻炼动手能力|颗粒兼容|环保ABS材质|附拼装说明书|生日礼物首选"),
        kind("玩具 > 遥控车", "遥控汽车|遥控越野车|遥控赛车", 199,
             "{brand} {noun} {scale} {color}",
             "scale=1:16|1:18|1:24; color=红色|蓝色|黑色|绿色",
             "2.4G遥控不干扰|可充电|防撞车身|四驱越野|高速漂移"),
        kind("婴童 > 奶瓶", "奶瓶|宽口径奶瓶|防胀气奶瓶", 99,
             "{brand} {material}{noun} {capacity}",
             "material=玻璃|PPSU|硅胶; capacity=160ml|240ml|300ml",
             "防胀气设计|耐高温消毒|仿母乳奶嘴|宽口易清洗|不含双酚A"),
    ),
)

GROCERY = Department(
    name="食品饮料",
    brands=("三只松鼠", "良品铺子", "农夫山泉", "伊利", "蒙牛", "元气森林", "雀巢"),
    pitches=_PITCHES, closers=_CLOSERS,
    kinds=(
        kind("零食 > 坚果", "每日坚果|夏威夷果|碧根果|开心果", 69,
             "{brand} {noun} {weight} {flavor}",
             "weight=500g|750g|1kg; flavor=原味|奶油味|盐焗",
             "颗颗饱满|独立小包装|新鲜烘焙|营养健康|办公室零食"),
        kind("饮料 > 茶叶", "西湖龙井|铁观音|普洱茶|大红袍", 199,
             "{brand} {noun} {weight} 礼盒装",
             "weight=100g|250g|500g; grade=特级|一级",
             "明前采摘|香气浓郁|回甘持久|送礼佳品|传统工艺"),
        kind("饮料 > 咖啡", "挂耳咖啡|冻干咖啡|咖啡豆", 89,
             "{brand} {sugar}{noun} {count}",
             "sugar=无糖|低糖|原味; count=20杯|40杯|500g",
             "阿拉比卡豆|现磨口感|冷热皆宜|提神醒脑|独立包装"),
        kind("乳品 > 牛奶", "纯牛奶|低脂牛奶|有机纯牛奶", 69,
             "{brand} {noun} {size}",
             "size=250ml×12盒|250ml×24盒; fat=全脂|低脂",
             "优质乳蛋白|牧场直供|营养早餐|常温保存|口感醇厚"),
    ),
)
# fmt: on

DEPARTMENTS_ZH: tuple[Department, ...] = (
    ELECTRONICS, CLOTHING, HOME_KITCHEN, BEAUTY, SPORTS, TOYS, GROCERY
)

ATTRIBUTE_LABELS: dict[str, str] = {
    "color": "颜色", "material": "材质", "size": "尺码", "feature": "功能", "capacity": "容量",
    "storage": "存储", "memory": "内存", "screen": "屏幕", "wattage": "功率", "case": "表盘",
    "battery": "续航", "thickness": "厚度", "wheel": "轮径", "speed": "变速", "pieces": "颗粒数",
    "age": "适用年龄", "scale": "比例", "weight": "净含量", "flavor": "口味", "grade": "等级",
    "sugar": "含糖", "count": "规格", "fat": "脂肪", "skin": "适用肤质", "shade": "色号",
}

# simplified -> (traditional, pinyin): kind leaves, colours and a few materials and features
QUERY_WORDS: dict[str, tuple[str, str]] = {
    "耳机": ("耳機", "erji"), "蓝牙音箱": ("藍牙音箱", "lanya yinxiang"),
    "笔记本电脑": ("筆記本電腦", "bijiben diannao"), "手机": ("手機", "shouji"),
    "充电器": ("充電器", "chongdianqi"), "智能手表": ("智能手錶", "zhineng shoubiao"),
    "连衣裙": ("連衣裙", "lianyiqun"), "T恤": ("T恤", "T xu"), "羽绒服": ("羽絨服", "yurongfu"),
    "运动鞋": ("運動鞋", "yundongxie"), "双肩包": ("雙肩包", "shuangjianbao"),
    "炒锅": ("炒鍋", "chaoguo"), "电饭煲": ("電飯煲", "dianfanbao"),
    "空气炸锅": ("空氣炸鍋", "kongqi zhaguo"), "保温杯": ("保溫杯", "baowenbei"),
    "四件套": ("四件套", "sijiantao"), "面霜": ("面霜", "mianshuang"), "口红": ("口紅", "kouhong"),
    "电动牙刷": ("電動牙刷", "diandong yashua"), "吹风机": ("吹風機", "chuifengji"),
    "瑜伽垫": ("瑜伽墊", "yujiadian"), "帐篷": ("帳篷", "zhangpeng"),
    "自行车": ("自行車", "zixingche"), "积木": ("積木", "jimu"), "遥控车": ("遙控車", "yaokongche"),
    "奶瓶": ("奶瓶", "naiping"), "坚果": ("堅果", "jianguo"), "茶叶": ("茶葉", "chaye"),
    "咖啡": ("咖啡", "kafei"), "牛奶": ("牛奶", "niunai"),
    "黑色": ("黑色", "heise"), "白色": ("白色", "baise"), "红色": ("紅色", "hongse"),
    "蓝色": ("藍色", "lanse"), "粉色": ("粉色", "fense"), "灰色": ("灰色", "huise"),
    "绿色": ("綠色", "lvse"), "银色": ("銀色", "yinse"),
    "纯棉": ("純棉", "chunmian"), "真丝": ("真絲", "zhensi"), "真皮": ("真皮", "zhenpi"),
    "不锈钢": ("不鏽鋼", "buxiugang"), "铸铁": ("鑄鐵", "zhutie"), "降噪": ("降噪", "jiangzao"),
}
