"""Benchmark reports name the processor and the flags its speed depends on."""

from pathlib import Path

from shelfwise.evaluate import describe_machine
from shelfwise.evaluate.machine import parse_cpuinfo, parse_meminfo

ZEN2 = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 23
model\t\t: 49
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 avx fma avx2 bmi2 sha_ni

processor\t: 1
model name\t: AMD EPYC
flags\t\t: fpu sse sse2 avx fma avx2 bmi2 sha_ni avx512f
"""

SAPPHIRE_RAPIDS_FLAGS = "flags : fpu avx avx2 avx512f avx512bw avx512_vnni avx_vnni amx_bf16 amx_int8"


def test_cpuinfo_gives_model_family_and_the_first_processors_speed_flags() -> None:
    info = parse_cpuinfo(ZEN2)
    assert info == {"cpu": "AMD EPYC (family 23, model 49)", "flags": ["avx2"]}


def test_vnni_and_amx_count_as_int8_dot_products(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("model name : Intel Xeon\n" + SAPPHIRE_RAPIDS_FLAGS + "\n")
    machine = describe_machine(cpuinfo=cpuinfo, meminfo=tmp_path / "absent")
    assert machine.speed_flags == ["avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8"]
    assert machine.int8_dot_product is True
    assert machine.memory_gib is None
    assert machine.cpu == "Intel Xeon"


def test_avx2_alone_has_no_int8_dot_product(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(ZEN2)
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24683828 kB\nMemFree:        1 kB\n")
    machine = describe_machine(cpuinfo=cpuinfo, meminfo=meminfo)
    assert machine.int8_dot_product is False
    assert machine.memory_gib == 23.5
    assert machine.logical_cpus >= 1


def test_meminfo_without_a_total_is_unknown() -> None:
    assert parse_meminfo("MemFree: 10 kB\n") is None
