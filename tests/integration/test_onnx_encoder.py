"""The ONNX encoder: fp32 gives torch's vectors for queries and length-sorted catalog batches, is
exported once per encoder version and falls back to torch when it cannot be made; int8 stays
close to fp32, has a version of its own and never falls back silently."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfwise.config import EncoderConfig
from shelfwise.models import SentenceTransformerEncoder, bundled_minilm_path, load_encoder, onnx_encoder
from shelfwise.models.onnx_encoder import onnx_path_for

QUERIES = ["cordless drill", "white shaker cabinet door 24 in", "hampton bay ceiling fan remote", "x"]
TITLES = [
    "DEWALT 20-Volt MAX Lithium-Ion Cordless Drill/Driver Kit",
    "a",
    "Hampton Bay 52 in. Brushed Nickel Indoor Ceiling Fan with Light Kit and Remote Control, "
    "energy star rated, reversible motor for all seasons",
    "2 in. x 4 in. x 8 ft. Premium Kiln-Dried Whitewood Stud",
    "Glacier Bay Single-Handle Pull-Down Sprayer Kitchen Faucet in Stainless Steel",
    "Rust-Oleum 12 oz. Flat Black Spray Paint",
    "Ryobi ONE+ 18V Cordless 6-Tool Combo Kit with (2) Batteries, Charger and Bag",
    "Everbilt #8 x 1-1/4 in. Phillips Flat Head Wood Screw (100-Pack)",
]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("onnx"))


@pytest.fixture(scope="module")
def onnx_minilm(root: Path) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(bundled_minilm_path(), onnx_root=root, onnx_documents=True)


@pytest.fixture(scope="module")
def int8_minilm(root: Path) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(bundled_minilm_path(), onnx_root=root, precision="int8")


def test_onnx_queries_equal_torch_queries(onnx_minilm: SentenceTransformerEncoder, minilm) -> None:  # noqa: ANN001
    assert onnx_minilm.version == minilm.version  # same network: catalog vectors stay valid
    assert EncoderConfig().precision == "int8"  # the served default (docs/benchmarks.md)
    for query in QUERIES:
        got = onnx_minilm.encode([query], kind="query")
        expected = minilm.encode([query], kind="query")
        assert got.shape == (1, 384) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, atol=1e-5)
    batch = onnx_minilm.encode(QUERIES[:3], kind="query")
    np.testing.assert_allclose(batch, minilm.encode(QUERIES[:3], kind="query"), atol=1e-5)
    assert onnx_minilm._onnx  # the ONNX path really served them
    assert onnx_minilm.runtime == "onnx-fp32"


def test_length_sorted_batches_keep_the_texts_order(
    onnx_minilm: SentenceTransformerEncoder,
    minilm,  # noqa: ANN001
) -> None:
    """Batches are cut by token length, so rows are encoded out of order and put back."""
    onnx_minilm.encode(["drill"])  # the ONNX session is made on first use (this test may run first)
    onnx_minilm._onnx._batch_size = 3  # several batches of mixed lengths
    got = onnx_minilm.encode(TITLES)
    expected = minilm.encode(TITLES)
    assert got.shape == (len(TITLES), 384)
    np.testing.assert_allclose(got, expected, atol=2e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_the_export_is_kept_by_version_and_reused(
    onnx_minilm: SentenceTransformerEncoder, root: Path
) -> None:
    onnx_minilm.encode(["drill"], kind="query")
    path = onnx_path_for(root, onnx_minilm.version)
    assert path.is_file() and path.with_suffix(".json").is_file()
    stamp = path.stat().st_mtime_ns
    again = SentenceTransformerEncoder(bundled_minilm_path(), onnx_root=root)
    again.encode(["drill"], kind="query")
    assert path.stat().st_mtime_ns == stamp


def test_int8_is_close_to_fp32_smaller_and_versioned_apart(
    int8_minilm: SentenceTransformerEncoder,
    minilm,
    root: Path,  # noqa: ANN001
) -> None:
    assert int8_minilm.version == minilm.version + "+int8"
    got = int8_minilm.encode(TITLES)
    expected = minilm.encode(TITLES)
    cosines = (got * expected).sum(axis=1)
    assert cosines.min() > 0.95 and cosines.mean() > 0.98
    assert not np.allclose(got, expected, atol=1e-4)  # really another network
    # activations are scaled per call, so a text's vector depends a little on its batch companions
    alone = int8_minilm.encode(["cordless drill"], kind="query")[0]
    in_batch = int8_minilm.encode(["cordless drill", TITLES[2], "y", "z", "w"])[0]
    assert 0.98 < float(alone @ in_batch) < 1.0
    fp32 = onnx_path_for(root, minilm.version, "fp32")
    int8 = onnx_path_for(root, minilm.version, "int8")
    assert int8.stat().st_size < fp32.stat().st_size / 3
    # the nearest title of each title is itself under int8 as under fp32: the ranking survives
    assert (np.argmax(got @ expected.T, axis=1) == np.arange(len(TITLES))).all()


def test_a_failed_fp32_export_falls_back_to_torch(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    minilm,  # noqa: ANN001
) -> None:
    def broken(transformer: object, target: Path) -> Path:
        raise RuntimeError("exporter unavailable")

    monkeypatch.setattr(onnx_encoder, "export_fp32", broken)
    encoder = SentenceTransformerEncoder(bundled_minilm_path(), onnx_root=tmp_path, onnx_documents=True)
    np.testing.assert_allclose(
        encoder.encode(["drill"], kind="query"), minilm.encode(["drill"], kind="query"), atol=1e-6
    )
    np.testing.assert_allclose(encoder.encode(TITLES), minilm.encode(TITLES), atol=1e-5)
    assert encoder._onnx is False and encoder.runtime == "torch"


def test_a_failed_int8_export_raises_instead_of_mixing_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> Path:
        raise RuntimeError("quantizer unavailable")

    monkeypatch.setattr(onnx_encoder, "quantize_int8", broken)
    encoder = SentenceTransformerEncoder(bundled_minilm_path(), onnx_root=tmp_path, precision="int8")
    with pytest.raises(RuntimeError, match="quantizer unavailable"):
        encoder.encode(["drill"], kind="query")


def test_config_refuses_int8_on_torch_and_needs_an_export_folder() -> None:
    with pytest.raises(ValueError, match="int8 runs on ONNX Runtime"):
        EncoderConfig(precision="int8", document_runtime="torch")
    with pytest.raises(ValueError, match="needs a folder"):
        load_encoder(EncoderConfig(precision="int8"))
    on_torch = EncoderConfig(precision="fp32", query_runtime="torch", document_runtime="torch")
    torch_only = load_encoder(on_torch, onnx_root=Path("."))
    assert isinstance(torch_only, SentenceTransformerEncoder) and torch_only.runtime == "torch"
