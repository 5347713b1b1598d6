"""The Ray Serve role's pieces that need no cluster (issue 29 part 5): the deployment options
(replicas or autoscaling, the code version that keeps a version swap in place), the version
folders, and the switch that swaps app versions without failing a request in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from shelfwise.serve_cluster import ServeOptions, deployment_options, version_folder
from shelfwise.serve_cluster.options import code_version
from shelfwise.serve_cluster.switch import SwitchingApp


def _options(**changes: object) -> ServeOptions:
    base: dict[str, object] = {"address": "10.0.0.1:6379", "http_host": "10.0.0.1", "version": "v1",
                               "versions_root": Path("/shared/serving"), "settings_json": "{}"}  # fmt: skip
    return ServeOptions.model_validate({**base, **changes})


def test_fixed_replicas_or_autoscaling_between_min_and_max() -> None:
    fixed = deployment_options(_options(replicas=3))
    assert fixed["num_replicas"] == 3 and "autoscaling_config" not in fixed
    assert fixed["user_config"] == {"version": "v1"}
    scaled = deployment_options(
        _options(replicas=2, min_replicas=1, max_replicas=4, target_ongoing_requests=3)
    )
    assert scaled["num_replicas"] == "auto"
    assert scaled["autoscaling_config"] == {
        "min_replicas": 1, "max_replicas": 4, "initial_replicas": 2, "target_ongoing_requests": 3.0,
    }  # fmt: skip


def test_shards_travel_in_the_user_config_and_keep_the_code_version() -> None:
    sharded = deployment_options(_options(shards=2, shard_replicas=2))
    assert sharded["user_config"] == {"version": "v1", "shards": 2, "shard_replicas": 2}
    assert sharded["version"] == code_version(_options())  # sharding changes in place, like a version
    with pytest.raises(ValidationError):
        _options(shard_replicas=0)


def test_a_new_version_or_replica_count_keeps_the_code_version_so_replicas_swap_in_place() -> None:
    first = code_version(_options())
    assert code_version(_options(version="v2", replicas=5)) == first
    assert code_version(_options(settings_json='{"data_dir": "x"}')) != first
    assert code_version(_options(replica_cpus=0.5)) != first


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": "../etc"}, "pattern"),
        ({"min_replicas": 1}, "needs --max-replicas"),
        ({"min_replicas": 5, "max_replicas": 2}, "above --max-replicas"),
        ({"http_host": "127.0.0.1"}, "loopback"),
        ({"versions_root": "relative/serving"}, "absolute"),
    ],
)
def test_options_that_would_not_serve_as_meant_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _options(**changes)


def test_a_version_is_a_data_folder_with_an_index(tmp_path: Path) -> None:
    (tmp_path / "v1" / "indexes").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    assert version_folder(tmp_path, "v1") == tmp_path / "v1"
    with pytest.raises(FileNotFoundError, match="no artifact version 'empty'"):
        version_folder(tmp_path, "empty")
    with pytest.raises(ValidationError):
        version_folder(tmp_path, "..")


class _Versions:
    """Tiny apps standing for the shop's: /v answers the version, /slow waits for `release`."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.release = asyncio.Event()

    def build(self, version: str) -> FastAPI:
        if version == "broken":
            raise FileNotFoundError("no artifact version 'broken'")

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            self.events.append(f"start {version}")
            yield
            self.events.append(f"stop {version}")

        app = FastAPI(lifespan=lifespan)

        @app.get("/v")
        async def which() -> str:
            return version

        @app.get("/slow")
        async def slow() -> str:
            await self.release.wait()
            return version

        return app


async def _swap_under_load() -> None:
    versions = _Versions()
    switch = SwitchingApp(versions.build, {"x-shelfwise-replica": "r1"}, drain_seconds=30)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=switch), base_url="http://shop") as client:
        assert (await client.get("/v")).status_code == 503  # nothing served before the first swap
        assert await switch.swap("v1") and not await switch.swap("v1")
        first = await client.get("/v")
        assert first.json() == "v1" and first.headers["x-shelfwise-version"] == "v1"
        assert first.headers["x-shelfwise-replica"] == "r1"
        in_flight = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.05)
        swapping = asyncio.create_task(switch.swap("v2"))
        await asyncio.sleep(0.05)
        assert (await client.get("/v")).json() == "v2"  # new requests go to the new version
        assert versions.events == ["start v1", "start v2"]  # v1 still finishing its request
        versions.release.set()
        slow = await in_flight
        assert (slow.status_code, slow.json()) == (200, "v1")
        await swapping
        assert versions.events == ["start v1", "start v2", "stop v1"]
        with pytest.raises(FileNotFoundError):
            await switch.swap("broken")
        assert (await client.get("/v")).json() == "v2"  # a version that cannot start changes nothing
        assert await switch.swap("v2", key="v2 sharded")  # the same version served another way
        assert versions.events[-2:] == ["start v2", "stop v2"] and switch.version == "v2"
        await switch.close()
    assert versions.events[-1] == "stop v2"


def test_a_swap_lets_requests_in_flight_finish_on_the_old_version() -> None:
    # a thread of its own: the browser tests' session-wide Playwright keeps a loop running here
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _swap_under_load()).result(timeout=60)
