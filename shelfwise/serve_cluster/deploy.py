"""The driver of `shelfwise cluster serve`: deploys, lists or stops the shop on Ray Serve.

Run as `python -m shelfwise.serve_cluster.deploy` with a JSON request on stdin (it holds the
database URL, so it is not on the command line) and the cluster's token in the environment; it
prints a JSON answer. Serve's controller and the application outlive this driver: the
deployment keeps running until `stop`. The HTTP proxy runs on the head only, bound to the address
given (never a loopback one); a second deployment with another version or replica count updates
the running one in place (see `options.code_version`). With `shards`, the version's named shard
actors (`cluster.shard_actors`) are started before the replicas and every other shard actor is
killed once they run; `stop` kills them all.

    {"action": "deploy", "options": {...ServeOptions...}}
    {"action": "replicas", "address": "HEAD:PORT"}
    {"action": "stop", "address": "HEAD:PORT"}
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from shelfwise.serve_cluster.options import (
    APP_NAME,
    DEPLOYMENT_NAME,
    ServeOptions,
    deployment_options,
    version_folder,
)

REPLICA_ACTOR_PREFIX = f"SERVE_REPLICA::{APP_NAME}#{DEPLOYMENT_NAME}#"


def deploy(options: ServeOptions) -> dict[str, Any]:
    """Start (or update) the deployment and wait, bounded, until it runs; the answer lists the
    replicas. Call from a connected driver."""
    from ray import serve

    from shelfwise.serve_cluster.replica import ShopReplica

    shards = start_shards(options)
    serve.start(
        proxy_location="HeadOnly", http_options={"host": options.http_host, "port": options.http_port}
    )
    chosen = deployment_options(options)
    code = chosen.pop("version")
    deployment = serve.deployment(**chosen)(serve.ingress()(ShopReplica))
    # Ray 2.60 refuses `version=` and gives each `serve.run` a random code version, which would
    # replace every replica on a mere version swap; with the same code version a new user_config
    # reconfigures the running replicas in place (what `serve deploy` does for a config file).
    deployment._version = code
    app = deployment.bind(options.settings_json, str(options.versions_root), options.drain_seconds)
    serve.run(app, name=APP_NAME, route_prefix="/", blocking=False)
    status = wait_running(options.wait_seconds)
    retired = retire_shards(shards)
    return {"status": status, "endpoint": f"http://{options.http_host}:{options.http_port}/",
            "version": options.version, "replicas": replica_processes(),
            "shards": shard_processes(shards), "shards_killed": retired}  # fmt: skip


def start_shards(options: ServeOptions) -> list[str]:
    """The named shard actors the deployment's replicas recall through (none unsharded),
    started from the version's folder and the shop's catalog, padded and answering."""
    if not options.shards:
        return []
    from shelfwise.cluster.shard_actors import start_version_shards
    from shelfwise.config import Settings
    from shelfwise.shop_data import ShopUrls

    settings = Settings.model_validate_json(options.settings_json)
    folder = version_folder(options.versions_root, options.version)
    store_url = ShopUrls.from_settings(settings.model_copy(update={"data_dir": folder})).store
    shape, config = (options.shards, options.shard_replicas), (settings.lexical, settings.vector)
    report = start_version_shards(folder, options.version, store_url, shape, config, options.wait_seconds)
    names: list[str] = report["shards"]
    return names


def shard_processes(names: list[str]) -> list[dict[str, Any]]:
    """The deployment's shard actors: name, process id and node address."""
    from shelfwise.cluster.shard_actors import shard_processes as processes

    return processes(names) if names else []


def retire_shards(keep: list[str]) -> list[str]:
    """Once the replicas run on the deployment's shards, kill every other shard actor (an older
    version's). None is in use by then: a replica's `reconfigure` returns, and Serve counts the
    deployment as running, only after its old version has finished its requests in flight (or
    `drain_seconds` passed, `switch.py`)."""
    from shelfwise.cluster.shard_actors import kill_shard_actors

    return kill_shard_actors(keep)


def wait_running(timeout_seconds: float) -> str:
    """Until the application runs with every replica on the current settings (bounded)."""
    from ray import serve

    deadline = time.monotonic() + timeout_seconds
    status = "NOT_STARTED"
    while time.monotonic() < deadline:
        application = serve.status().applications.get(APP_NAME)
        status = "NOT_STARTED" if application is None else str(application.status)
        if status.endswith("RUNNING"):
            return "RUNNING"
        if status.endswith("DEPLOY_FAILED"):
            raise RuntimeError(f"the deployment failed: {application.message if application else ''}")
        time.sleep(0.5)
    raise TimeoutError(f"the deployment is still {status} after {timeout_seconds:.0f} s")


def replica_processes() -> list[dict[str, Any]]:
    """The live replicas of the shop's deployment, from Ray's actor table: the replica id, the
    process id and the node's address."""
    from ray._private import state  # the actor table with pids; the state API needs the dashboard

    found = []
    for actor in state.actors().values():
        name = actor.get("Name") or ""
        if name.startswith(REPLICA_ACTOR_PREFIX) and actor.get("State") == "ALIVE":
            found.append({"replica": name.removeprefix(REPLICA_ACTOR_PREFIX), "pid": int(actor["Pid"]),
                          "node_ip": actor["Address"]["IPAddress"]})  # fmt: skip
    return sorted(found, key=lambda replica: replica["replica"])


def stop() -> dict[str, Any]:
    """Delete the application and stop Serve (its controller and proxy), then kill every shard
    actor."""
    from ray import serve

    from shelfwise.cluster.shard_actors import kill_shard_actors

    serve.shutdown()
    return {"status": "STOPPED", "shards_killed": kill_shard_actors()}


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    action = request.get("action")
    if action == "deploy":
        return deploy(ServeOptions.model_validate(request["options"]))
    if action == "replicas":
        return {"replicas": replica_processes()}
    if action == "stop":
        return stop()
    raise ValueError(f"unknown action {action!r}: deploy, replicas or stop")


def main() -> int:  # pragma: no cover - runs in the child process
    import logging

    import ray

    request = json.loads(sys.stdin.read())
    address = request["options"]["address"] if request.get("action") == "deploy" else request["address"]
    ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    try:
        answer = _answer(request)
    finally:
        ray.shutdown()
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
