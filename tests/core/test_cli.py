"""`nianbao check`, `render` and `demo` as a user runs them."""

import io
import json
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings

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
