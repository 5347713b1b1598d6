"""The README's commands, run as a shop would run them (each `shelfwise` line of its code blocks)."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

PRODUCTS_CSV = """sku,name,brand,category,price,color
D-1,Aurelle Red Linen Midi Dress,Aurelle,Clothing > Women > Dresses,39.99,red
D-2,Aurelle Blue Floral Maxi Dress,Aurelle,Clothing > Women > Dresses,79.00,blue
H-1,Voltrix Wireless Noise Cancelling Headphones,Voltrix,Electronics > Audio > Headphones,149.00,black
K-1,Brewly Stainless Steel Electric Kettle,Brewly,Home > Kitchen > Kettles,34.50,silver
X-1,,Nameless,Home,10.00,red
"""

pytestmark = pytest.mark.slow


def _code_blocks(text: str) -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    out = []
    for block in blocks:
        joined = block.replace("\\\n", " ")
        out.append([line.split("#")[0].strip() for line in joined.splitlines() if line.strip()])
    return out


def _shelfwise_lines(block: list[str]) -> list[list[str]]:
    return [shlex.split(line)[1:] for line in block if line.startswith("shelfwise ")]


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "shelfwise.cli", *args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, f"shelfwise {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "SHELFWISE_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}


def test_setup_block_names_exactly_the_two_make_commands() -> None:
    first = _code_blocks(README.read_text())[0]
    assert first == ["make demo", "make test"]


def test_quick_start_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(PRODUCTS_CSV)
    env = _env(tmp_path)
    quick_start = _code_blocks(README.read_text())[1]
    commands = _shelfwise_lines(quick_start)
    assert [c[0] for c in commands] == ["ingest", "index", "search", "serve"]
    ingest = _run(commands[0], tmp_path, env)
    assert "rejected" in ingest.stdout and "line 6" in ingest.stdout.replace(":6:", " line 6")
    _run(commands[1], tmp_path, env)
    found = _run(commands[2], tmp_path, env)
    assert "Aurelle Red Linen Midi Dress" in found.stdout.splitlines()[1]
    assert "79.00" not in found.stdout  # --max-price 50 filters the maxi dress out
    port = _free_port()
    serve_args = [*commands[3][:-1], str(port)] if commands[3][-2] == "--port" else commands[3]
    server = subprocess.Popen(
        [sys.executable, "-m", "shelfwise.cli", *serve_args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = _wait_for(f"http://127.0.0.1:{port}/search?q=kettle")
        assert '"product_id":"K-1"' in body
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_benchmark_commands_run_as_written(tmp_path: Path) -> None:
    data = tmp_path / "hd"
    data.mkdir()
    (data / "products.tsv").write_text(
        "product_id\ttitle\n1\tSimpson Strong-Tie 12-Gauge Angle\n2\tBEHR Premium Deck Stain\n"
        "3\t1/2 in. x 10 ft. PVC Pipe\n"
    )
    (data / "test_queries.tsv").write_text("query_id\tquery\nq1\tangle bracket\nq2\tpvc pipe\n")
    judgments = tmp_path / "J.tsv"
    judgments.write_text(
        "query_id\tquery\tproduct_id\trelevance\nq1\tangle bracket\t1\t3\nq2\tpvc pipe\t3\t3\n"
        "q2\tpvc pipe\t2\t1\n"
    )
    env = _env(tmp_path)
    block = next(b for b in _code_blocks(README.read_text()) if any("bench search" in x for x in b))
    bench, evaluate = _shelfwise_lines(block)
    bench = [a.replace("../shared/data/homedepot", str(data)) for a in bench]
    report = json.loads(_run(bench, tmp_path, env).stdout)
    assert report["machine"]["logical_cpus"] >= 1 and "int8_dot_product" in report["machine"]
    run = (tmp_path / "runs" / "hd-hybrid.trec").read_text().splitlines()
    assert run[0].split()[:3] == ["q1", "Q0", "1"]
    scored = _run([a.replace("J.tsv", str(judgments)) for a in evaluate], tmp_path, env)
    assert "| NDCG@10 | 1.0000 |" in scored.stdout


def test_demo_builds_a_searchable_shop(tmp_path: Path) -> None:
    env = _env(tmp_path)
    done = _run(["demo", "--products", "400", "--no-serve"], tmp_path, env)
    assert "rejected" in done.stdout
    assert "product graph " in done.stdout and "bought-together" in done.stdout  # GET /graph/... answers
    found = _run(["search", "wireless headphones", "--json"], tmp_path, env)
    assert '"total"' in found.stdout and "eadphones" in found.stdout


def test_train_encoder_command_runs_as_written(tmp_path: Path) -> None:
    block = next(b for b in _code_blocks(README.read_text()) if any("train encoder" in x for x in b))
    encoder_command, reranker_command, fusion_command = _shelfwise_lines(block)
    words = [
        "angle",
        "bracket",
        "deck",
        "paint",
        "shower",
        "head",
        "pvc",
        "pipe",
        "tape",
        "drill",
        "corner",
        "brace",
        "faucet",
        "valve",
        "hose",
        "nozzle",
        "lamp",
        "bulb",
        "saw",
        "blade",
    ]
    titles = {str(i): f"{words[i]} {words[(i + 1) % 20]} model {i}" for i in range(20)}
    (tmp_path / "products.tsv").write_text(
        "product_id\ttitle\n" + "".join(f"{k}\t{v}\n" for k, v in titles.items())
    )
    rows = [
        f"q{i}\t{words[i]} {words[(i + 1) % 20]}\t{i}\t3\nq{i}\t{words[i]} {words[(i + 1) % 20]}"
        f"\t{(i + 7) % 20}\t1\n"
        for i in range(20)
    ]
    (tmp_path / "judgments.tsv").write_text("query_id\tquery\tproduct_id\trelevance\n" + "".join(rows))
    done = _run(encoder_command, tmp_path, _env(tmp_path))
    assert '"validation_queries"' in done.stdout
    assert (tmp_path / "data" / "models" / "encoder" / "versions").is_dir()
    done = _run(reranker_command + ["--epochs", "1"], tmp_path, _env(tmp_path))
    assert '"validation_ndcg10_after"' in done.stdout
    assert (tmp_path / "data" / "models" / "reranker" / "versions").is_dir()
    # fusion learns from queries the encoder was not fine-tuned on: 100 new ones over the same titles
    rows = [
        f"f{i}\t{words[i % 20]} {words[(i % 20 + 1) % 20]} {i // 20}\t{i % 20}\t3\n"
        f"f{i}\t{words[i % 20]} {words[(i % 20 + 1) % 20]} {i // 20}\t{(i + 1) % 20}\t1\n"
        for i in range(100)
    ]
    (tmp_path / "judgments.tsv").write_text("query_id\tquery\tproduct_id\trelevance\n" + "".join(rows))
    done = _run(fusion_command + ["--threads", "1"], tmp_path, _env(tmp_path))
    assert '"validation_ndcg10_learned"' in done.stdout
    assert (tmp_path / "data" / "models" / "fusion" / "versions").is_dir()


HOME_DEPOT = README.parents[1] / "shared" / "data" / "homedepot"


@pytest.mark.skipif(not (HOME_DEPOT / "dev_judgments.tsv").is_file(), reason="no Home Depot data")
def test_synonym_commands_run_as_written(tmp_path: Path) -> None:
    block = next(b for b in _code_blocks(README.read_text()) if any("synonyms mine" in x for x in b))
    mine, review, approve = _shelfwise_lines(block)
    files = {
        "products.tsv": str(HOME_DEPOT / "products.tsv"),
        "judgments.tsv": str(HOME_DEPOT / "dev_judgments.tsv"),
    }
    env = _env(tmp_path)
    done = _run([files.get(a, a) for a in mine], tmp_path, env)
    assert "candidates mined" in done.stdout
    assert "pending" in _run(review, tmp_path, env).stdout
    _run(approve, tmp_path, env)
    assert "fridge = refrigerator" in _run(review + ["--status", "approved"], tmp_path, env).stdout


def test_recommendation_commands_run_as_written(tmp_path: Path) -> None:
    """Events import and training on a tiny shop, then the benchmark trio on sequence files."""
    from shelfwise.config import EncoderConfig, Settings
    from shelfwise.demo import generate_demo_catalog
    from shelfwise.service import Shelfwise
    from shelfwise.simulate import ShopperSimulation, simulate_shoppers, write_events_jsonl

    env = _env(tmp_path) | {"SHELFWISE_ENCODER__NAME": "hashing"}
    block = next(b for b in _code_blocks(README.read_text()) if any("train recommender" in x for x in b))
    events_import, train = _shelfwise_lines(block)
    products = generate_demo_catalog(300, seed=3)
    shop = Shelfwise(Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing")))
    shop.upsert_products(products)
    shop.close()
    history = simulate_shoppers(products, ShopperSimulation(n_shoppers=150, seed=3))
    write_events_jsonl(history.events, tmp_path / "events.jsonl")
    assert "accepted" in _run(events_import, tmp_path, env).stdout
    trained = _run(train, tmp_path, env)
    assert "published recommender" in trained.stdout + trained.stderr

    block = next(b for b in _code_blocks(README.read_text()) if any("bench recommend" in x for x in b))
    holdout, bench, evaluate = _shelfwise_lines(block)
    lines = ["user_id\titems"] + [
        f"u{u}\t" + " ".join(f"i{(u + j) % 30}" for j in range(3 + u % 4)) for u in range(200)
    ]
    (tmp_path / "sequences.tsv").write_text("\n".join(lines) + "\n")
    texts = "".join(f"i{k}\titem number {k}\n" for k in range(30))
    (tmp_path / "items.tsv").write_text("item_id\ttext\n" + texts)
    _run(holdout, tmp_path, env)
    _run(bench + ["--channels", "cooccurrence,popularity"], tmp_path, env)
    done = _run(evaluate, tmp_path, env)
    report = done.stdout + done.stderr
    assert "NDCG" in report and "Recall" in report


def test_impression_and_experiment_commands_run_as_written(tmp_path: Path) -> None:
    """A small shop searched by closed-loop shoppers, then the README's ranker and A/B commands."""
    import json

    from shelfwise.config import EncoderConfig, Settings
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.records import SearchRequest
    from shelfwise.service import Shelfwise
    from shelfwise.simulate.loop import (
        ClosedLoopSimulation,
        ShelfwiseRanker,
        TextMatchRanker,
        shop_catalog,
        simulate_closed_loop,
    )

    env = _env(tmp_path) | {"SHELFWISE_ENCODER__NAME": "hashing"}
    settings = Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing"))
    products = generate_demo_catalog(300, seed=5)
    shop = Shelfwise(settings)
    shop.upsert_products(products)
    shop.open_index()
    config = ClosedLoopSimulation(n_shoppers=600, days=20, seed=5)
    result = simulate_closed_loop(
        products, config, ShelfwiseRanker(shop, fallback=TextMatchRanker(shop_catalog(products, config)))
    )
    shop.record_events(list(result.events))
    shop.close()
    text = README.read_text()
    (tmp_path / "experiment.json").write_text(re.findall(r"```json\n(.*?)```", text, flags=re.S)[0])
    block = next(b for b in _code_blocks(text) if any("train ranker" in x for x in b))
    train, add, listing, report, interleave = _shelfwise_lines(block)
    trained = _run(train + ["--epochs", "3"], tmp_path, env)
    assert json.loads(trained.stdout[trained.stdout.index("{") :])["published"] is True
    assert "added ranking-test" in _run(add, tmp_path, env).stdout
    shop = Shelfwise(settings)  # exposures: shoppers search under the experiment
    shop.load_index()
    for n, user in enumerate(sorted({e.user_id for e in result.events if e.user_id})[:40]):
        shop.serve_search(SearchRequest(query="lamp", user_id=user), f"after-{n}")
    shop.close()
    assert "40 exposures" in _run(listing, tmp_path, env).stdout
    assert "sample ratio" in _run(report, tmp_path, env).stdout
    replayed = json.loads(_run(interleave, tmp_path, env).stdout)
    assert (
        replayed["queries"] > 0
        and replayed["wins_a"] + replayed["wins_b"] + replayed["ties"] == replayed["queries"]
    )


def test_key_commands_run_as_written(tmp_path: Path) -> None:
    """The API keys block: the key it creates stands in for the README's placeholders."""
    block = next(b for b in _code_blocks(README.read_text()) if any("keys create" in x for x in b))
    create, listing, revoke, scoped = _shelfwise_lines(block)
    env = _env(tmp_path)
    made = _run(create, tmp_path, env)
    raw = re.search(r"swk_[A-Za-z0-9_-]+", made.stdout)
    assert raw is not None, made.stdout
    key_id = raw.group(0).split("_")[1]
    assert key_id in _run(listing, tmp_path, env).stdout
    minted = _run([raw.group(0) if a == "swk_..." else a for a in scoped], tmp_path, env)
    assert "sws_" in minted.stdout
    _run([key_id if a == revoke[-1] else a for a in revoke], tmp_path, env)
    assert "revoked" in _run(listing, tmp_path, env).stdout


def test_postgresql_block_runs_as_written(tmp_path: Path, postgres_url: str) -> None:
    """The "Run on PostgreSQL" block, its URL swapped for the test server's database: the catalog
    goes to PostgreSQL, none of it to the data folder."""
    block = next(b for b in _code_blocks(README.read_text()) if any("DATABASE_URL" in x for x in b))
    assert block[0].startswith("export SHELFWISE_DATABASE_URL=postgresql://")
    (tmp_path / "products.csv").write_text(PRODUCTS_CSV)
    env = {**_env(tmp_path), "SHELFWISE_DATABASE_URL": postgres_url}
    commands = _shelfwise_lines(block)
    assert [c[0] for c in commands] == ["ingest", "index", "serve"]
    _run(commands[0], tmp_path, env)
    _run(commands[1], tmp_path, env)
    found = _run(["search", "kettle", "--json"], tmp_path, env)
    assert "K-1" in found.stdout
    assert not list((tmp_path / "data").glob("*.db"))
