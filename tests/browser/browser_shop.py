"""What the browser tests share: where chromium is and how to install it, the demo shop they
serve, its address, and the window sizes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
API_KEY = "browser-test-key-7d2e"
# The demo shop, small: 400 products, 300 simulated shoppers train the recommender (seconds).
DEMO_ARGS = ["--products", "400", "--shoppers", "300", "--loop-shoppers", "0", "--no-serve"]
# The multilingual encoder is slow on a CPU: fewer products (about 30 s to build on 2 cores).
MULTILINGUAL_DEMO_ARGS = ["--products", "200", "--shoppers", "100", "--loop-shoppers", "0", "--no-serve"]
# As root, chromium needs --no-sandbox; the rest keep it off this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]  # fmt: skip
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Shop:
    """A served demo shop: its address, the API key it was started with and its data folder."""

    base_url: str
    api_key: str
    data_dir: Path


def install_chromium() -> str:
    """apt-get install chromium (with sudo when not root); what went wrong, or '' when it worked."""
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            return "not root and no sudo to run apt-get"
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        try:
            done = subprocess.run([*prefix, *command], env=env, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"{' '.join(command)}: {error}"
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {(done.stderr or done.stdout).strip()[-500:]}"
    return ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, server: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode} before serving")
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing served {url} within {seconds:.0f} s")
        time.sleep(0.3)
