"""The copied-text check (与其他单位雷同) with many other offices' texts of the year, compared
with every text (before the index) and through the index (now), side by side.

    .venv/bin/python bench/narrative.py [--peers 50,1000,10000] [--copies 3] [--rounds 5]

The Huaian 2024 sample is checked against N other offices: `--copies` of them took its texts
over with a few words changed, the rest wrote their own (stock phrases of the format and words
of their own, generated with a fixed seed). "every text" is the check as it was: each section
compared in full with each office's section. "index" is the check through the per-process
index (`PeerIndex`) as the chat keeps it: "build" is the first check of a process (every text
read and indexed once), "check" every later one. Both must find the same offices with the same
shares; the run stops if they do not. Target (issue 24): the check's cost does not grow with
the number of offices.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages, never a script here.
sys.path[0] = str(ROOT)

from bot.core.answers import load_answers, parse_answers  # noqa: E402
from bot.core.checks import PeerText  # noqa: E402
from bot.core.form import ReportForm  # noqa: E402
from bot.core.narrative.checks import COPIED_SHARE, _prose, _texts  # noqa: E402
from bot.core.narrative.peer_index import OtherOffices, PeerIndex  # noqa: E402
from bot.core.narrative.similarity import repeated_share  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"
STOCK = ["政府信息公开工作", "依申请公开", "主动公开政府信息", "进一步加强", "政务公开", "年度报告"]
CHARS = "机关单位街道社区教育卫生交通农业水利财政税务人事档案规划建设环境保护工作会议平台网站"

Found = dict[str, list[tuple[float, str]]]


def own_text(rng: random.Random, length: int) -> str:
    """An office's own text of about `length` characters: stock phrases and its own words."""
    parts: list[str] = []
    while sum(map(len, parts)) < length:
        words = "".join(rng.choices(CHARS, k=rng.randint(6, 14)))
        parts.append(f"{rng.choice(STOCK)}{words}，{rng.choice(STOCK)}。")
    return "".join(parts)


def every_text(form: ReportForm, values: dict, peers: list[PeerText]) -> Found:
    """The check as it was: every section compared in full with every office's section."""
    found = {}
    for field_id, _, text in _texts(form, values):
        prose = _prose(form, text)
        shares = [
            (repeated_share(prose, _prose(form, peer.texts[field_id])), peer.agency)
            for peer in peers
            if isinstance(peer.texts.get(field_id), str)
        ]
        found[field_id] = sorted((s for s in shares if s[0] > COPIED_SHARE), reverse=True)
    return found


def indexed(form: ReportForm, values: dict, offices: OtherOffices) -> Found:
    def prose(text: str) -> str:
        return _prose(form, text)

    return {
        field_id: sorted(
            offices.copies(form, field_id, text, prose, above=COPIED_SHARE), reverse=True
        )
        for field_id, _, text in _texts(form, values)
    }


def timed(run: Callable[[], Found]) -> tuple[float, Found]:
    start = time.perf_counter()
    found = run()
    return (time.perf_counter() - start) * 1000, found


def rss_mb() -> float:
    """This process's resident memory now."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def office_texts(texts: dict[str, str], count: int, copies: int) -> list[PeerText]:
    rng = random.Random(count)
    copied = [
        PeerText(
            f"单位{i}", {k: v.replace("我市", f"我{i}区") + f"第{i}项" for k, v in texts.items()}
        )
        for i in range(copies)
    ]
    own = [
        PeerText(f"单位{i}", {k: own_text(rng, len(v)) for k, v in texts.items()})
        for i in range(copies, count)
    ]
    return copied + own


def measure(form: ReportForm, values: dict, peers: list[PeerText], rounds: int) -> str:
    """One row of the table: both ways of checking, the same findings required."""
    memory = rss_mb()
    offices = OtherOffices(PeerIndex.of(peers))
    build, found = timed(lambda: indexed(form, values, offices))
    index_mb = rss_mb() - memory
    after = sorted(timed(lambda: indexed(form, values, offices))[0] for _ in range(rounds))
    before = [timed(lambda: every_text(form, values, peers)) for _ in range(rounds)]
    if any(f != found for _, f in before):
        raise SystemExit(f"{len(peers)} offices: the index found {found}, every text {before}")
    copies = sum(len(f) for f in found.values())
    return (
        f"| {len(peers)} | {statistics.median(t for t, _ in before):.1f} | {build:.0f} "
        f"| {statistics.median(after):.1f} | {after[int(len(after) * 0.9)]:.1f} "
        f"| {index_mb:.0f} | {copies} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", default="50,1000,10000", help="numbers of other offices")
    parser.add_argument("--copies", type=int, default=3, help="offices that copied the texts")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    answers = load_answers(SAMPLE)
    form, values = answers.form, parse_answers(answers).values
    texts = {k: v for k, v in values.items() if isinstance(v, str)}
    print(f"text sections: {len(texts)}, copies: {args.copies}, rounds: {args.rounds}")
    print(
        "| offices | every text median ms | index build ms | index check median ms "
        "| index p90 ms | index MB | copies found |"
    )
    print("|---|---|---|---|---|---|---|")
    for count in (int(n) for n in args.peers.split(",")):
        peers = office_texts(texts, count, args.copies)
        print(measure(form, values, peers, args.rounds), flush=True)


if __name__ == "__main__":
    main()
