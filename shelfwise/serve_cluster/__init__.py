"""The serving role on Ray Serve (issue 29 part 5): N replicas of the HTTP API behind one endpoint.

Each replica is a Ray Serve deployment replica whose ingress is the Shelfwise FastAPI app
(`serve.app.create_app` over a `ShopServer` on the shop's PostgreSQL), behind a thin ASGI switch
(`switch.py`) that swaps in another artifact version in place when the deployment's `user_config`
names one (`reconfigure`), without failing a request. `deploy.py` is the driver that `shelfwise
cluster serve` runs in a child process; `replica.py` the replica; `options.py` the settings, their
validation and the deployment options (replicas or autoscaling). docs/scale.md has the design.

This package sits above the HTTP layers (it imports `serve`) and below the CLI; like
`shelfwise.cluster` it imports Ray only inside functions, so importing it loads no Ray.
"""

from shelfwise.serve_cluster.options import (
    APP_NAME,
    DEPLOYMENT_NAME,
    ServeOptions,
    VersionChoice,
    deployment_options,
    version_folder,
)

__all__ = [
    "APP_NAME",
    "DEPLOYMENT_NAME",
    "ServeOptions",
    "VersionChoice",
    "deployment_options",
    "version_folder",
]
