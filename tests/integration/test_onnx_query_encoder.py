"""The ONNX query path gives torch's vectors, is exported once per encoder version, and falls back
to torch when it cannot be made."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfwise.models import SentenceTransformerEncoder, bundled_minilm_path, onnx_encoder
from shelfwise.models.onnx_encoder import onnx_path_for

QUERIES = ["cordless drill", "white shaker cabinet door 24 in", "hampton bay ceiling fan remote", "x"]


@pytest.fixture(scope="module")
def onnx_minilm(tmp_path_factory: pytest.TempPathFactory) -> SentenceTransformerEncoder:
    root = Path(tmp_path_factory.mktemp("onnx"))
    return SentenceTransformerEncoder(bundled_minilm_path(), onnx_root=root)


def test_onnx_queries_equal_torch_queries(onnx_minilm: SentenceTransformerEncoder, minilm) -> None:  # noqa: ANN001
    assert onnx_minilm.version == minilm.version  # same network: catalog vectors stay valid
    for query in QUERIES:
        got = onnx_minilm.encode([query], kind="query")
        expected = minilm.encode([query], kind="query")
        assert got.shape == (1, 384) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, atol=1e-5)
    batch = onnx_minilm.encode(QUERIES[:3], kind="query")
    np.testing.assert_allclose(batch, minilm.encode(QUERIES[:3], kind="query"), atol=1e-5)
    assert onnx_minilm._onnx  # the ONNX path really served them


def test_the_export_is_kept_by_version_and_reused(onnx_minilm: SentenceTransformerEncoder) -> None:
    onnx_minilm.encode(["drill"], kind="query")
    path = onnx_path_for(onnx_minilm._onnx_root, onnx_minilm.version)  # type: ignore[arg-type]
    assert path.is_file() and path.with_suffix(".json").is_file()
    stamp = path.stat().st_mtime_ns
    again = SentenceTransformerEncoder(bundled_minilm_path(), onnx_root=onnx_minilm._onnx_root)
    again.encode(["drill"], kind="query")
    assert path.stat().st_mtime_ns == stamp


def test_a_failed_export_falls_back_to_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, minilm) -> None:  # noqa: ANN001
    def broken(transformer: object, target: Path) -> Path:
        raise RuntimeError("exporter unavailable")

    monkeypatch.setattr(onnx_encoder, "export_query_encoder", broken)
    encoder = SentenceTransformerEncoder(bundled_minilm_path(), onnx_root=tmp_path)
    np.testing.assert_allclose(
        encoder.encode(["drill"], kind="query"), minilm.encode(["drill"], kind="query"), atol=1e-6
    )
    assert encoder._onnx is False
