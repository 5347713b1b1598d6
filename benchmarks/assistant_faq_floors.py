"""The cosines the assistant's FAQ floors (`assistant/faq.py` FAQ_FLOORS) were set from: 14
hand-written shop questions (9 Chinese, 5 English; some answered by the 7-entry FAQ below, some
not) matched with each encoder, printing the best entry and its cosine.

    .venv/bin/python benchmarks/assistant_faq_floors.py [--encoder multilingual-e5-small minilm]
"""

from __future__ import annotations

import argparse

from shelfwise.assistant.faq import FaqEntry, FaqIndex
from shelfwise.config import EncoderConfig
from shelfwise.models import load_encoder
from shelfwise.query.zh_text import has_han

FAQ = [
    FaqEntry(id="ship", question="多久发货？", answer="付款后48小时内发货。"),
    FaqEntry(id="ret", question="可以退货吗？", answer="七天无理由退货。"),
    FaqEntry(id="size", question="尺码怎么选？", answer="请看商品页的尺码表。"),
    FaqEntry(id="pay", question="支持哪些付款方式？", answer="支付宝、微信和银行卡。"),
    FaqEntry(id="en-ship", question="How long does shipping take?", answer="2 business days."),
    FaqEntry(id="en-ret", question="Can I return an item?", answer="Within 30 days."),
    FaqEntry(id="en-size", question="How do I choose my size?", answer="See the size chart."),
]
# question -> the entry that answers it (None: the FAQ has no answer)
QUESTIONS = {
    "什么时候发货": "ship", "下单后几天能发货": "ship", "能退货吗": "ret", "不喜欢可以退吗": "ret",
    "衣服尺码偏大吗": "size", "可以用信用卡付款吗": "pay", "你们有实体店吗": None, "发票怎么开": None,
    "客服电话多少": None, "when will my order ship": "en-ship", "how do returns work": "en-ret",
    "what size should I get": "en-size", "do you have a physical store": None, "can I pay with paypal": None,
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--encoder", nargs="+", default=["multilingual-e5-small", "minilm"])
    args = parser.parse_args()
    for name in args.encoder:
        index = FaqIndex(FAQ, load_encoder(EncoderConfig(name=name, precision="fp32")), 0.0)
        for question, expected in QUESTIONS.items():
            found = index.match(question, "zh" if has_han(question) else "en")
            assert found is not None
            verdict = "right" if found.entry.id == expected else ("none" if expected is None else "wrong")
            print(f"{name}\t{question}\t{found.entry.id}\t{found.similarity:.3f}\t{verdict}")


if __name__ == "__main__":
    main()
