"""The last departments of the demo shop (see demo_vocab for the format)."""

from __future__ import annotations

from shelfwise.catalog.demo_vocab import Department, kind

_AUTHORS = (
    "author=Eleanor Marsh|Daniel Okafor|Priya Raman|Thomas Whitlock|Grace Holloway|Marco Bellini"
    "|Hannah Lindqvist|Samuel Reyes|Clara Pemberton|Oliver Strand|Amara Nwosu|Julian Avery"
)
_FORMATS = "format=Paperback|Paperback|Hardcover|Large Print"

# fmt: off
GROCERY = Department(
    name="Grocery",
    brands=("Pantrywise", "Goldfurrow", "Orchardine", "Wrenfield", "Saltbrook"),
    pitches=(
        "The {brand} {noun}: a pantry favorite made with simple ingredients.",
        "{brand} {noun}, carefully sourced and packed for freshness.",
        "Meet {brand} {noun}: good food without the fuss.",
    ),
    closers=(
        "Store in a cool, dry place.",
        "Produced in a facility that also processes tree nuts.",
        "Resealable packaging keeps it fresh.",
    ),
    kinds=(
        kind("Beverages > Coffee", "Coffee", 12, "{brand} {roast} {form} {noun}, {size}",
             "roast=Light Roast|Medium Roast|Dark Roast|Espresso Roast|Decaf; form=Whole Bean|Ground; "
             "size=12 oz|2 lb; diet=Organic|Fair Trade|Single Origin",
             "notes of chocolate and toasted nuts|beans roasted in small batches"
             "|a smooth, low-acid finish|100 percent arabica beans|a one-way valve bag for freshness"),
        kind("Beverages > Tea", "Tea", 6, "{brand} {variety} {noun}, {count} Tea Bags",
             "variety=Green|Earl Grey|Chamomile|Peppermint|English Breakfast|Jasmine Green|Chai; "
             "count=20|40|100; diet=Organic|Fair Trade|Non-GMO",
             "individually wrapped tea bags|whole leaf tea|a bright, clean taste"
             "|no artificial flavors|compostable tea bags"),
        kind("Beverages > Sparkling Water", "Sparkling Water", 7, "{brand} {flavor} {noun}, {count} Pack",
             "flavor=Lime|Grapefruit|Black Cherry|Lemon|Mango|Unflavored; count=8|12|24",
             "zero calories and zero sugar|natural fruit essence|crisp, fine bubbles"
             "|recyclable aluminum cans|no artificial sweeteners"),
        kind("Snacks > Chips & Crisps", "Kettle Chips|Tortilla Chips|Veggie Straws|Pita Chips", 4,
             "{brand} {flavor} {noun}, {size}",
             "flavor=Sea Salt|Salt and Vinegar|Barbecue|Sour Cream and Onion|Jalapeno; "
             "size=5 oz|8 oz|Pack of 12",
             "a satisfying crunch|chips cooked in small batches|no artificial colors"
             "|a gluten-free recipe|real seasoning in every bite"),
        kind("Snacks > Nuts & Trail Mix", "Roasted Almonds|Cashews|Trail Mix|Mixed Nuts|Pistachios", 9,
             "{brand} {style} {noun}, {size}",
             "style=Lightly Salted|Unsalted|Honey Roasted|Sea Salt; size=8 oz|16 oz|32 oz",
             "a good source of plant protein|slow roasting for a deep flavor"
             "|a resealable stand-up bag|no added oils|a handy on-the-go snack"),
        kind("Snacks > Snack Bars", "Protein Bars|Granola Bars|Fruit and Nut Bars", 12,
             "{brand} {flavor} {noun}, {count} Count",
             "flavor=Chocolate Peanut Butter|Oats and Honey|Blueberry Almond|Dark Chocolate Sea Salt; "
             "count=6|12|24; diet=Gluten-Free|High Protein|Vegan",
             "12 grams of protein per bar|whole grain oats|no high fructose corn syrup"
             "|individually wrapped bars|a soft, chewy texture"),
        kind("Pantry Staples > Pasta & Grains",
             "Spaghetti|Penne Pasta|Jasmine Rice|Basmati Rice|Quinoa|Rolled Oats", 5,
             "{brand} {diet} {noun}, {size}",
             "diet=Organic|Whole Grain|Gluten-Free; size=1 lb|2 lb|5 lb",
             "a tender texture that holds sauce|quick cooking|a non-GMO ingredient list"
             "|a resealable bag|a product of a family farm"),
        kind("Pantry Staples > Oils & Vinegars",
             "Extra Virgin Olive Oil|Avocado Oil|Balsamic Vinegar|Coconut Oil|Apple Cider Vinegar", 11,
             "{brand} {diet} {noun}, {volume}",
             "diet=Organic|Cold Pressed|Non-GMO; volume=16.9 fl oz|25.4 fl oz|33.8 fl oz",
             "a high smoke point for searing|a fruity, peppery flavor|a dark glass bottle"
             "|a single-origin harvest|great for dressings and marinades"),
        kind("Pantry Staples > Spices & Seasonings",
             "Ground Cinnamon|Smoked Paprika|Garlic Powder|Italian Seasoning|Black Peppercorns"
             "|Ground Turmeric|Chili Powder", 5, "{brand} {diet} {noun}, {size}",
             "diet=Organic|Non-GMO|Salt Free; size=2 oz|4 oz|8 oz",
             "bold, fresh flavor|a shaker and spoon lid|no fillers or anti-caking agents"
             "|small-batch grinding|a kosher certification"),
        kind("Breakfast > Cereal & Granola", "Granola|Whole Grain Cereal|Oat Clusters|Muesli", 6,
             "{brand} {flavor} {noun}, {size}",
             "flavor=Honey Almond|Maple Pecan|Cinnamon|Mixed Berry|Chocolate; size=11 oz|16 oz|24 oz",
             "crunchy clusters|whole grain oats as the first ingredient|8 grams of fiber per serving"
             "|no artificial flavors|great with milk or yogurt"),
    ),
)

TOOLS = Department(
    name="Tools & Home Improvement",
    brands=("Anvilry", "Ironmarsh", "Boltwright", "Torqueon", "Gridstone"),
    pitches=(
        "The {brand} {noun}: job-site tough and ready for weekend projects.",
        "Meet the {brand} {noun}, built for pros and first-time DIYers alike.",
        "{brand} {noun}: reliable tools for real work.",
    ),
    closers=(
        "Backed by a 3-year limited warranty.",
        "Ships with a printed user manual.",
        "Always wear eye protection when using power tools.",
    ),
    kinds=(
        kind("Power Tools > Drills & Drivers", "Drill Driver|Hammer Drill|Impact Driver", 99,
             "{brand} {voltage} Cordless {noun} Kit with {battery} Battery",
             "voltage=12V|18V|20V; battery=2.0Ah|4.0Ah; motor=Brushed|Brushless",
             "a two-speed gearbox|an LED work light|a keyless 1/2-inch chuck"
             "|a compact, lightweight design|a fast charger included|a belt clip"),
        kind("Power Tools > Saws", "Circular Saw|Jigsaw|Reciprocating Saw|Miter Saw", 129,
             "{brand} {power} {noun}", "power=Corded|20V Cordless|Brushless 20V Cordless",
             "a tool-free blade change|an electric brake|a dust blower that keeps the line clear"
             "|a bevel capacity of 45 degrees|an ergonomic rubber grip"),
        kind("Hand Tools > Tool Sets",
             "Mechanics Tool Set|Screwdriver Set|Socket Set|Home Repair Tool Kit|Hex Key Set", 49,
             "{brand} {count}-Piece {noun}",
             "count=24|45|108|205; material=Chrome Vanadium Steel|Alloy Steel",
             "a sturdy blow-molded case|a lifetime warranty on hand tools|laser-etched size markings"
             "|a comfortable cushioned grip|a rust-resistant finish"),
        kind("Hand Tools > Measuring & Layout", "Tape Measure|Laser Level|Stud Finder|Digital Caliper",
             29, "{brand} Professional {noun}, {color}", "color=Yellow|Orange|Black",
             "accurate readings every time|a durable rubber-armored case|an easy-read display"
             "|a magnetic hook and belt clip|auto shut-off to save batteries"),
        kind("Lighting & Electrical > LED Bulbs", "LED Light Bulbs", 14,
             "{brand} {watt} Equivalent {noun}, {light_color}, {count} Pack",
             "watt=40W|60W|75W|100W; light_color=Soft White|Daylight|Warm White; count=4|6|12; "
             "base=E26|E12",
             "a 15,000-hour life|dimmable on most dimmers|instant full brightness"
             "|up to 85 percent energy savings|no flicker"),
        kind("Lighting & Electrical > Smart Home",
             "Smart Plug|Smart LED Bulb|Smart Light Strip|Smart Dimmer Switch", 25,
             "{brand} Wi-Fi {noun}, {count} Pack", "count=1|2|4",
             "schedules and timers from the app|voice control with popular assistants"
             "|no hub required|energy monitoring|easy setup in minutes"),
        kind("Storage > Tool Storage", "Tool Box|Rolling Tool Chest|Tool Bag|Pegboard Kit", 59,
             "{brand} {size} {noun}, {color}",
             "size=16-Inch|20-Inch|26-Inch; color=Red|Black|Yellow|Gray",
             "heavy-duty metal latches|a removable tray|ball-bearing drawer slides"
             "|a padded shoulder strap|weather-resistant construction"),
        kind("Safety > Protective Gear", "Work Gloves|Safety Glasses|Earmuffs|Knee Pads", 15,
             "{brand} {noun}, Size {size}", "size=S|M|L|XL|One Size",
             "ANSI-rated protection|a comfortable all-day fit|a touchscreen-friendly fingertip"
             "|an anti-fog coating|adjustable straps"),
        kind("Paint > Painting Supplies", "Paint Roller Kit|Paint Brush Set|Painter's Tape|Drop Cloth",
             15, "{brand} {noun}, {count} Pack", "count=1|3|6",
             "clean, sharp paint lines|lint-free roller covers|reusable after cleaning"
             "|a leak-resistant backing|brushes that hold more paint"),
    ),
)

BOOKS = Department(
    name="Books",
    brands=("Quillmoor Books", "Paperlark", "Emberleaf Press", "Harrowgate House", "Windlass Books"),
    pitches=("{noun} by {author}, published by {brand}.",),
    closers=(
        "Also available as an audiobook.",
        "A reading group guide is included at the back.",
    ),
    kinds=(
        kind("Fiction > Mystery & Thriller", "Mystery Novel|Thriller", 16,
             "The {adj} {thing}: A Novel ({format})", f"{_AUTHORS}; {_FORMATS}",
             "short, fast-paced chapters|a twist you will not see coming"
             "|a small town full of secrets|a detective readers will want to follow again"
             "|a clever, satisfying ending",
             words="adj=Silent|Hidden|Last|Broken|Midnight|Forgotten|Crimson|Quiet; "
                   "thing=Harbor|Witness|Key|Orchard|Lighthouse|Letter|Stranger|Bridge",
             pitches="A gripping mystery by {author}.|A page-turning thriller from {author}."),
        kind("Fiction > Science Fiction & Fantasy", "Fantasy Novel|Science Fiction Novel", 18,
             "{thing} of the {place} ({format})", f"{_AUTHORS}; {_FORMATS}",
             "a richly imagined world|a map of the realm inside the cover|unforgettable characters"
             "|a first book in a new series|epic battles and quiet moments",
             words="thing=Song|Heirs|Shadow|Crown|Engines|Children|Keeper; "
                   "place=Last Star|Iron Coast|Hollow Moon|Ninth Gate|Glass Sea|Ember Isles",
             pitches="An epic adventure by {author}.|A sweeping story of courage from {author}."),
        kind("Fiction > Romance", "Romance Novel", 14,
             "{season} at the {place}: A Novel ({format})", f"{_AUTHORS}; {_FORMATS}",
             "a slow-burn love story|witty banter|a cozy seaside setting|a second-chance romance"
             "|a heartwarming happy ending",
             words="season=Summer|Winter|Christmas|One Spring|Midsummer; "
                   "place=Seaside Inn|Little Bookshop|Vineyard|Lake House|Flower Shop|Bakery",
             pitches="A feel-good romance by {author}.|A warm, funny love story from {author}."),
        kind("Nonfiction > Cooking", "Cookbook", 24,
             "{cuisine} Made Simple: {count} Easy Recipes for Every Day ({format})",
             f"{_AUTHORS}; {_FORMATS}; cuisine=Weeknight Vegetarian|Mediterranean|One-Pot|Air Fryer"
             "|Sheet Pan|Home Baking|Slow Cooker; count=75|100|125",
             "full-color photos of every dish|shopping lists and meal plans"
             "|recipes ready in 30 minutes or less|tips for cooking ahead|nutrition facts per serving",
             pitches="A practical cookbook by {author}.|Everyday recipes from {author}."),
        kind("Nonfiction > Self-Help", "Self-Help Book", 17,
             "The {adj} Habit: {sub} ({format})", f"{_AUTHORS}; {_FORMATS}",
             "simple exercises at the end of each chapter|stories from real people"
             "|research explained in plain language|a 30-day plan|practical advice you can use today",
             words="adj=Morning|Five-Minute|Small|Quiet|Focused|Kind; "
                   "sub=How Small Changes Build a Better Life|A Practical Guide to Less Stress"
                   "|Finding Calm in a Busy World|Doing Less and Getting More Done",
             pitches="A friendly guide to lasting change by {author}."),
        kind("Nonfiction > History", "History Book", 22,
             "The {topic}: {sub} ({format})", f"{_AUTHORS}; {_FORMATS}",
             "vivid first-hand accounts|maps and photographs|deep research told as a story"
             "|a fresh look at a familiar past|notes and a full index",
             words="topic=Age of Sail|Great Railways|First Cities|Spice Merchants|Canal Builders"
                   "|Lighthouse Keepers; sub=A History|A People's History|Stories from the Past",
             pitches="A vivid history by {author}.|Narrative history at its best from {author}."),
        kind("Children's Books > Picture Books", "Picture Book", 11,
             "The {adj} Little {animal} ({format})",
             f"{_AUTHORS}; format=Board Book|Hardcover|Paperback; ages=2-5|3-6|4-8",
             "bright, playful illustrations|a gentle rhyming text|a story about friendship"
             "|a perfect bedtime read|sturdy pages for little hands",
             words="adj=Brave|Sleepy|Curious|Grumpy|Tiny|Busy; "
                   "animal=Fox|Owl|Bear|Dragon|Hedgehog|Whale|Penguin",
             pitches="A sweet picture book by {author}.|A story to read aloud from {author}."),
    ),
)

PETS = Department(
    name="Pet Supplies",
    brands=("Pawsmith", "Whiskerly", "Tailspring", "Barkhaven", "Fetchmore"),
    pitches=(
        "The {brand} {noun}: made for happy, healthy pets.",
        "Meet the {brand} {noun}, vet-approved and pet-tested.",
        "{brand} {noun}: because your pet deserves the best.",
    ),
    closers=(
        "Satisfaction guaranteed or your money back.",
        "Made in small batches and quality tested.",
    ),
    kinds=(
        kind("Dogs > Dog Food", "Dry Dog Food|Grain-Free Dog Food", 39,
             "{brand} {recipe} Recipe {noun} for {life_stage} Dogs, {size}",
             "recipe=Chicken and Brown Rice|Salmon and Sweet Potato|Lamb and Oatmeal|Beef and Barley; "
             "life_stage=Adult|Senior|Small Breed|Large Breed; size=4 lb|15 lb|30 lb",
             "real meat as the first ingredient|no corn, wheat or soy|added glucosamine for joints"
             "|omega fatty acids for a shiny coat|a crunchy kibble that cleans teeth"),
        kind("Dogs > Dog Toys", "Squeaky Plush Toy|Rope Tug Toy|Chew Toy|Treat Dispensing Ball", 14,
             "{brand} {noun} for {dog_size} Dogs, {color}",
             "dog_size=Small|Medium|Large; color=Blue|Red|Green|Orange",
             "tough, double-stitched seams|a squeaker that lasts|non-toxic materials"
             "|a treat slot for puzzle play|a shape that bounces unpredictably"),
        kind("Dogs > Beds & Crates",
             "Orthopedic Dog Bed|Calming Donut Bed|Folding Metal Crate|Cooling Dog Bed", 59,
             "{brand} {noun}, {size}, {color}",
             "size=Small|Medium|Large|X-Large; color=Gray|Brown|Navy Blue|Beige",
             "supportive memory foam|a removable, washable cover|a non-skid bottom"
             "|raised bolsters for resting heads|a fold-flat design for travel"),
        kind("Dogs > Collars & Leashes", "Collar|Leash|No-Pull Harness|Reflective Leash", 19,
             "{brand} {material} {noun}, Size {size}, {color}",
             "material=Nylon|Leather|Padded Mesh; size=S|M|L; color=Black|Red|Blue|Pink|Orange",
             "reflective stitching for night walks|a quick-release buckle|a padded handle"
             "|a rust-proof D-ring|an adjustable fit"),
        kind("Cats > Cat Food", "Dry Cat Food|Grain-Free Cat Food", 24,
             "{brand} {recipe} {noun} for {life_stage} Cats, {size}",
             "recipe=Salmon|Chicken|Turkey|Tuna and Whitefish; life_stage=Adult|Indoor|Senior|Long-Haired; "
             "size=3 lb|7 lb|16 lb",
             "high-protein recipe|taurine for heart and eye health|a hairball control formula"
             "|no artificial colors or flavors|small, easy-to-chew kibble"),
        kind("Cats > Litter", "Clumping Cat Litter", 19, "{brand} {scent} {noun}, {size}",
             "scent=Unscented|Lavender|Fresh Scent; size=10 lb|20 lb|40 lb",
             "tight clumps for easy scooping|99 percent dust free|odor control for 7 days"
             "|a low-tracking formula|a recyclable container"),
        kind("Cats > Cat Furniture & Toys",
             "Cat Tree|Scratching Post|Feather Wand Toy|Interactive Laser Toy|Cat Tunnel", 39,
             "{brand} {noun}, {color}", "color=Gray|Beige|Black|Blue",
             "sisal-wrapped scratching posts|a plush perch|a sturdy, wide base"
             "|dangling toys|a design cats love to explore"),
        kind("Fish & Aquatic > Aquariums", "Aquarium Starter Kit|Glass Aquarium|Nano Aquarium Kit", 79,
             "{brand} {capacity} {noun}", "capacity=5 Gallon|10 Gallon|20 Gallon|29 Gallon",
             "a quiet built-in filter|LED lighting with day and night modes|a glass canopy"
             "|a water conditioner sample|easy setup for beginners"),
        kind("Small Animals > Habitats & Supplies", "Habitat|Exercise Wheel|Wooden Hideout|Timothy Hay",
             29, "{brand} {noun} for {animal}", "animal=Hamsters|Rabbits|Guinea Pigs|Gerbils",
             "safe, chew-proof materials|easy cleaning|room to play and explore"
             "|natural wood and fiber|a quiet design"),
    ),
)
# fmt: on
