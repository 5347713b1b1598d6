"""The assistant's pure parts: reading a turn, the next dialogue state (negations, revisions,
"instead", new subjects, "any"), the question with the most information, and the conversation
stores (memory and SQLite, with their lifetime)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.assistant import DialogueState, open_conversations
from shelfwise.assistant.questions import best_question, entropy
from shelfwise.assistant.reading import read_turn
from shelfwise.assistant.update import choose, next_state
from shelfwise.query.understand import QueryUnderstanding
from shelfwise.records import Product
from tests.assistant_shop import english_products
from tests.zh_catalog import products as zh_products


@pytest.fixture(scope="module")
def english() -> QueryUnderstanding:
    return QueryUnderstanding.build(english_products())


@pytest.fixture(scope="module")
def chinese() -> QueryUnderstanding:
    return QueryUnderstanding.build(zh_products())


def _turns(understanding: QueryUnderstanding, messages: list[str], language: str = "en") -> DialogueState:
    state = DialogueState()
    for message in messages:
        state = next_state(state, read_turn(message, understanding, language), [100.0, 200.0, 300.0])
    return state


def test_a_need_then_a_negation_then_a_brand_instead(english: QueryUnderstanding) -> None:
    state = _turns(english, ["I want a red dress under $60", "not red", "show Mira instead"])
    assert state.text == "dress" and state.turn == 3
    assert (state.price_min, state.price_max) == (None, 60.0)
    assert state.attributes == {} and state.excluded == {"color": ("red",)}
    assert state.brands == ("Mira",)
    assert _turns(english, ["dress", "Aurelle", "no Aurelle"]).excluded_brands == ("Aurelle",)


def test_cheaper_goes_under_the_middle_price_shown(english: QueryUnderstanding) -> None:
    state = _turns(english, ["laptop", "cheaper"])
    assert state.text == "laptop" and state.price_max == 199.99
    assert _turns(english, ["laptop", "more expensive"]).price_min == 200.01


def test_new_product_words_start_a_new_need_and_reset_clears(english: QueryUnderstanding) -> None:
    state = _turns(english, ["black laptop under $900", "headphones"])
    assert state.text == "headphones" and state.attributes == {} and state.price_max is None
    assert not _turns(english, ["black laptop", "start over"]).has_need


def test_chinese_need_negation_and_revision(chinese: QueryUnderstanding) -> None:
    state = _turns(chinese, ["我想买一条连衣裙", "不要红色", "便宜点"], "zh")
    assert state.text == "连衣裙" and state.language == "zh"
    assert state.excluded == {"color": ("红色", "酒红色")}
    assert state.price_max == 199.99
    assert _turns(chinese, ["耳机", "换成索尼的"], "zh").brands == ("索尼",)


def test_turn_kinds(english: QueryUnderstanding, chinese: QueryUnderstanding) -> None:
    assert read_turn("which is lighter?", english, "en").comparative.en == "lighter"  # type: ignore[union-attr]
    assert read_turn("compare the first and the third", english, "en").ordinals == (1, 3)
    assert read_turn("哪个更轻", chinese, "zh").kind == "compare"
    assert read_turn("比较第一个和第二个", chinese, "zh").ordinals == (1, 2)
    assert read_turn("how long does shipping take?", english, "en").kind == "faq"
    assert read_turn("可以退货吗", chinese, "zh").kind == "faq"
    assert read_turn("doesn't matter", english, "en").any_value
    assert read_turn("running shoes for trail running", english, "en").use == "trail running"
    assert read_turn("I'm looking for a dress & a bag", english, "en").words == "dress bag"


def test_any_and_a_clicked_option_settle_the_question() -> None:
    asked = DialogueState(text="laptop", pending="brand")
    assert next_state(asked, read_turn("any", None, "en"), []).settled == ("brand",)
    chosen = choose(asked, "price", "under 500", (None, 499.99))
    assert (chosen.price_max, chosen.settled, chosen.pending) == (499.99, ("price",), None)
    assert choose(asked, "attr:color", "red", (None, None)).attributes == {"color": ("red",)}


def test_entropy_has_known_answers() -> None:
    assert entropy([5, 5]) == 1.0 and entropy([4, 4, 4, 4]) == 2.0 and entropy([7]) == 0.0


def test_the_question_asks_the_field_that_splits_best() -> None:
    laptops = [p for p in english_products() if p.product_id.startswith("lp")]
    field, bits, options = best_question(laptops, frozenset(), 0) or ("", 0.0, [])
    assert field == "brand" and bits == pytest.approx(2.3219, abs=1e-3)  # five brands, two each
    assert {o.value for o in options} == {"Lenovo", "Dell", "Apple", "Asus", "HP"}
    # weights are measurements (a range, not a choice): never asked
    field, _, _ = best_question(laptops, frozenset({"brand"}), 0) or ("", 0.0, [])
    assert field == "attr:color"
    assert best_question(laptops[:5], frozenset({"brand", "attr:color", "price"}), 0) is None
    same = [Product(product_id=str(i), title="x", brand="B", price=10.0) for i in range(6)]
    assert best_question(same, frozenset(), 0) is None


@pytest.mark.parametrize("target", ["memory://", "folder"])
def test_conversations_are_kept_per_id_for_their_lifetime(target: str, tmp_path: Path) -> None:
    store = open_conversations(tmp_path if target == "folder" else target, timedelta(hours=1))
    now = datetime(2026, 12, 8, tzinfo=UTC)
    store.put("a", DialogueState(text="laptop", turn=1), now)
    store.put("b", DialogueState(text="dress", turn=1), now - timedelta(hours=2))
    assert store.get("a", now + timedelta(minutes=30)) == DialogueState(text="laptop", turn=1)
    assert store.get("b", now) is None and store.get("c", now) is None
    assert store.prune(now) == 1
    store.close()
    if target == "folder":
        again = open_conversations(tmp_path, timedelta(hours=1))
        assert again.get("a", now) == DialogueState(text="laptop", turn=1)
        again.close()
