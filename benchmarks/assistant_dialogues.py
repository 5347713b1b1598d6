"""Simulated dialogues with the shopping assistant over the demo shops (English and Chinese).

    nice -n 10 .venv/bin/python benchmarks/assistant_dialogues.py --work-dir runs/assistant \
        [--products 1500] [--dialogues 200] [--encoder hashing] [--seed 31]

Each simulated shopper has a target product and hidden preferences (the target's brand,
attributes and price). It opens with its need in one sentence (the target's leaf category, in
English or Chinese, and sometimes one attribute value), answers each question truthfully (the
option holding the target's value, else that value typed, else "any") and, when shown products without its
target, volunteers one more preference ("Fenwyn", "Red", "under $40", "200元以下"). Printed:
the share of dialogues whose target is among the products shown within 3 turns, against one-shot
search with the first sentence (the same shop's search, top 5); the mean turns until the target is
shown (dialogues that never show it count as the turn limit); per-turn latency p50/p95 (the
assistant's own `took_ms`, single process, no HTTP). Shops are built in WORK_DIR/{en,zh} with
the environment's settings (`--encoder` overrides the encoder: hashing is quick, the default is
the bundled models); half the dialogues are English, half Chinese.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from shelfwise.assistant import Assistant, AssistantAnswer, Choice, MemoryConversations, Question, Turn
from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.demo.catalog_zh import generate_demo_catalog_zh
from shelfwise.records import Product, SearchRequest
from shelfwise.shop_server import ShopServer

MAX_TURNS = 5
SHOWN = 5


@dataclass
class Shopper:
    target: Product
    language: str
    rng: random.Random
    said: set[str] = field(default_factory=set)

    def first_sentence(self) -> str:
        leaf = self.target.category[-1]
        extra = ""
        if self.target.attributes and self.rng.random() < 0.5:
            name = self.rng.choice(sorted(self.target.attributes))
            extra = self.target.attributes[name]
            self.said.add(f"attr:{name}")
        if self.language == "zh":
            return f"我想买{extra}{leaf}"
        return f"I'm looking for {extra + ' ' if extra else ''}{leaf.lower()}"

    def answer(self, question: Question) -> Choice | str:
        """The option holding the target's value; else the value in words (a brand, an
        attribute value, the price), as a shopper types what the options lack; else 'any'."""
        self.said.add(question.field)
        for option in question.options:
            if option.value and _holds(self.target, option.field, option.value, option):
                return Choice(option.field, option.value, option.price_min, option.price_max)
        typed = self._value(question.field)
        return typed if typed is not None else Choice(question.field, "")

    def _value(self, field_name: str) -> str | None:
        target = self.target
        if field_name == "brand":
            return target.brand or None
        if field_name == "price" and target.price is not None:
            bound = math.ceil(target.price)
            return f"{bound}元以下" if self.language == "zh" else f"under ${bound}"
        if field_name.startswith("attr:"):
            return target.attributes.get(field_name.removeprefix("attr:"))
        return None

    def volunteer(self) -> str | None:
        """One preference not said yet: the brand, an attribute value, then the price."""
        target = self.target
        if "brand" not in self.said and target.brand:
            self.said.add("brand")
            return target.brand
        for name in sorted(target.attributes):
            if f"attr:{name}" not in self.said:
                self.said.add(f"attr:{name}")
                return target.attributes[name]
        if "price" not in self.said and target.price is not None:
            self.said.add("price")
            bound = math.ceil(target.price)
            return f"{bound}元以下" if self.language == "zh" else f"under ${bound}"
        return None


def _holds(target: Product, field_name: str, value: str, option: object) -> bool:
    if field_name == "brand":
        return target.brand == value
    if field_name == "category":
        return " > ".join(target.category).startswith(value)
    if field_name == "price":
        low, high = getattr(option, "price_min", None), getattr(option, "price_max", None)
        price = target.price
        return price is not None and (low is None or price >= low) and (high is None or price <= high)
    return target.attributes.get(field_name.removeprefix("attr:")) == value


def run_dialogue(assistant: Assistant, shopper: Shopper, conversation: str) -> tuple[int | None, list[float]]:
    """The turn at which the target was first shown (None: not within MAX_TURNS), and latencies."""
    latencies: list[float] = []
    answer: AssistantAnswer = assistant.turn(
        Turn(message=shopper.first_sentence(), conversation_id=conversation)
    )
    for turn in range(1, MAX_TURNS + 1):
        latencies.append(answer.took_ms)
        if shopper.target.product_id in [p.product.product_id for p in answer.products[:SHOWN]]:
            return turn, latencies
        if turn == MAX_TURNS:
            break
        if answer.question is not None:
            said = shopper.answer(answer.question)
            if isinstance(said, str):
                reply = Turn(message=said, conversation_id=conversation)
            else:
                reply = Turn(message="", conversation_id=conversation, choice=said)
        else:
            said = shopper.volunteer()
            if said is None:
                break
            reply = Turn(message=said, conversation_id=conversation)
        answer = assistant.turn(reply)
    return None, latencies


def one_shot(shop: ShopServer, sentence: str, target: str) -> bool:
    result = shop.search(SearchRequest(query=sentence, page_size=SHOWN))
    return target in [h.product.product_id for h in result.hits]


def build_shop(root: Path, products: list[Product], encoder: str | None) -> ShopServer:
    settings = Settings(data_dir=root)
    if encoder is not None:
        settings = settings.model_copy(update={"encoder": EncoderConfig(name=encoder)})
    shop = ShopServer(settings)
    if shop.load_index() is None or shop.store.count() != len(products):
        shop.upsert_products(products)
        shop.open_index()
    return shop


def run(
    language: str, shop: ShopServer, products: list[Product], dialogues: int, seed: int
) -> dict[str, object]:
    rng = random.Random(f"{seed}-{language}")
    assistant = Assistant(shop, conversations=MemoryConversations(timedelta(hours=1)), faq=[])
    found_at: list[int | None] = []
    baseline: list[bool] = []
    latencies: list[float] = []
    for number in range(dialogues):
        target = rng.choice(products)
        shopper = Shopper(target, language, random.Random(f"{seed}-{language}-{number}"))
        probe = Shopper(target, language, random.Random(f"{seed}-{language}-{number}"))
        baseline.append(one_shot(shop, probe.first_sentence(), target.product_id))
        turn, spent = run_dialogue(assistant, shopper, f"{language}-{number}")
        found_at.append(turn)
        latencies.extend(spent)
    assistant.close()
    latencies.sort()
    return {
        "language": language,
        "dialogues": dialogues,
        "assistant_top5_within_3_turns": round(
            sum(1 for t in found_at if t is not None and t <= 3) / dialogues, 3
        ),
        "one_shot_search_top5": round(sum(baseline) / dialogues, 3),
        "assistant_top5_within_5_turns": round(sum(1 for t in found_at if t is not None) / dialogues, 3),
        "mean_turns": round(statistics.mean(t if t is not None else MAX_TURNS for t in found_at), 2),
        "turns": len(latencies),
        "latency_ms_p50": round(latencies[len(latencies) // 2], 1),
        "latency_ms_p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--products", type=int, default=1500)
    parser.add_argument("--dialogues", type=int, default=200, help="in all, half per language")
    parser.add_argument("--encoder", default=None, help="e.g. hashing (default: the settings')")
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    catalogs = {
        "en": generate_demo_catalog(args.products, seed=7),
        "zh": generate_demo_catalog_zh(args.products, seed=7),
    }
    for language, products in catalogs.items():
        shop = build_shop(args.work_dir / language, products, args.encoder)
        try:
            summary = run(language, shop, products, args.dialogues // 2, args.seed)
        finally:
            shop.close()
        summary.update({"products": args.products, "encoder": args.encoder or "settings"})
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
