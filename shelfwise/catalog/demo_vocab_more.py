"""More departments of the demo shop (see demo_vocab for the format)."""

from __future__ import annotations

from shelfwise.catalog.demo_vocab import Department, kind

_GENERIC_PITCHES = (
    "Meet the {brand} {noun}: made for everyday use.",
    "{brand} {noun}: dependable quality at a fair price.",
    "The {noun} from {brand}, for people who want things that simply work.",
)

# fmt: off
BEAUTY = Department(
    name="Beauty & Personal Care",
    brands=("Velmora", "Petalis", "Dewbright", "Solenne", "Amberine"),
    pitches=(
        "The {brand} {noun}: a simple step for a daily routine.",
        "Meet the {brand} {noun}, made with skin-loving ingredients.",
        "{brand} {noun}: gentle, effective and easy to use every day.",
    ),
    closers=(
        "Dermatologist tested and cruelty free.",
        "Free of parabens and sulfates.",
        "Patch test before first use.",
    ),
    kinds=(
        kind("Skin Care > Moisturizers", "Face Moisturizer|Night Cream|Gel Cream|Eye Cream", 24,
             "{brand} {benefit} {noun} with {ingredient}, {volume}",
             "benefit=Hydrating|Oil-Free|Anti-Aging|Brightening|Soothing; "
             "ingredient=Hyaluronic Acid|Vitamin C|Ceramides|Niacinamide|Retinol|Aloe Vera; "
             "volume=0.5 fl oz|1 fl oz|1.7 fl oz|2.5 fl oz; "
             "skin_type=Dry|Oily|Combination|Sensitive|All Skin Types",
             "a lightweight texture that absorbs quickly|24-hour hydration|a fragrance-free formula"
             "|a non-comedogenic formula that will not clog pores|a recyclable glass jar"),
        kind("Skin Care > Cleansers", "Foaming Face Wash|Cleansing Balm|Micellar Water|Gentle Cleanser",
             16, "{brand} {noun} with {ingredient}, {volume}",
             "ingredient=Salicylic Acid|Green Tea|Ceramides|Charcoal|Rose Water; "
             "volume=4 fl oz|6.7 fl oz|8 fl oz|13.5 fl oz; skin_type=Dry|Oily|Combination|Sensitive",
             "a rich lather that rinses clean|makeup removal in one step"
             "|a pH-balanced formula|no tight, dry feeling after washing|a pump bottle"),
        kind("Skin Care > Sunscreen", "Mineral Sunscreen|Sunscreen Lotion|Sunscreen Stick|Tinted Sunscreen",
             18, "{brand} {noun} SPF {spf}, {volume}",
             "spf=30|50|70; volume=1.7 fl oz|3 fl oz|5 fl oz",
             "broad-spectrum UVA and UVB protection|water resistance for 80 minutes"
             "|a sheer finish with no white cast|a reef-friendly formula|a lightweight feel"),
        kind("Hair Care > Shampoo & Conditioner",
             "Shampoo|Conditioner|Shampoo and Conditioner Set|Leave-In Conditioner|Hair Mask", 19,
             "{brand} {benefit} {noun} for {hair_type} Hair, {volume}",
             "benefit=Moisturizing|Volumizing|Repairing|Color Safe|Clarifying; "
             "hair_type=Dry|Curly|Fine|Damaged|Oily|All; volume=8 fl oz|12 fl oz|16 fl oz|33.8 fl oz",
             "argan oil for shine|a sulfate-free formula|a fresh citrus scent"
             "|frizz control in humid weather|gentle cleansing for daily use"),
        kind("Hair Care > Hair Tools", "Hair Dryer|Flat Iron|Curling Wand|Hot Air Brush", 59,
             "{brand} {feature} {noun}, {color}",
             "feature=Ionic|Ceramic|Tourmaline|Titanium; color=Black|Rose Gold|White|Pink",
             "three heat and two speed settings|fast heat-up in 30 seconds|automatic shut-off"
             "|dual voltage for travel|a 360-degree swivel cord"),
        kind("Makeup > Lips", "Lipstick|Lip Gloss|Liquid Lipstick|Tinted Lip Balm", 14,
             "{brand} {finish} {noun}, {shade}",
             "finish=Matte|Satin|Glossy|Sheer; "
             "shade=Classic Red|Cherry Red|Rose Nude|Berry|Coral|Mauve|Plum",
             "long-wearing color|a nourishing shea butter formula|a non-sticky finish"
             "|buildable coverage|a precise applicator"),
        kind("Makeup > Face", "Liquid Foundation|Concealer|Setting Powder|Cream Blush|Bronzer", 22,
             "{brand} {finish} {noun}, {shade}",
             "finish=Matte|Dewy|Natural|Radiant; shade=Fair|Light|Medium|Tan|Deep",
             "buildable medium coverage|a lightweight, breathable feel|all-day wear"
             "|a formula for sensitive skin|a shade range for every skin tone"),
        kind("Makeup > Eyes", "Volumizing Mascara|Eyeliner Pencil|Eyeshadow Palette|Brow Pencil", 15,
             "{brand} {finish} {noun}, {shade}",
             "finish=Waterproof|Smudge-Proof|Long-Wear; shade=Black|Brown|Taupe|Warm Neutrals",
             "a smudge-proof formula|easy removal with warm water|a precise tip"
             "|buildable color|an ophthalmologist-tested formula"),
        kind("Fragrance > Perfume", "Eau de Parfum|Eau de Toilette|Body Mist", 45,
             "{brand} {scent} {noun}, {volume}",
             "scent=Vanilla Amber|Citrus Bloom|Sea Salt|Rose Garden|Cedar and Sage|White Musk; "
             "volume=1 fl oz|1.7 fl oz|3.4 fl oz",
             "top notes of bergamot and pear|a warm, long-lasting base|a refillable glass bottle"
             "|a travel-size atomizer|a scent that lasts all day"),
        kind("Personal Care > Oral Care & Shaving",
             "Electric Toothbrush|Water Flosser|Electric Shaver|Beard Trimmer", 49,
             "{brand} Rechargeable {noun}, {color}",
             "color=White|Black|Blue|Pink|Silver",
             "a two-minute smart timer|a 30-day battery life|three cleaning modes"
             "|a travel case|a waterproof body for use in the shower"),
    ),
)

SPORTS = Department(
    name="Sports & Outdoors",
    brands=("Trailvane", "Summitry", "Ridgeborn", "Pacewell", "Alpenloft"),
    pitches=(
        "The {brand} {noun}: trail-tested gear for your next adventure.",
        "Meet the {brand} {noun}, built to keep up with you.",
        "{brand} {noun}: tough, light and ready for anything.",
    ),
    closers=(
        "Backed by a lifetime warranty against defects.",
        "Field tested by our team of guides and athletes.",
    ),
    kinds=(
        kind("Camping & Hiking > Tents", "Backpacking Tent|Dome Tent|Camping Tent|Instant Cabin Tent",
             149, "{brand} {capacity} {noun}, {color}",
             "capacity=1-Person|2-Person|4-Person|6-Person; color=Green|Orange|Gray|Blue|Tan",
             "setup in under five minutes|a waterproof rainfly with taped seams"
             "|two doors and two vestibules|mesh panels for airflow|a lightweight aluminum frame"),
        kind("Camping & Hiking > Sleeping Bags",
             "Mummy Sleeping Bag|Rectangular Sleeping Bag|Down Sleeping Bag", 89,
             "{brand} {temperature} {noun}, {color}",
             "temperature=20 Degree|30 Degree|40 Degree; color=Navy Blue|Red|Green|Gray",
             "a water-resistant shell|a draft collar to hold in warmth|a compression stuff sack"
             "|a two-way zipper|a soft brushed lining"),
        kind("Camping & Hiking > Backpacks", "Hiking Backpack|Daypack|Hydration Pack|Trekking Pack", 79,
             "{brand} {capacity} {noun}, {color}",
             "capacity=20L|35L|45L|65L; color=Black|Red|Blue|Green|Orange|Gray",
             "a ventilated back panel|padded hip belt pockets|a built-in rain cover"
             "|trekking pole loops|a hydration sleeve"),
        kind("Fitness > Yoga", "Yoga Mat|Travel Yoga Mat|Exercise Mat|Hot Yoga Mat", 29,
             "{brand} {material} {noun}, {thickness}, {color}",
             "material=TPE|Natural Rubber|Cork|PVC-Free Foam; thickness=4mm|6mm|8mm; "
             "color=Purple|Black|Teal|Pink|Gray|Blue",
             "a non-slip textured surface|alignment lines|a carrying strap"
             "|sweat-resistant and easy to clean|extra cushioning for joints"),
        kind("Fitness > Strength Training", "Adjustable Dumbbell|Kettlebell|Weight Plate|Dumbbell Pair",
             79, "{brand} {weight} {noun}",
             "weight=10 lb|15 lb|20 lb|25 lb|35 lb|50 lb",
             "a comfortable knurled grip|a durable powder-coated finish|a flat base that will not roll"
             "|quick weight changes|a compact footprint for home gyms"),
        kind("Fitness > Cardio Equipment", "Jump Rope|Exercise Bike|Folding Treadmill|Rowing Machine",
             249, "{brand} {noun}, {color}",
             "color=Black|Gray|White",
             "a quiet magnetic resistance system|an LCD monitor for time, distance and calories"
             "|a folding frame for small spaces|a padded adjustable seat|a tablet holder"),
        kind("Cycling > Bike Accessories", "Bike Helmet|Bike Light Set|Bike Lock|Mini Bike Pump", 35,
             "{brand} {noun}, {color}", "color=Black|White|Red|Blue|Neon Yellow",
             "USB rechargeable lights|a lightweight, ventilated shell|a fit for most bikes"
             "|a hardened steel shackle|a quick-release mount"),
        kind("Team Sports > Balls", "Soccer Ball|Basketball|Volleyball|Football", 25,
             "{brand} {grade} {noun}, Size {ball_size}",
             "grade=Official|Training|Indoor/Outdoor|Youth; ball_size=3|4|5|6|7",
             "a soft-touch cover|a butyl bladder that holds air|machine-stitched panels"
             "|consistent flight and bounce|a deep channel design for grip"),
        kind("Water Sports > Swimming", "Swim Goggles|Swim Cap|Kickboard|Snorkel Set", 19,
             "{brand} {noun}, {color}", "color=Black|Blue|Clear|Pink|Orange",
             "anti-fog lenses with UV protection|a leak-proof silicone seal|an adjustable strap"
             "|a comfortable fit for adults and teens|a protective case"),
    ),
)

TOYS = Department(
    name="Toys & Games",
    brands=("Wobblewick", "Pipkinry", "Marbleroo", "Jollyquill", "Toddlewise"),
    pitches=(
        "The {brand} {noun}: hours of screen-free fun.",
        "Meet the {brand} {noun}, a gift kids will actually play with.",
        "{brand} {noun}: playtime that sparks imagination.",
    ),
    closers=(
        "Meets all US toy safety standards.",
        "Warning: small parts, not for children under 3 years.",
    ),
    kinds=(
        kind("Building Toys > Building Sets", "Building Set|Brick Building Kit|Construction Set", 39,
             "{brand} {theme} {noun}, {pieces} Pieces",
             "theme=Space Station|Castle|City Fire Station|Pirate Ship|Dinosaur Park|Race Car Garage; "
             "pieces=250|500|750|1200; ages=6+|8+|10+",
             "bricks that fit standard building sets|step-by-step picture instructions"
             "|minifigures and accessories|a storage box for all the pieces"),
        kind("Puzzles > Jigsaw Puzzles", "Jigsaw Puzzle", 19,
             "{brand} {pieces}-Piece {noun}, {theme}",
             "pieces=300|500|1000|1500; theme=Mountain Lake|Vintage Map|Cats in the Garden|Night Sky"
             "|Coastal Village|Autumn Forest",
             "thick, snug-fitting pieces|a poster of the finished picture|glare-free paper"
             "|recycled cardboard|a sturdy box"),
        kind("Games > Board Games", "Strategy Board Game|Family Board Game|Party Card Game|Cooperative Game",
             29, "{brand} {name}: {noun} for {players}",
             "players=2-4 Players|2-6 Players|3-8 Players; ages=8+|10+|12+",
             "easy rules you can learn in ten minutes|games that last 30 to 60 minutes"
             "|beautifully illustrated cards|plenty of replay value|a rulebook with examples",
             words="name=Harborline|Star Haul|Manor of Clues|Tidepool Tactics|Lantern Road|Cargo Cats"),
        kind("Dolls & Action Figures > Dolls", "Fashion Doll|Baby Doll|Doll House|Action Figure", 29,
             "{brand} {noun} with {extras}",
             "extras=Accessories|Outfits|Furniture|Sound Effects; ages=3+|4+|6+",
             "poseable arms and legs|ten accessories|a carry case|realistic details"
             "|mix-and-match outfits"),
        kind("Stuffed Animals > Plush Toys", "Plush Toy|Stuffed Animal|Weighted Plush", 19,
             "{brand} {animal} {noun}, {size}",
             "animal=Teddy Bear|Bunny|Elephant|Unicorn|Dinosaur|Penguin|Sloth|Fox; "
             "size=8 Inch|12 Inch|18 Inch",
             "super-soft fabric|embroidered eyes that are safe for toddlers|surface washable"
             "|a huggable size|a gift tag ready to go"),
        kind("Remote Control > RC Vehicles", "Remote Control Car|Monster Truck|Stunt Car|Off-Road Truck",
             49, "{brand} {scale} {noun}, {color}",
             "scale=1:10|1:16|1:18|1:24; color=Red|Blue|Green|Orange|Black",
             "speeds up to 20 mph|two rechargeable batteries|all-terrain tires"
             "|a 2.4GHz remote with 100 m range|shock-absorbing suspension"),
        kind("Learning Toys > STEM Toys",
             "Coding Robot Kit|Magnetic Tiles Set|Science Experiment Kit|Circuit Building Kit|Microscope Kit",
             39, "{brand} {noun} for Kids, Ages {ages}", "ages=3+|5+|8+|10+",
             "hands-on lessons in science and engineering|a full-color guide|reusable parts"
             "|projects that grow with your child|no screen required"),
        kind("Outdoor Play > Outdoor Toys", "Bubble Machine|Kids Scooter|Water Blaster|Sandbox Toy Set",
             29, "{brand} {noun}, {color}", "color=Red|Blue|Pink|Green|Yellow",
             "sturdy, weather-proof plastic|easy setup|bright colors|fun for the whole family"
             "|light enough for small hands"),
    ),
)
# fmt: on
