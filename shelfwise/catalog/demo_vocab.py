"""Word lists of the demo shop: departments, fictional brands and product kinds.

Every brand is invented. A kind is written compactly: values separated by '|', attributes as
'name=a|b; other=c|d'. Titles and feature phrases are `str.format` templates over {brand},
{noun}, the attributes and the `words` (title-only choices).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of product: where it sits, what it is called, what it costs, how it is described."""

    path: tuple[str, str]
    nouns: tuple[str, ...]
    price: float
    title: str
    attrs: tuple[tuple[str, tuple[str, ...]], ...]
    features: tuple[str, ...]
    words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pitches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Department:
    name: str
    brands: tuple[str, ...]
    pitches: tuple[str, ...]
    closers: tuple[str, ...]
    kinds: tuple[Kind, ...]


def _choices(spec: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for part in spec.split(";"):
        if part.strip():
            name, _, values = part.partition("=")
            out.append((name.strip(), tuple(v.strip() for v in values.split("|"))))
    return tuple(out)


def kind(
    path: str,
    nouns: str,
    price: float,
    title: str,
    attrs: str,
    features: str,
    words: str = "",
    pitches: str = "",
) -> Kind:
    level2, level3 = (part.strip() for part in path.split(">"))
    return Kind(
        path=(level2, level3),
        nouns=tuple(n.strip() for n in nouns.split("|")),
        price=price,
        title=title,
        attrs=_choices(attrs),
        features=tuple(f.strip() for f in features.split("|")),
        words=_choices(words),
        pitches=tuple(p.strip() for p in pitches.split("|") if p.strip()),
    )


_GENERIC_PITCHES = (
    "Meet the {brand} {noun}: made for everyday use at home, at work and on the go.",
    "{brand} {noun}: dependable quality in a clean, modern design.",
    "The {noun} from {brand}, for people who want things that simply work.",
)

# fmt: off
ELECTRONICS = Department(
    name="Electronics",
    brands=("Voltrix", "Kelvra", "Sonaro", "Nexory", "Lumetra", "Quorvex"),
    pitches=_GENERIC_PITCHES,
    closers=(
        "Backed by a 1-year limited warranty.",
        "Includes a quick start guide and a USB-C cable.",
        "Firmware updates are free for the life of the product.",
    ),
    kinds=(
        kind("Audio > Headphones", "Over-Ear Headphones|On-Ear Headphones", 89,
             "{brand} {connectivity} {feature} {noun}, {color}",
             "connectivity=Wireless|Wireless|Wired; "
             "feature=Noise Cancelling|Noise Cancelling|Studio|Foldable; "
             "color=Black|White|Silver|Navy Blue|Rose Gold",
             "active noise cancelling that quiets planes and trains|up to 40 hours of battery life"
             "|plush memory-foam ear cushions|a built-in microphone for clear calls"
             "|multipoint Bluetooth pairing|a fold-flat design with a travel case"),
        kind("Audio > Earbuds", "True Wireless Earbuds|Sport Earbuds|Wireless Earbuds", 59,
             "{brand} {feature} {noun} with Charging Case, {color}",
             "feature=Noise Cancelling|Waterproof|Bluetooth 5.3|Low Latency; "
             "color=Black|White|Graphite|Mint Green",
             "an IPX5 sweat and water resistant build|touch controls on each earbud"
             "|30 hours of playback with the case|secure-fit ear tips in three sizes"
             "|hybrid active noise cancellation|fast charging: 10 minutes for 2 hours of music"),
        kind("Audio > Bluetooth Speakers", "Portable Bluetooth Speaker|Waterproof Speaker|Party Speaker",
             69, "{brand} {noun}, {battery} Playtime, {color}",
             "battery=12-Hour|20-Hour|24-Hour; color=Black|Blue|Red|Olive Green|Sand",
             "360-degree sound with deep bass|an IPX7 waterproof and dustproof body"
             "|stereo pairing with a second speaker|a built-in speakerphone"
             "|a rugged strap for bikes and backpacks"),
        kind("Computers & Tablets > Laptops", "Laptop|Ultrabook|2-in-1 Laptop|Gaming Laptop", 899,
             "{brand} {screen_size} {noun}, {processor}, {memory} RAM, {storage} SSD, {color}",
             "screen_size=13.3-Inch|14-Inch|15.6-Inch|16-Inch; "
             "processor=8-Core Processor|10-Core Processor|12-Core Processor; "
             "memory=8GB|16GB|32GB; storage=256GB|512GB|1TB; color=Silver|Space Gray|Black",
             "a full HD anti-glare display|a backlit keyboard and a precision touchpad"
             "|all-day battery life|Wi-Fi 6E and Bluetooth 5.3|two USB-C ports and an HDMI port"
             "|a 1080p webcam with a privacy shutter"),
        kind("Computers & Tablets > Tablets", "Tablet|Kids Tablet|Drawing Tablet", 329,
             "{brand} {screen_size} {noun}, {storage}, Wi-Fi, {color}",
             "screen_size=8-Inch|10.1-Inch|11-Inch|12.4-Inch; storage=64GB|128GB|256GB; "
             "color=Gray|Silver|Blue|Pink",
             "a bright high-resolution touchscreen|quad speakers for movies and games"
             "|up to 12 hours of video playback|support for a stylus and keyboard cover"
             "|expandable storage with a microSD card"),
        kind("Computer Accessories > Keyboards & Mice",
             "Wireless Mouse|Mechanical Keyboard|Ergonomic Keyboard|Gaming Mouse|Keyboard and Mouse Combo",
             45, "{brand} {noun}, {connectivity}, {color}",
             "connectivity=Bluetooth|2.4GHz Wireless|USB Wired; color=Black|White|Gray",
             "quiet low-profile keys|an adjustable 800-4000 DPI sensor|a 12-month battery life"
             "|programmable shortcut buttons|a comfortable ergonomic shape|RGB backlighting"),
        kind("Computer Accessories > Monitors", "Monitor|Gaming Monitor|Curved Monitor", 249,
             "{brand} {screen_size} {resolution} {panel} {noun}, {refresh}",
             "screen_size=24-Inch|27-Inch|32-Inch|34-Inch; resolution=Full HD|QHD|4K UHD; "
             "panel=IPS|VA; refresh=75Hz|144Hz|165Hz",
             "thin bezels on three sides|a height and tilt adjustable stand|built-in blue light filter"
             "|HDMI and DisplayPort inputs|adaptive sync for tear-free gaming"),
        kind("Wearables > Smartwatches", "Smartwatch|Fitness Tracker|GPS Running Watch", 179,
             "{brand} {noun} with Heart Rate Monitor, {case_size}, {color}",
             "case_size=40mm|42mm|44mm|46mm; color=Black|Silver|Rose Gold|Midnight Blue",
             "built-in GPS for runs and rides|sleep and stress tracking|7-day battery life"
             "|water resistance to 50 meters|notifications from your phone|blood oxygen readings"),
        kind("Phone Accessories > Chargers & Power",
             "USB-C Fast Charger|Charging Cable|Power Bank|Wireless Charging Pad", 29,
             "{brand} {wattage} {noun}, {color}",
             "wattage=20W|30W|65W|100W; color=White|Black|Blue",
             "smart charging that adapts to each device|a braided cable that resists fraying"
             "|protection against overheating and overcharging|a compact travel-friendly size"
             "|charging for two devices at once"),
        kind("Television & Video > Televisions", "Smart TV|QLED Smart TV|OLED Smart TV", 549,
             "{brand} {screen_size} 4K {noun} with {feature}",
             "screen_size=43-Inch|50-Inch|55-Inch|65-Inch|75-Inch; "
             "feature=Dolby Vision|Voice Remote|Game Mode|Dolby Atmos",
             "4K ultra HD picture with HDR|built-in streaming apps|a voice remote"
             "|three HDMI ports including eARC|a low-lag game mode|a slim bezel-less design"),
        kind("Cameras > Action Cameras", "Action Camera|Dash Cam|Security Camera", 149,
             "{brand} {resolution} {noun}, {feature}",
             "resolution=1080p|2K|4K; feature=Waterproof|Night Vision|Wide Angle|Wi-Fi",
             "image stabilization for smooth video|a 170-degree wide-angle lens"
             "|a waterproof case rated to 30 meters|app control over Wi-Fi|loop recording"),
    ),
)
# fmt: on

# fmt: off
CLOTHING = Department(
    name="Clothing",
    brands=("Aurelle", "Northmere", "Tessaly", "Brindlewood", "Calvane", "Fenwyn"),
    pitches=(
        "The {brand} {noun}: an easy everyday piece that dresses up or down.",
        "Meet the {brand} {noun}, cut for comfort and made to last.",
        "{brand} {noun}: a wardrobe staple in a flattering, relaxed fit.",
    ),
    closers=(
        "Machine wash cold, tumble dry low.",
        "True to size; see the size chart for measurements.",
        "Free returns within 30 days.",
    ),
    kinds=(
        kind("Women > Dresses", "Midi Dress|Maxi Dress|Mini Dress|Wrap Dress|Shift Dress|Slip Dress",
             59, "{brand} Women's {color} {material} {noun}, Size {size}",
             "color=Red|Black|Navy Blue|Emerald Green|Blush Pink|White|Mustard Yellow|Red; "
             "material=Linen|Cotton|Silk|Chiffon|Jersey|Satin; size=XS|S|M|L|XL",
             "a flattering V-neckline|hidden side pockets|an adjustable tie waist"
             "|a lined skirt that moves with you|breathable fabric for warm days"
             "|a smocked back for a comfortable fit"),
        kind("Women > Tops & Blouses",
             "Blouse|Button-Down Shirt|Tank Top|Crew Neck T-Shirt|Cardigan Sweater|Turtleneck Sweater",
             34, "{brand} Women's {color} {material} {noun}, Size {size}",
             "color=White|Black|Red|Sky Blue|Cream|Sage Green|Lavender; "
             "material=Cotton|Linen|Silk|Merino Wool|Cashmere Blend|Modal; size=XS|S|M|L|XL",
             "a relaxed drop-shoulder fit|soft, breathable fabric|a curved hem that tucks neatly"
             "|mother-of-pearl buttons|ribbed cuffs and hem|a lightweight feel for layering"),
        kind("Women > Pants & Jeans",
             "High-Rise Jeans|Wide-Leg Trousers|Yoga Leggings|Straight-Leg Jeans|Cargo Pants",
             49, "{brand} Women's {color} {noun}, Size {waist}",
             "color=Black|Light Wash Blue|Dark Wash Blue|Khaki|Olive Green|White; "
             "waist=0|2|4|6|8|10|12|14",
             "stretch fabric that keeps its shape|a high-rise waist that stays put"
             "|deep front and back pockets|a tapered ankle|a soft brushed inner lining"),
        kind("Men > Shirts", "Oxford Shirt|Polo Shirt|Button-Down Shirt|Crew Neck T-Shirt|Henley Shirt",
             39, "{brand} Men's {color} {material} {noun}, Size {size}",
             "color=White|Light Blue|Navy Blue|Black|Red Plaid|Forest Green|Charcoal Gray; "
             "material=Cotton|Organic Cotton|Linen|Pique Cotton|Stretch Cotton; size=S|M|L|XL|XXL",
             "a classic fit through the chest|a button-down collar|a chest pocket"
             "|pre-washed fabric for a soft feel|reinforced seams|wrinkle-resistant cotton"),
        kind("Men > Pants & Jeans", "Chino Pants|Slim Fit Jeans|Cargo Pants|Jogger Pants|Relaxed Fit Jeans",
             49, "{brand} Men's {color} {noun}, {waist}W x {inseam}L",
             "color=Khaki|Navy Blue|Black|Dark Wash Blue|Olive Green|Gray; "
             "waist=30|32|34|36|38|40; inseam=30|32|34",
             "stretch cotton for easy movement|a comfortable mid-rise waist|six roomy pockets"
             "|a clean tapered leg|a durable twill weave"),
        kind("Outerwear > Jackets & Coats",
             "Puffer Jacket|Rain Jacket|Wool Coat|Denim Jacket|Fleece Jacket|Quilted Vest",
             99, "{brand} {gender} {color} {noun}, Size {size}",
             "gender=Women's|Men's; color=Black|Navy Blue|Camel|Red|Olive Green|Charcoal Gray; "
             "size=XS|S|M|L|XL|XXL",
             "a water-repellent shell|a warm insulated lining|a detachable hood"
             "|zippered hand pockets|packs into its own pocket|adjustable cuffs and hem"),
        kind("Shoes > Sneakers", "Running Shoes|Walking Shoes|Canvas Sneakers|Trail Running Shoes",
             79, "{brand} {gender} {noun}, {color}, Size {shoe_size}",
             "gender=Women's|Men's; color=White|Black|Gray|Navy Blue|Red|Pink; "
             "shoe_size=6|7|8|9|10|11|12",
             "a cushioned foam midsole|a breathable knit upper|a grippy rubber outsole"
             "|a removable memory-foam insole|a lightweight, flexible build"),
        kind("Shoes > Boots", "Chelsea Boots|Hiking Boots|Ankle Boots|Rain Boots|Winter Snow Boots",
             99, "{brand} {gender} {color} {material} {noun}, Size {shoe_size}",
             "gender=Women's|Men's; color=Black|Brown|Tan|Gray; "
             "material=Leather|Suede|Waterproof Rubber|Nubuck; shoe_size=6|7|8|9|10|11|12",
             "a waterproof construction|a slip-resistant lug sole|elastic side panels"
             "|a cushioned footbed|a warm fleece lining"),
        kind("Accessories > Hats & Scarves", "Beanie|Scarf|Knit Hat|Winter Gloves|Infinity Scarf",
             24, "{brand} {color} {material} {noun}",
             "color=Black|Gray|Red|Cream|Navy Blue|Mustard Yellow; "
             "material=Wool|Merino Wool|Cashmere Blend|Acrylic",
             "a soft, itch-free knit|one size fits most|a classic ribbed pattern"
             "|a packable design|a warm, cozy feel on cold days"),
        kind("Accessories > Bags & Wallets", "Tote Bag|Crossbody Bag|Backpack|Wallet|Duffel Bag",
             49, "{brand} {color} {material} {noun}",
             "color=Black|Brown|Tan|Navy Blue|Red|Olive Green; "
             "material=Leather|Vegan Leather|Canvas|Nylon",
             "an adjustable shoulder strap|a zippered interior pocket|RFID-blocking card slots"
             "|a padded laptop sleeve|sturdy metal hardware"),
    ),
)
# fmt: on

# fmt: off
HOME_KITCHEN = Department(
    name="Home & Kitchen",
    brands=("Hearthly", "Copperleaf", "Tidewell", "Kitchory", "Bramblecote", "Oaklume"),
    pitches=_GENERIC_PITCHES,
    closers=(
        "Backed by a 2-year limited warranty.",
        "Ships in recyclable packaging.",
        "Designed and tested in our home test kitchen.",
    ),
    kinds=(
        kind("Kitchen & Dining > Cookware", "Frying Pan|Skillet|Saute Pan|Grill Pan", 39,
             "{brand} {material} {noun}, {size}",
             "material=Nonstick|Cast Iron|Stainless Steel|Ceramic Nonstick|Carbon Steel; "
             "size=8-Inch|10-Inch|12-Inch",
             "even heating with no hot spots|a stay-cool handle|oven safe to 500 degrees"
             "|compatibility with induction cooktops|a PFOA-free cooking surface|dishwasher safe"),
        kind("Kitchen & Dining > Pots & Dutch Ovens", "Dutch Oven|Stock Pot|Saucepan with Lid", 69,
             "{brand} {material} {noun}, {capacity}, {color}",
             "material=Enameled Cast Iron|Stainless Steel|Nonstick Aluminum; "
             "capacity=2-Quart|3-Quart|5.5-Quart|8-Quart; color=Red|Blue|Black|White|Sage Green",
             "a tight-fitting self-basting lid|wide loop handles|even heat for slow braising"
             "|a chip-resistant enamel finish|oven safe to 500 degrees"),
        kind("Kitchen & Dining > Small Appliances", "Air Fryer|Slow Cooker|Rice Cooker|Pressure Cooker",
             89, "{brand} {capacity} Digital {noun}, {color}",
             "capacity=4-Quart|5.8-Quart|6-Quart|8-Quart; color=Black|Stainless Steel|White|Red",
             "one-touch cooking presets|a nonstick dishwasher-safe basket|a 24-hour delay timer"
             "|an easy-read digital display|automatic keep-warm|little to no oil needed"),
        kind("Kitchen & Dining > Coffee & Tea",
             "Drip Coffee Maker|Electric Kettle|Espresso Machine|French Press|Burr Coffee Grinder",
             59, "{brand} {noun}, {color}",
             "color=Black|Stainless Steel|White|Matte Black|Cream",
             "a programmable brew timer|fast boiling in under five minutes"
             "|a 15-bar pressure pump|a reusable stainless steel filter|automatic shut-off"),
        kind("Kitchen & Dining > Drinkware", "Travel Mug|Water Bottle|Tumbler with Straw|Coffee Mug",
             24, "{brand} {material} {noun}, {capacity}, {color}",
             "material=Insulated Stainless Steel|Ceramic|Glass|BPA-Free Plastic; "
             "capacity=12 oz|16 oz|20 oz|32 oz; color=Black|White|Teal|Red|Lavender|Sand",
             "double-wall insulation that keeps drinks cold for 24 hours|a leak-proof lid"
             "|a sweat-free exterior|a fit for most car cup holders|dishwasher-safe parts"),
        kind("Kitchen & Dining > Knives", "Chef's Knife|Knife Block Set|Paring Knife Set|Santoku Knife",
             49, "{brand} {material} {noun}",
             "material=German Stainless Steel|Japanese Steel|Ceramic|Damascus Steel",
             "a razor-sharp hand-honed edge|a balanced ergonomic handle|a full-tang build"
             "|a stain-resistant blade|a protective blade guard"),
        kind("Bedding > Sheets & Duvet Covers", "Sheet Set|Duvet Cover Set|Pillowcase Pair", 59,
             "{brand} {material} {noun}, {bed_size}, {color}",
             "material=Egyptian Cotton|Linen|Bamboo Viscose|Microfiber|Flannel|Percale Cotton; "
             "bed_size=Twin|Full|Queen|King; color=White|Gray|Navy Blue|Sage Green|Blush Pink|Ivory",
             "deep pockets that fit mattresses up to 16 inches|a breathable, cooling weave"
             "|a soft feel that gets better with every wash|hidden corner ties"
             "|OEKO-TEX certified fabric"),
        kind("Bedding > Comforters & Pillows",
             "Down Alternative Comforter|Memory Foam Pillow|Weighted Blanket|Mattress Topper", 69,
             "{brand} {noun}, {bed_size}, {color}",
             "bed_size=Twin|Full|Queen|King; color=White|Gray|Navy Blue|Beige",
             "hypoallergenic fill|all-season warmth|a breathable cotton cover"
             "|corner loops for a duvet cover|machine washable"),
        kind("Home Decor > Lamps & Lighting", "Table Lamp|Floor Lamp|Desk Lamp|Pendant Light", 59,
             "{brand} {style} {noun}, {finish}",
             "style=Modern|Mid-Century|Farmhouse|Industrial|Minimalist; "
             "finish=Brass|Matte Black|Brushed Nickel|White|Walnut Wood",
             "a dimmable LED bulb included|a linen drum shade|a weighted base"
             "|a USB charging port in the base|an adjustable arm and head"),
        kind("Home Decor > Rugs", "Area Rug|Runner Rug|Washable Rug", 119,
             "{brand} {pattern} {material} {noun}, {rug_size}, {color}",
             "pattern=Geometric|Moroccan|Striped|Solid|Vintage Floral; "
             "material=Wool|Jute|Polypropylene|Cotton; "
             "rug_size=2x3 ft|5x7 ft|8x10 ft|2x8 ft; color=Gray|Beige|Navy Blue|Rust|Ivory",
             "a low pile that works under doors|a non-slip backing|stain-resistant fibers"
             "|a soft feel underfoot|a hand-woven look"),
        kind("Storage & Organization > Bins & Baskets",
             "Fabric Storage Bins|Stackable Storage Bins|Woven Baskets|Drawer Organizers", 29,
             "{brand} {noun}, Set of {count}, {color}",
             "count=3|4|6; color=Gray|Beige|White|Black|Natural",
             "sturdy reinforced sides|built-in handles|a collapsible design"
             "|a fit for standard cube shelves|a clear front for quick finding"),
        kind("Bath > Towels & Bath Mats", "Bath Towel Set|Hand Towels|Bath Sheet|Bath Mat", 34,
             "{brand} {material} {noun}, {color}",
             "material=Turkish Cotton|Egyptian Cotton|Bamboo|Quick-Dry Cotton; "
             "color=White|Gray|Navy Blue|Sage Green|Blush Pink|Charcoal",
             "thick, absorbent loops|a soft plush feel|fade-resistant color|quick drying"
             "|a non-slip backing on the mat"),
    ),
)
# fmt: on
