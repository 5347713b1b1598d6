"""What machine a benchmark ran on, recorded beside its figures.

Speed figures depend on the processor as much as on the code: ONNX Runtime's int8 kernels are
fast only where the CPU has VNNI dot-product instructions (AVX-512 VNNI or AVX-VNNI); on an
AVX2-only CPU an int8 encoder runs no faster than fp32. Each benchmark report carries a
`MachineInfo` so that two figures are compared only on like machines.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import TypedDict

from pydantic import BaseModel

SPEED_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "i8mm")
"""CPU flags that change how fast transformer inference runs (x86 AVX families, Arm dot products)"""


class MachineInfo(BaseModel):
    cpu: str
    logical_cpus: int
    speed_flags: list[str]
    memory_gib: float | None = None
    int8_dot_product: bool
    """the CPU has int8 dot-product instructions (VNNI, AMX or Arm dot products)"""


class CpuInfo(TypedDict):
    cpu: str
    """the processor's model name ('' when /proc/cpuinfo names none)"""
    flags: list[str]
    """the `SPEED_FLAGS` the first processor has, in `SPEED_FLAGS` order"""


def describe_machine(
    cpuinfo: Path = Path("/proc/cpuinfo"), meminfo: Path = Path("/proc/meminfo")
) -> MachineInfo:
    """The processor's model name, its logical CPUs and its speed-relevant flags, read from
    /proc on Linux (the platform module's name elsewhere)."""
    text = cpuinfo.read_text(errors="replace") if cpuinfo.is_file() else ""
    info = parse_cpuinfo(text)
    memory = parse_meminfo(meminfo.read_text(errors="replace")) if meminfo.is_file() else None
    return MachineInfo(
        cpu=info["cpu"] or platform.processor() or platform.machine(),
        logical_cpus=os.cpu_count() or 1,
        speed_flags=info["flags"],
        memory_gib=memory,
        int8_dot_product=bool({"avx512_vnni", "avx_vnni", "amx_int8", "asimddp"} & set(info["flags"])),
    )


def parse_cpuinfo(text: str) -> CpuInfo:
    """{'cpu': model name, 'flags': the `SPEED_FLAGS` present} from /proc/cpuinfo's first processor."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip().lower(), value.strip())
    model = fields.get("model name") or fields.get("cpu model", "")
    if model and "cpu family" in fields:  # virtual machines often hide all but the vendor's line
        model += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    flags = set((fields.get("flags") or fields.get("features", "")).split())
    return {"cpu": model, "flags": [flag for flag in SPEED_FLAGS if flag in flags]}


def parse_meminfo(text: str) -> float | None:
    """Total memory in GiB from /proc/meminfo's MemTotal line (kB)."""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return None
