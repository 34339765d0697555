"""Hostile files: how long `nianbao` takes to refuse them and how much memory it needs.

    python bench/hostile.py [--rounds 3]

Each command runs as its own process, as a person runs it; wall time, CPU time and peak
resident memory are per process (os.wait4). A consistent answers file is the baseline: most
of every run is start-up (importing the command line). The verdict uses CPU time, what the
process itself costs; wall time is printed with the load average, since on a shared machine
it mostly measures the other processes.

Target: each hostile file refused (exit 2) within 2 s and under 200 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from tests.hostile_files import (  # noqa: E402
    billion_laughs_yaml,
    deep_json,
    empty_paragraphs_docx,
)

NIANBAO = Path(sys.executable).with_name("nianbao")
SAMPLE = PROJECT_ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"
TARGET_SECONDS = 2.0
TARGET_MB = 200


def run(args: list[str], env: dict[str, str]) -> tuple[int, float, float, float]:
    """Exit code, wall seconds, CPU seconds and peak resident MB of one `nianbao` process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(NIANBAO), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        laughs = directory / "laughs.yaml"
        laughs.write_text(billion_laughs_yaml(), encoding="utf-8")
        deep = directory / "deep.json"
        deep.write_text(deep_json(), encoding="utf-8")
        bomb = directory / "bomb.docx"
        bomb.write_bytes(empty_paragraphs_docx())
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{directory}/bench.db"}
        cases = [
            ("baseline: check a consistent report", ["check", str(SAMPLE)], 0),
            ("check billion laughs (YAML)", ["check", str(laughs)], 2),
            ("check JSON 200,000 deep", ["check", str(deep)], 2),
            ("report import billion laughs", ["report", "import", str(laughs), "--org", "1"], 2),
            ("report import JSON 200,000 deep", ["report", "import", str(deep), "--org", "1"], 2),
            ("check 3 million empty paragraphs (.docx)", ["check", str(bomb)], 2),
            ("report read 3 million empty paragraphs", ["report", "read", str(bomb)], 2),
        ]
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{rounds} rounds each; median wall and CPU, highest peak memory; load {load}")
        print("| command | exit | wall s | CPU s | peak MB |")
        print("|---|---|---|---|---|")
        met = True
        for name, args, expected in cases:
            results = [run(args, env) for _ in range(rounds)]
            codes = {r[0] for r in results}
            wall = statistics.median(r[1] for r in results)
            cpu = statistics.median(r[2] for r in results)
            peak = max(r[3] for r in results)
            exits = "/".join(map(str, sorted(codes)))
            print(f"| {name} | {exits} | {wall:.2f} | {cpu:.2f} | {peak:.0f} |")
            if expected == 2:
                met &= codes == {2} and cpu <= TARGET_SECONDS and peak <= TARGET_MB
    verdict = "met" if met else "NOT met"
    print(
        f"\nevery hostile file refused with exit 2 within {TARGET_SECONDS:.0f} s of CPU and under "
        f"{TARGET_MB} MB: {verdict}"
    )


if __name__ == "__main__":
    main()
