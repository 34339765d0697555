"""The full check of one report with other offices' texts of the year (the copied-text check),
as the chat runs it when a member finishes a text section or asks for /status or /generate.

    .venv/bin/python bench/narrative.py [--peers 100] [--rounds 20]

The peers are the Huaian 2024 texts, each made different in a few words. "first" is the first
check in a process (every text read and cut into runs); "again" is every later one (texts that
did not change are not read again). Target: again ≤ 200 ms for 100 offices.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages, never a script here.
sys.path[0] = str(ROOT)

from bot.core.answers import load_answers, parse_answers  # noqa: E402
from bot.core.checks import PeerText, check_values  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peers", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    answers = load_answers(SAMPLE)
    values = parse_answers(answers).values
    texts = {k: v for k, v in values.items() if isinstance(v, str)}
    peers = [
        PeerText(
            f"单位{i}", {k: v.replace("我市", f"我{i}区") + f"第{i}项" for k, v in texts.items()}
        )
        for i in range(args.peers)
    ]

    def check() -> float:
        start = time.perf_counter()
        check_values(answers.form, values, previous=values, year=answers.year, peers=peers)
        return (time.perf_counter() - start) * 1000

    first = check()
    again = sorted(check() for _ in range(args.rounds))
    print(f"peers: {args.peers}, text sections: {len(texts)}")
    print(f"first check: {first:.1f} ms")
    p90 = again[int(len(again) * 0.9)]
    print(f"again: median {statistics.median(again):.1f} ms, p90 {p90:.1f} ms")


if __name__ == "__main__":
    main()
