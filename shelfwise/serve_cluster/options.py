"""What a Serve deployment of the shop is started with, checked before Ray sees it.

An artifact version is a folder under the versions root (default ARTIFACT_ROOT/serving): a
Shelfwise data folder holding a published index (`indexes/`) and models, made by `shelfwise
index` (or a worker's job) with SHELFWISE_DATA_DIR pointing there and the shop's database URL;
every node sees it on the shared storage. The deployment's `user_config` names the version its
replicas serve ({"version": "v2"}); changing it swaps every replica in place (`reconfigure`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

APP_NAME = "shelfwise"
DEPLOYMENT_NAME = "ShopReplica"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
REPLICA_HEADER = "x-shelfwise-replica"
VERSION_HEADER = "x-shelfwise-version"


class VersionChoice(BaseModel):
    """The deployment's user_config: which artifact version the replicas serve."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=VERSION_PATTERN, description="a folder name under the versions root")
    shards: int = Field(
        default=0, ge=0, description="recall through this many shard actors; 0: the whole index"
    )
    shard_replicas: int = Field(default=1, ge=1, description="actors holding each shard")


class ServeOptions(BaseModel):
    """A deployment: where the proxy listens, how many replicas, which version, the shop."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str = Field(description="the cluster's head, HOST:PORT")
    http_host: str = Field(min_length=1, description="the address the HTTP proxy binds (on the head)")
    http_port: int = Field(default=8000, ge=1, le=65535)
    version: str = Field(pattern=VERSION_PATTERN)
    versions_root: Path = Field(description="the folder of artifact versions, on shared storage")
    settings_json: str = Field(description="the shop's Settings as JSON; data_dir is set per version")
    replicas: int = Field(default=2, ge=1, description="fixed replicas; initial ones with autoscaling")
    min_replicas: int | None = Field(default=None, ge=0)
    max_replicas: int | None = Field(default=None, ge=1, description="set: autoscaling between min and max")
    target_ongoing_requests: float = Field(default=2.0, gt=0, description="autoscaling's target per replica")
    max_ongoing_requests: int = Field(default=8, ge=1, description="requests a replica takes at once")
    replica_cpus: float = Field(default=1.0, gt=0, description="CPUs Ray reserves for each replica")
    drain_seconds: float = Field(default=30.0, ge=0, description="how long a swapped-out version may finish")
    wait_seconds: float = Field(default=300.0, gt=0, description="how long to wait for the deployment")
    shards: int = Field(default=0, ge=0, description="shard actors the replicas recall through; 0: none")
    shard_replicas: int = Field(default=1, ge=1, description="actors holding each shard (with --shards)")

    @model_validator(mode="after")
    def _check(self) -> ServeOptions:
        if not self.versions_root.is_absolute():
            raise ValueError(f"the versions root must be an absolute path, got {self.versions_root}")
        if self.min_replicas is not None and self.max_replicas is None:
            raise ValueError("--min-replicas needs --max-replicas (autoscaling between the two)")
        if self.max_replicas is not None and (self.min_replicas or 0) > self.max_replicas:
            raise ValueError(
                f"--min-replicas {self.min_replicas} is above --max-replicas {self.max_replicas}"
            )
        if self.http_host in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the HTTP proxy must bind an address clients reach, not a loopback one")
        return self


def version_folder(versions_root: Path, version: str) -> Path:
    """The data folder of `version`, checked: a valid name and a folder with an index."""
    choice = VersionChoice(version=version)
    folder = versions_root / choice.version
    if not (folder / "indexes").is_dir():
        raise FileNotFoundError(
            2, f"no artifact version '{version}' (a data folder with indexes/)", str(folder)
        )
    return folder


def version_choice(options: ServeOptions) -> VersionChoice:
    """The replicas' user_config: the version and, when sharded, its shard actors' shape."""
    return VersionChoice(
        version=options.version, shards=options.shards, shard_replicas=options.shard_replicas
    )


def code_version(options: ServeOptions) -> str:
    """Serve's version of the deployment's code and settings: equal between two deployments that
    differ only in user_config or replicas, so those update the replicas in place; anything else
    (the shop's settings, CPUs, another Shelfwise release) replaces them one by one."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("shelfwise")
    except PackageNotFoundError:
        release = "unknown"
    parts = [release, options.settings_json, str(options.versions_root), repr(options.replica_cpus)]
    digest = hashlib.sha256("\n".join(parts).encode())
    return digest.hexdigest()[:16]


def deployment_options(options: ServeOptions) -> dict[str, Any]:
    """Keyword arguments for `Deployment.options`: fixed replicas, or autoscaling when
    `max_replicas` is set; the version in user_config."""
    chosen: dict[str, Any] = {
        "name": DEPLOYMENT_NAME,
        "version": code_version(options),
        "user_config": version_choice(options).model_dump(exclude_defaults=True),
        "ray_actor_options": {"num_cpus": options.replica_cpus},
        "max_ongoing_requests": options.max_ongoing_requests,
        "graceful_shutdown_timeout_s": options.drain_seconds,
    }
    if options.max_replicas is None:
        chosen["num_replicas"] = options.replicas
    else:
        low = options.min_replicas if options.min_replicas is not None else 1
        chosen["num_replicas"] = "auto"
        chosen["autoscaling_config"] = {
            "min_replicas": low,
            "max_replicas": options.max_replicas,
            "initial_replicas": min(max(options.replicas, low), options.max_replicas),
            "target_ongoing_requests": options.target_ongoing_requests,
        }
    return chosen
