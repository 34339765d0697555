"""`nianbao check`, `render` and `demo` as a user runs them."""

import io
import json
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from bot.core.answers_yaml import MAX_ANSWERS_BYTES, MAX_NODES

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
runner = CliRunner()


@pytest.fixture
def broken_answers(tmp_path: Path) -> Path:
    """The Huaian report with one cell off by one: an arithmetic error."""
    text = (SAMPLES / "huaian-szf-2024.yaml").read_text(encoding="utf-8")
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace("s3.new.natural: 3001", "s3.new.natural: 3002"), encoding="utf-8")
    return path


def test_check_passes_a_consistent_report() -> None:
    result = runner.invoke(app, ["check", str(SAMPLES / "tongjiang-gxkjj-2020.yaml")])
    assert result.exit_code == 0
    assert "校验通过" in result.output


def test_check_json_lists_every_finding(broken_answers: Path) -> None:
    result = runner.invoke(app, ["check", str(broken_answers), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["ok"] is False
    errors = [f for f in payload["findings"] if f["severity"] == "error"]
    assert {f["check"] for f in errors} == {"row_total", "balance"}
    assert all("s3.new.natural" in f["fields"] for f in errors)
    assert set(payload["findings"][0]) == {"check", "severity", "fields", "message"}


def test_check_with_last_years_report(tmp_path: Path) -> None:
    last_year = tmp_path / "last.yaml"
    text = (SAMPLES / "huaian-szf-2024.yaml").read_text(encoding="utf-8")
    last_year.write_text(text.replace("year: 2024", "year: 2023"), encoding="utf-8")
    result = runner.invoke(
        app,
        ["check", str(SAMPLES / "huaian-szf-2024.yaml"), "--previous", str(last_year), "--json"],
    )
    checks = {f["check"] for f in json.loads(result.output)["findings"]}
    assert "carry_over" in checks
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "文件不存在"),
        ("kind: [unclosed", "第 1 行"),
        ("- just\n- a list\n", "映射"),
        ("kind: gov-disclosure-2021\nagency: 某局\nyear: 2024\n", "缺少必填项 values"),
        ("kind: annual-2099\nagency: 某局\nyear: 2024\nvalues: {}\n", "不是已知的报告格式"),
        ("kind: gov-disclosure-2021\nagency: 某局\nyear: 2020\nvalues: {}\n", "不适用"),
        ("kind: gov-disclosure-2021\nagency: 某局\nyear: 二〇二四\nvalues: {}\n", "四位数年份"),
        ("kind: gov-disclosure-2021\nagency: 某局\nyear: 2024\nvalues: [1, 2]\n", "映射"),
        # What hostile files are made of (tests/test_hostile_files.py has the full-size ones).
        (
            "kind: gov-disclosure-2021\nagency: &a 某局\nyear: 2024\nvalues: {s1.text: *a}\n",
            "第 4 行第 19 列使用了 YAML 别名“*a”",
        ),
        ('{"values": {"s1.text": [[[[[[[[[[]]]]]]]]]]}}', "第 1 行第 30 列嵌套层级过多"),
        (
            "values: {" + ", ".join(f"k{i}: 0" for i in range(MAX_NODES)) + "}\n",
            "内容项过多",
        ),
        ("s1.text: " + "字" * (MAX_ANSWERS_BYTES // 3) + "\n", "文件过大"),
    ],
)
def test_unreadable_files_exit_2_saying_where(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "answers.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert message in result.output
    assert str(path) in result.output


@pytest.mark.parametrize(("path", "message"), [("/dev/zero", "文件过大"), ("/", "是文件夹")])
def test_a_device_or_a_folder_is_refused_unread(path: str, message: str) -> None:
    result = runner.invoke(app, ["check", path])
    assert result.exit_code == 2
    assert f"无法读取：{path}：{message}" in result.output


def test_render_refuses_a_report_with_errors(broken_answers: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.docx"
    result = runner.invoke(app, ["render", str(broken_answers), "-o", str(out)])
    assert result.exit_code == 1
    assert "未生成报告" in result.output and "相差 1" in result.output
    assert not out.exists()


def test_render_draft_marks_the_report(broken_answers: Path, tmp_path: Path) -> None:
    out = tmp_path / "draft.docx"
    result = runner.invoke(app, ["render", str(broken_answers), "-o", str(out), "--draft"])
    assert result.exit_code == 0
    header = Document(out).sections[0].header
    assert header.paragraphs[0].text.startswith("草稿（尚有 2 项校验错误")


def test_render_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report.docx"
    result = runner.invoke(app, ["render", str(SAMPLES / "hongze-qzf-2024.yaml"), "-o", str(out)])
    assert result.exit_code == 0
    document = Document(io.BytesIO(out.read_bytes()))
    assert document.paragraphs[0].text.startswith("淮安市洪泽区人民政府")


def test_demo_writes_the_sample_report_into_the_output_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIANBAO_OUTPUT_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["demo"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0
    path = tmp_path / "同江市工业信息化科技局2020年政府信息公开工作年度报告.docx"
    assert str(path) in result.output
    assert Document(path).tables[1].rows[3].cells[9].text == "0"


# 平潭's published 行政事业性收费, in 万元 to the fen; and one whose last places are zeros.
FEES_TO_THE_FEN = ["5949.088667", "24252.311082", "4166.241619", "4166.241600"]


def hongze_with_fee(tmp_path: Path, fee: str) -> Path:
    text = (SAMPLES / "hongze-qzf-2024.yaml").read_text(encoding="utf-8")
    path = tmp_path / "hongze.yaml"
    path.write_text(text.replace("s2.fees.amount: 7545", f"s2.fees.amount: {fee}"), "utf-8")
    return path


def docx_cells(path: Path) -> list[str]:
    document = Document(path)
    return [cell.text for table in document.tables for row in table.rows for cell in row.cells]


@pytest.mark.parametrize("fee", FEES_TO_THE_FEN)
def test_a_fee_to_the_fen_is_checked_rendered_and_read_back_as_typed(
    tmp_path: Path, fee: str
) -> None:
    answers = hongze_with_fee(tmp_path, fee)
    checked = runner.invoke(app, ["check", str(answers), "--json"])
    assert checked.exit_code == 0
    findings = json.loads(checked.output)["findings"]
    assert not [f for f in findings if "s2.fees.amount" in f["fields"]]

    out = tmp_path / "report.docx"
    assert runner.invoke(app, ["render", str(answers), "-o", str(out)]).exit_code == 0
    assert fee in docx_cells(out)

    back = tmp_path / "back.yaml"
    read = runner.invoke(app, ["report", "read", str(out), "-o", str(back)])
    assert read.exit_code == 0, read.output
    assert f"s2.fees.amount: {fee}\n" in back.read_text(encoding="utf-8")
    assert runner.invoke(app, ["check", str(back)]).exit_code == 0


def test_a_fee_finer_than_the_fen_is_one_error_and_blocks_rendering(tmp_path: Path) -> None:
    answers = hongze_with_fee(tmp_path, "5949.0886671")
    checked = runner.invoke(app, ["check", str(answers)])
    assert checked.exit_code == 1
    assert checked.output.count("5949.0886671") == 1
    assert "[错误 1] (invalid_value)" in checked.output and "[错误 2]" not in checked.output
    assert "最多保留 6 位小数（精确到分）" in checked.output
    out = tmp_path / "report.docx"
    rendered = runner.invoke(app, ["render", str(answers), "-o", str(out)])
    assert rendered.exit_code == 1 and "未填写" not in rendered.output
    assert not out.exists()
