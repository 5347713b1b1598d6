"""Training data for the encoder: positives, hard negatives, false-negative masking."""

from __future__ import annotations

from shelfwise.config import LexicalConfig
from shelfwise.evaluate.trec import Judgments
from shelfwise.index import LexicalIndex
from shelfwise.records import Product
from shelfwise.train import EncoderTrainingConfig, build_examples
from shelfwise.train.encoder import TrainingExample, _false_negative_mask

PRODUCTS = {
    pid: Product(product_id=pid, title=title)
    for pid, title in {
        "1": "Steel Angle Bracket",
        "2": "Corner Brace Bracket",
        "3": "Garden Hose 50 ft",
        "4": "Angle Grinder 4 in.",
        "5": "Shelf Bracket White",
        "6": "Angle Iron 36 in.",
    }.items()
}


def test_positives_pair_with_judged_negatives() -> None:
    judgments = Judgments.from_grades(
        {"q1": {"1": 3.0, "2": 2.33, "4": 1.0, "3": 2.0}}, {"q1": "angle bracket"}
    )
    examples = build_examples(judgments, PRODUCTS, EncoderTrainingConfig(), lexical=None)
    assert [(e.positive, e.negative) for e in examples] == [
        ("Steel Angle Bracket", "Angle Grinder 4 in."),
        ("Corner Brace Bracket", "Angle Grinder 4 in."),
    ]  # grade 2.0 is neither positive (>= 2.33) nor negative (<= 1.67)


def test_negatives_are_mined_from_bm25_when_none_is_judged() -> None:
    lexical = LexicalIndex.create(None, LexicalConfig())
    lexical.upsert(list(PRODUCTS.values()))
    judgments = Judgments.from_grades({"q1": {"1": 3.0}}, {"q1": "angle bracket"})
    config = EncoderTrainingConfig()
    examples = build_examples(judgments, PRODUCTS, config, lexical)
    # BM25's top 5 are skipped (likely relevant though unjudged); with 6 products only the
    # sixth and later can be negatives, and none of them is the judged positive
    mined = [h.product_id for h in lexical.search("angle bracket", 30)]
    allowed = {PRODUCTS[p].title for p in [p for p in mined if p != "1"][5:]}
    assert all(e.negative in allowed for e in examples)
    assert len(examples) == (1 if allowed else 0)


def test_queries_without_positives_give_no_examples() -> None:
    judgments = Judgments.from_grades({"q1": {"1": 1.0, "2": 1.33}}, {"q1": "hose"})
    assert build_examples(judgments, PRODUCTS, EncoderTrainingConfig(), lexical=None) == []


def test_false_negative_mask_hides_other_positives_of_the_same_query() -> None:
    batch = [
        TrainingExample("q1", "angle bracket", "A", "X"),
        TrainingExample("q1", "angle bracket", "B", "Y"),
        TrainingExample("q2", "hose", "C", "A"),
    ]
    mask = _false_negative_mask(batch, {"q1": {"A", "B"}, "q2": {"C"}})
    # documents: A B C | X Y A ; row 0 (q1, label A): B and the negative copy of A are positives
    assert mask.tolist() == [
        [False, True, False, False, False, True],
        [True, False, False, False, False, True],
        [False, False, False, False, False, False],
    ]


def test_current_encoder_neighbours_join_the_negatives_past_the_top_ranks() -> None:
    judgments = Judgments.from_grades({"q1": {"1": 3.0}}, {"q1": "angle bracket"})
    config = EncoderTrainingConfig(encoder_negatives=2, encoder_negatives_from=1)
    # the encoder's order: 5 (skipped: rank 0), 1 (judged), 6, 4, 3 -> negatives 6 and 4
    neighbours = {"q1": ["5", "1", "6", "4", "3"]}
    examples = build_examples(judgments, PRODUCTS, config, lexical=None, neighbours=neighbours)
    assert len(examples) == 1 and examples[0].negative in {"Angle Iron 36 in.", "Angle Grinder 4 in."}


def test_nearest_products_by_cosine() -> None:
    import numpy as np

    from shelfwise.train.encoder import nearest_products

    products = np.array([[1.0, 0.0], [0.0, 1.0], [0.7071, 0.7071]], dtype=np.float32)
    queries = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    assert nearest_products(queries, products, ["a", "b", "c"], 2) == [["a", "c"], ["b", "c"]]


def test_a_teacher_decides_which_neighbours_are_negatives_and_which_are_positives() -> None:
    import numpy as np

    from shelfwise.train.encoder import teacher_graded_neighbours

    judgments = Judgments.from_grades({"q1": {"1": 3.0}}, {"q1": "angle bracket"})
    config = EncoderTrainingConfig(encoder_negatives=2, encoder_negatives_from=1, teacher_candidates=4)
    neighbours = {"q1": ["5", "1", "6", "4", "3", "2"]}
    asked: list[tuple[str, str]] = []

    def teacher(queries, texts):  # noqa: ANN001, ANN202 - a bracket is relevant, a hose is not
        asked.extend(zip(queries, texts, strict=True))
        return np.array([3.0 if "Bracket" in t else 1.2 if "Hose" in t else 2.0 for t in texts])

    grades = teacher_graded_neighbours(judgments, PRODUCTS, neighbours, config, teacher)
    # the first 4 unjudged neighbours, rank 0 included: 5, 6, 4, 3 (1 is judged)
    assert grades == {"q1": {"5": 3.0, "6": 2.0, "4": 2.0, "3": 1.2}} and len(asked) == 4
    examples = build_examples(judgments, PRODUCTS, config, None, neighbours, grades)
    # positives: the judged 1 and the teacher's 5; negatives: the 2 graded lowest, 3 then 6
    assert sorted(e.positive for e in examples) == ["Shelf Bracket White", "Steel Angle Bracket"]
    assert {e.negative for e in examples} <= {"Garden Hose 50 ft", "Angle Iron 36 in."}
