"""The year of the text, copied text, and the paragraphs drafted from the tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.answers import AnswersFile, dump_answers, parse_answers
from bot.core.checks import PeerText, check_answers, check_values, complete_values
from bot.core.narrative.drafting import draft_paragraphs, draft_text
from bot.core.narrative.similarity import repeated_share
from tests.core.narrative_plants import samples

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
NARRATIVE_CHECKS = {
    "narrative_figures",
    "draft_outdated",
    "narrative_year",
    "copied_from_last_year",
    "copied_from_peers",
}


def with_text(answers: AnswersFile, field_id: str, text: str) -> AnswersFile:
    return AnswersFile(
        answers.kind, answers.agency, answers.year, {**answers.values, field_id: text}
    )


def findings_of(answers: AnswersFile, check: str, **kwargs) -> list:
    return [f for f in check_answers(answers, **kwargs) if f.check == check]


def test_a_sentence_dated_last_year_is_flagged(huaian: AnswersFile) -> None:
    text = huaian.values["s1.text"].replace("2024 年，全市共受理", "2023年，全市共受理")
    (finding,) = findings_of(with_text(huaian, "s1.text", text), "narrative_year")
    assert finding.fields == ("s1.text",) and finding.severity == "warning"
    assert "“2023年，全市共受理政府信息公开申请 3119 件" in finding.message
    assert "写的是 2023 年，而本报告为 2024 年度报告" in finding.message


@pytest.mark.parametrize(
    "sentence",
    ["2023年，本机关共收到政府信息公开申请5件。", "二〇二三年，我局严格落实条例。"],
)
def test_wrong_year_in_every_text_section(huaian: AnswersFile, sentence: str) -> None:
    for field_id in ("s1.text", "s5.text", "s6.text"):
        answers = with_text(huaian, field_id, f"{huaian.values[field_id]}\n{sentence}")
        (finding,) = findings_of(answers, "narrative_year")
        assert finding.fields == (field_id,)


@pytest.mark.parametrize(
    "sentence",
    [
        "2025年，我们将进一步完善依申请公开工作机制。",
        "与2023年相比，申请数量有所增加。",
        "2020年以来，我局深入推进政务公开。",
    ],
)
def test_plans_comparisons_and_the_report_year_are_not_flagged(
    huaian: AnswersFile, sentence: str
) -> None:
    answers = with_text(huaian, "s5.text", sentence)
    assert findings_of(answers, "narrative_year") == []


def test_the_real_texts_are_dated_right(sample: AnswersFile) -> None:
    assert findings_of(sample, "narrative_year") == []


def test_text_copied_from_another_office_of_the_same_year(
    huaian: AnswersFile, tongjiang: AnswersFile
) -> None:
    peer = PeerText("某某县人民政府", {"s5.text": huaian.values["s5.text"].replace("我市", "我县")})
    (finding,) = findings_of(huaian, "copied_from_peers", peers=[peer])
    assert finding.fields == ("s5.text",)
    assert "与同年度「某某县人民政府」报告的相同文字约占" in finding.message
    assert "超过 50%" in finding.message
    other = PeerText(
        "同江市工业信息化科技局", {f: tongjiang.values[f] for f in ("s1.text", "s5.text")}
    )
    assert findings_of(huaian, "copied_from_peers", peers=[other]) == []


def test_the_real_reports_do_not_copy_each_other() -> None:
    reports = samples()
    for answers in reports:
        peers = [
            PeerText(o.agency, {k: v for k, v in o.values.items() if isinstance(v, str)})
            for o in reports
            if o is not answers
        ]
        assert findings_of(answers, "copied_from_peers", peers=peers) == []


def test_repeated_share_ignores_digits_punctuation_and_order() -> None:
    a = "一是加强政策解读，提升解读质量。二是加强队伍建设，配齐配强工作人员，定期组织业务培训。" * 3
    moved = a[len(a) // 2 :] + a[: len(a) // 2]
    assert repeated_share(moved.replace("一是", "1是"), a) > 0.95
    assert repeated_share("完全不同的一段文字，讲述别的事情" * 8, a) == 0
    assert repeated_share("无。", "无。") == 0  # too short to judge


@pytest.fixture
def drafted(sample: AnswersFile) -> AnswersFile:
    """The sample with its overview and 六 replaced by the paragraphs drafted from its tables
    (六 drafted as if it were still blank)."""
    values = complete_values(sample.form, parse_answers(sample).values)
    del values["s6.text"]
    drafts = draft_paragraphs(sample.form, values, year=sample.year)
    texts = {f: draft_text(drafts, f) for f in ("s1.text", "s6.text")}
    return AnswersFile(sample.kind, sample.agency, sample.year, {**sample.values, **texts})


def test_every_samples_drafted_paragraphs_pass_check(drafted: AnswersFile) -> None:
    assert "依申请公开情况" in drafted.values["s1.text"]
    assert "主动公开情况" in drafted.values["s1.text"]
    findings = [f for f in check_answers(drafted) if f.check in NARRATIVE_CHECKS]
    assert findings == []
    assert [f for f in check_answers(drafted) if f.check == "fee_statement"] == []


def test_drafted_figures_are_the_tables(huaian: AnswersFile) -> None:
    values = complete_values(huaian.form, parse_answers(huaian).values)
    drafts = {d.title: d.text for d in draft_paragraphs(huaian.form, values, year=2024)}
    assert drafts["依申请公开"].startswith(
        "（二）依申请公开情况。2024年，本机关新收政府信息公开申请3119件，上年结转34件。"
        "本年度办结3050件，其中予以公开1362件，部分公开454件"
    )
    assert "结转下年度继续办理103件" in drafts["依申请公开"]
    assert (
        "行政复议351件，其中结果维持72件、结果纠正64件、其他结果178件、尚未审结37件"
        in (drafts["依申请公开"])
    )
    assert "制发规章1件、废止规章0件，现行有效规章11件" in drafts["主动公开"]
    assert "行政许可决定447228件、行政处罚决定3985758件、行政强制决定88283件" in drafts["主动公开"]


def test_a_table_changed_after_drafting_marks_the_paragraph_out_of_date(
    drafted: AnswersFile,
) -> None:
    values = parse_answers(drafted).values
    derived = set(drafted.form.derived_fields)  # totals: recomputed from the changed cells
    values = {k: v for k, v in values.items() if k not in derived}
    values["s3.new.natural"] += 2  # two more applications, both partly disclosed
    values["s3.partial.natural"] += 2
    assert [f for f in check_values(drafted.form, values) if f.severity == "error"] == []
    findings = check_values(drafted.form, values, year=drafted.year, checks=NARRATIVE_CHECKS)
    stale = [f for f in findings if f.check == "draft_outdated"]
    assert stale and all(f.fields[0] == "s1.text" for f in findings)
    assert "按表格起草的文字与表格已不一致" in stale[0].message
    assert "新收政府信息公开申请" in stale[0].message and "请重新按表格起草该段" in stale[0].message
    # Accepting a fresh draft (the chat's 采用) brings the text back in line.
    fresh = draft_paragraphs(drafted.form, complete_values(drafted.form, values), year=drafted.year)
    values["s1.text"] = draft_text(fresh, "s1.text")
    assert check_values(drafted.form, values, year=drafted.year, checks=NARRATIVE_CHECKS) == []


def test_a_draft_leaves_out_what_the_tables_do_not_say_yet(huaian: AnswersFile) -> None:
    values = complete_values(huaian.form, parse_answers(huaian).values)
    del values["s2.penalty.decisions"]
    drafts = draft_paragraphs(huaian.form, values, year=2024)
    assert [d.title for d in drafts] == ["依申请公开"]  # 六 already states the 3940 元 collected
    values["s6.text"] = "无。"
    drafts = draft_paragraphs(huaian.form, values, year=2024)
    assert [d.title for d in drafts] == ["依申请公开", "信息处理费"]


def test_nianbao_draft_prints_the_paragraphs(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["draft", str(SAMPLES / "tongjiang-gxkjj-2020.yaml")])
    assert result.exit_code == 0, result.output
    assert "【一、总体情况】" in result.output and "【六、其他需要报告的事项】" in result.output
    assert "2020年，本机关新收政府信息公开申请0件" in result.output
    assert "本年度未发生政府信息公开行政复议、行政诉讼案件。" in result.output
    assert "注意：表格中没有信息处理费的数据，此句按未收取起草" in result.output
    result = CliRunner().invoke(app, ["draft", str(SAMPLES / "huaian-szf-2024.yaml"), "--json"])
    payload = json.loads(result.output)
    assert [d["field"] for d in payload] == ["s1.text", "s1.text"]  # 六 states the fee
    assert [d["note"] for d in payload] == [None, None]


def write(tmp_path: Path, answers: AnswersFile, name: str) -> Path:
    path = tmp_path / name
    path.write_text(dump_answers(answers), encoding="utf-8")
    return path


def test_nianbao_check_refuses_a_previous_report_of_another_year_or_agency(
    tmp_path: Path, huaian: AnswersFile
) -> None:
    current = write(tmp_path, huaian, "2024.yaml")
    same_year = write(tmp_path, huaian, "same.yaml")
    result = CliRunner().invoke(app, ["check", str(current), "--previous", str(same_year)])
    assert result.exit_code == 2
    assert "与本报告是同一年度（2024年），不能作为上年报告" in result.output
    other = AnswersFile(huaian.kind, "淮安市大数据局", 2023, dict(huaian.values))
    path = write(tmp_path, other, "other.yaml")
    result = CliRunner().invoke(app, ["check", str(current), "--previous", str(path)])
    assert result.exit_code == 2 and "「淮安市大数据局」" in result.output
    assert "--renamed" in result.output
    result = CliRunner().invoke(
        app, ["check", str(current), "--previous", str(path), "--renamed", "--json"]
    )
    payload = json.loads(result.output)
    assert "copied_from_last_year" in {f["check"] for f in payload["findings"]}


def test_nianbao_check_compares_with_other_offices(tmp_path: Path, huaian: AnswersFile) -> None:
    copy = AnswersFile(huaian.kind, "淮安市某某局", 2024, dict(huaian.values))
    peer = write(tmp_path, copy, "peer.yaml")
    result = CliRunner().invoke(
        app, ["check", str(SAMPLES / "huaian-szf-2024.yaml"), "--peer", str(peer)]
    )
    assert result.exit_code == 0
    assert "(copied_from_peers) 「一、总体情况」与同年度「淮安市某某局」报告" in result.output


def test_nianbao_render_refuses_a_previous_report_of_another_year(
    tmp_path: Path, huaian: AnswersFile
) -> None:
    current = write(tmp_path, huaian, "2024.yaml")
    older = write(tmp_path, AnswersFile(huaian.kind, huaian.agency, 2022, dict(huaian.values)), "o")
    out = tmp_path / "out.docx"
    result = CliRunner().invoke(
        app, ["render", str(current), "-o", str(out), "--previous", str(older)]
    )
    assert result.exit_code == 2 and not out.exists()
    assert "早于上一年度（2023年）" in result.output


@pytest.mark.parametrize(
    "sentence",
    [
        "（一）上年度问题整改情况。2023年，我市政务公开工作存在政策解读形式单一等问题，今年已全部整改到位。",
        "2023年，本机关年度报告指出的三个问题，已于2024年6月前整改完毕。",
        "2023年度，全市政务公开第三方评估中我市位列全省第三。",
    ],
)
def test_sentences_about_last_years_problems_are_not_a_wrong_year(
    huaian: AnswersFile, sentence: str
) -> None:
    answers = with_text(huaian, "s5.text", f"{huaian.values['s5.text']}\n{sentence}")
    assert findings_of(answers, "narrative_year") == []
