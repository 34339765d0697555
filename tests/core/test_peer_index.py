"""The index of other offices' texts finds exactly what comparing with every text finds."""

from __future__ import annotations

import random

import pytest

from bot.core.answers import AnswersFile, parse_answers
from bot.core.checks import PeerText, check_values
from bot.core.narrative.checks import COPIED_SHARE, _prose
from bot.core.narrative.peer_index import OtherOffices, PeerIndex
from bot.core.narrative.similarity import repeated_share

FIELD = "s5.text"
# The format's stock phrases: every office writes them, so they are in every text.
STOCK = ["政府信息公开工作", "依申请公开", "主动公开政府信息", "进一步加强", "政务公开", "年度报告"]
CHARS = "机关单位街道社区教育卫生交通农业水利财政税务人事档案规划建设环境保护工作会议"


def office_text(rng: random.Random, source: str, copied: float) -> str:
    """A text of stock phrases and the office's own words, with `copied` of `source`'s
    sentences taken over (in any order, some with a word changed)."""
    own = []
    for _ in range(12):
        words = [rng.choice(STOCK), "".join(rng.choices(CHARS, k=rng.randint(4, 12)))]
        own.append("".join(words) + "。")
    taken = [s for s in source.split("。") if s and rng.random() < copied]
    rng.shuffle(taken)
    return "".join(own[: rng.randint(2, 12)]) + "。".join(taken) + "。"


def brute_force(form, text: str, peers: list[PeerText], exclude: int | None, above: float):
    prose = _prose(form, text)
    return sorted(
        (repeated_share(prose, _prose(form, p.texts[FIELD])), p.agency)
        for i, p in enumerate(peers)
        if i != exclude
        and isinstance(p.texts.get(FIELD), str)
        and repeated_share(prose, _prose(form, p.texts[FIELD])) > above
    )


def indexed(form, index: PeerIndex, text: str, exclude: int | None, above: float):
    return sorted(
        index.copies(form, FIELD, text, lambda t: _prose(form, t), above=above, exclude=exclude)
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("above", [COPIED_SHARE, 0.2, 0.0])
def test_the_index_finds_what_comparing_with_every_text_finds(
    huaian: AnswersFile, seed: int, above: float
) -> None:
    rng = random.Random(seed)
    form = huaian.form
    mine = huaian.values[FIELD] + office_text(rng, "", 0)
    peers = [
        PeerText(f"单位{i}", {FIELD: office_text(rng, mine, rng.choice([0, 0, 0.3, 0.6, 1.0]))})
        for i in range(40)
    ] + [PeerText("原文照抄单位", {FIELD: mine}), PeerText("无此部分单位", {"s1.text": mine})]
    index = PeerIndex.of(peers)
    expected = brute_force(form, mine, peers, None, above)
    assert expected  # the texts include copies: the comparison is not vacuous
    assert indexed(form, index, mine, None, above) == expected
    assert indexed(form, index, mine, 40, above) == brute_force(form, mine, peers, 40, above)


def test_the_index_follows_texts_edited_and_deleted(huaian: AnswersFile) -> None:
    rng = random.Random(7)
    form = huaian.form
    mine = huaian.values[FIELD]
    peers = [PeerText(f"单位{i}", {FIELD: office_text(rng, mine, 0)}) for i in range(10)]
    index = PeerIndex.of(peers)
    assert indexed(form, index, mine, None, COPIED_SHARE) == []
    peers[3] = PeerText("单位3", {FIELD: mine})  # an office copies the text
    peers[5] = PeerText("单位5", {FIELD: mine})
    index.put(3, peers[3])
    index.put(5, peers[5])
    assert indexed(form, index, mine, None, COPIED_SHARE) == [(1.0, "单位3"), (1.0, "单位5")]
    peers[3] = PeerText("单位3", {FIELD: office_text(rng, "", 0)})  # and rewrites it
    index.put(3, peers[3])
    index.drop(5)  # the other's report is deleted
    del peers[5]
    assert indexed(form, index, mine, None, COPIED_SHARE) == []
    assert brute_force(form, mine, peers, None, COPIED_SHARE) == []


def test_the_check_with_an_index_gives_the_same_findings_and_messages(
    huaian: AnswersFile,
) -> None:
    values = parse_answers(huaian).values
    rng = random.Random(3)
    texts = {k: v for k, v in values.items() if isinstance(v, str)}
    peers = [
        PeerText(
            f"单位{i}",
            {k: office_text(rng, v, rng.choice([0, 0.6, 1.0])) for k, v in texts.items()},
        )
        for i in range(20)
    ]

    def check(given):
        return check_values(
            huaian.form, values, checks={"copied_from_peers"}, year=huaian.year, peers=given
        )

    by_list = check(peers)
    assert by_list and all("与同年度「" in f.message for f in by_list)
    assert check(OtherOffices(PeerIndex.of(peers))) == by_list
    assert (
        check(OtherOffices(PeerIndex(enumerate([*peers, PeerText("本单位", texts)])), exclude=20))
        == by_list
    )
