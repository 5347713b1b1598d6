"""The roles end to end: the admin console queues a retrain or a rebuild (the web process trains
nothing), a worker runs it, and the server then answers with the version it published, picked up
by the catch-up every server process runs; `shelfwise jobs` and `shelfwise worker` on the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.recommend import recommender_config
from shelfwise.recommend.live import recommender_registry
from shelfwise.records import Event
from shelfwise.service import Shelfwise
from shelfwise.worker.loop import run_worker

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _sign_in(client: TestClient, key: str) -> None:
    client.post("/admin/login", content=f"api_key={key}&next=/admin", headers=FORM, follow_redirects=False)


def _views(shelfwise: Shelfwise) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    aisle = ["kt-001", "kt-002", "kt-003", "kt-004", "cf-001"]
    shelfwise.record_events([
        Event(event_id=f"j{user}-{i}", type="view", user_id=f"j{user}", product_id=pid,
              timestamp=start + timedelta(minutes=10 * user + i))
        for user in range(30) for i, pid in enumerate(aisle[user % 2:])
    ])  # fmt: skip


def test_a_queued_retrain_runs_in_the_worker_and_the_server_then_serves_it(
    client: TestClient, shelfwise: Shelfwise, api_key: str
) -> None:
    _views(shelfwise)
    first, _ = shelfwise.train_recommender(recommender_config("popularity"))
    assert client.get("/recommend/user/j1").json()["model_version"] == first
    _sign_in(client, api_key)
    client.post("/admin/recommender/retrain", content="channels=cooccurrence,popularity", headers=FORM)
    registry = recommender_registry(shelfwise.settings.data_dir)
    current = registry.current()
    assert current is not None and current[0] == first  # queued: the web process trained nothing
    [job] = shelfwise.data.jobs.recent()
    assert job.kind == "train-recommender" and job.state == "queued"
    assert job.params == {"channels": "cooccurrence,popularity"}
    assert client.post("/admin/index/rebuild", follow_redirects=False).status_code == 303
    assert len(shelfwise.data.jobs.recent()) == 1  # one console job at a time: the rebuild waits its turn
    assert run_worker(shelfwise.settings, once=True) == 1
    current = registry.current()
    assert current is not None and current[0] != first
    done = shelfwise.data.jobs.get(job.job_id)
    assert done is not None and done.state == "done" and current[0] in done.message
    assert any("fitted cooccurrence" in line for line in shelfwise.data.jobs.log_lines(job.job_id))
    shelfwise.catch_up()  # what every server process does each `serve.catch_up_seconds`
    assert client.get("/recommend/user/j1").json()["model_version"] == current[0]


def test_a_queued_rebuild_is_searched_after_the_worker_publishes_it(
    client: TestClient, shelfwise: Shelfwise, api_key: str
) -> None:
    before = client.get("/search", params={"q": "kettle"}).json()["index_version"]
    _sign_in(client, api_key)
    client.post("/admin/index/rebuild")
    page = client.get("/admin/index").text
    assert "rebuild waiting" in page and 'id="job-queue"' in page and 'http-equiv="refresh"' in page
    assert client.get("/search", params={"q": "kettle"}).json()["index_version"] == before
    assert run_worker(shelfwise.settings, once=True) == 1
    shelfwise.catch_up()
    after = client.get("/search", params={"q": "kettle"}).json()["index_version"]
    assert after != before and after == shelfwise.engine.version
    page = client.get("/admin/index").text
    assert f"serving {after}" in page and "The rebuild finished" in page and 'id="job-log"' in page


def test_a_job_no_worker_runs_can_be_cancelled_from_the_console(
    client: TestClient, shelfwise: Shelfwise, api_key: str
) -> None:
    _sign_in(client, api_key)
    client.post("/admin/index/rebuild")
    [job] = shelfwise.data.jobs.recent()
    page = client.get("/admin/index").text
    assert 'action="/admin/jobs/cancel"' in page and f'name="job_id" value="{job.job_id}"' in page
    assert client.post("/admin/jobs/cancel", content=f"job_id={job.job_id}", headers=FORM).status_code == 200
    cancelled = shelfwise.data.jobs.get(job.job_id)
    assert cancelled is not None and cancelled.state == "cancelled"
    page = client.get("/admin/index").text
    assert "The rebuild was cancelled" in page and 'http-equiv="refresh"' not in page
    assert run_worker(shelfwise.settings, once=True) == 0  # nothing left to run
    client.post("/admin/index/rebuild")  # the console is free again
    assert [j.state for j in shelfwise.data.jobs.recent()] == ["queued", "cancelled"]


def test_jobs_are_queued_listed_run_and_shown_from_the_cli(shelfwise: Shelfwise, tmp_path: Path) -> None:
    _views(shelfwise)
    data = ["--data-dir", str(shelfwise.settings.data_dir)]
    runner = CliRunner()
    env = {"SHELFWISE_ENCODER__NAME": "hashing"}
    enqueue = ["jobs", "enqueue", "train-recommender"]
    queued = runner.invoke(app, [*enqueue, "--param", "channels=popularity", *data], env=env)
    assert queued.exit_code == 0, queued.output
    job_id = int(queued.stdout.strip())
    refused = runner.invoke(
        app, ["jobs", "enqueue", "train-recommender", "--param", "chanels=x", *data], env=env
    )
    assert refused.exit_code == 2 and "has no parameter chanels" in refused.output
    listed = runner.invoke(app, ["jobs", "list", *data], env=env)
    assert listed.stdout.splitlines() == [f"{job_id}\ttrain-recommender\tqueued\t0%\t"]
    ran = runner.invoke(app, ["worker", "--once", *data], env=env)
    assert ran.exit_code == 0 and "1 job run" in ran.output, ran.output
    shown = json.loads(runner.invoke(app, ["jobs", "show", str(job_id), *data], env=env).stdout)
    assert (
        shown["state"] == "done"
        and shown["attempts"] == 1
        and shown["log"][-1].startswith("serving recommender")
    )
    assert runner.invoke(app, ["jobs", "show", "99", *data], env=env).exit_code == 2


def test_the_serving_role_never_trains_and_swaps_in_what_a_worker_published(shelfwise: Shelfwise) -> None:
    from shelfwise.records import SearchRequest
    from shelfwise.serving import Serving

    building = {"ingest", "upsert_products", "delete_products", "open_index", "rebuild_index",
                "refresh_index", "train_recommender", "train_ranker", "serve_model_version"}  # fmt: skip
    assert not building & set(dir(Serving)) and building <= set(dir(Shelfwise))
    _views(shelfwise)
    first, _ = shelfwise.train_recommender(recommender_config("popularity"))
    serving = Serving(shelfwise.settings)  # another process's view of the same shop
    try:
        assert serving.load_index() is not None and serving.engine.version == shelfwise.engine.version
        index_before = serving.engine.version
        found = serving.serve_search(SearchRequest(query="kettle"), "req-1")
        assert found.hits and found.index_version == index_before
        items, _ = serving.serve_recommendations("recommend", "req-2", user_id="j1")
        assert items and serving.recommender is not None and serving.recommender.version == first
        assert {i.request_id for i in serving.impressions.iter_impressions()} >= {"req-1", "req-2"}
        for kind, params in (
            ("train-recommender", {"channels": "cooccurrence,popularity"}),
            ("rebuild-index", {}),
        ):
            serving.data.jobs.enqueue(kind, params, datetime.now(UTC))
        assert run_worker(shelfwise.settings, max_jobs=2) == 2
        assert serving.recommender.version == first and serving.engine.version == index_before  # until...
        serving.catch_up()  # ... its catch-up, every `serve.catch_up_seconds` in a server
        assert serving.recommender.version != first and serving.engine.version != index_before
        assert (
            serving.serve_search(SearchRequest(query="kettle"), "req-3").index_version
            == serving.engine.version
        )
    finally:
        serving.close()
