"""Several server processes over one data folder: `shelfwise serve --workers N`.

uvicorn starts N worker processes that each build their own Shelfwise with `app_from_env` from
the settings in the environment (the parent passes the data folder as SHELFWISE_DATA_DIR). They
share the data folder the way separate processes always may: SQLite in WAL mode with a busy
timeout for the catalog, events and impressions, published index versions read by each worker,
and the catch-up loop that applies catalog changes made by the others. The parent builds a
missing index once before the workers start, so they never race to build it.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "SHELFWISE_DATA_DIR"


def run_workers(data_dir: Path, host: str, port: int, workers: int) -> None:
    """Serve with `workers` processes (blocks until stopped)."""
    import uvicorn

    os.environ[DATA_DIR_VARIABLE] = str(data_dir.resolve())
    uvicorn.run("shelfwise.serve:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning")  # fmt: skip
