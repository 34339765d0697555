"""Reading reports saved from government portals as web pages, by labels, not positions."""

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.answers import AnswersFile
from bot.core.reader import DocxReadError, read_report
from bot.core.reader import html as reader_html
from tests.core.handmade_html import Shape
from tests.core.reading_support import assert_reads_back, page, squash

runner = CliRunner()

SHAPES = {
    "utf8_article": Shape(),
    "gbk_in_a_layout_table": Shape(encoding="gbk", layout_table=True),
    "gb2312_declared_bold_headings": Shape(encoding="gb2312", bold_headings=True),
    "gbk_undeclared_br_in_labels": Shape(encoding="gbk", declare_charset=False, br_in_labels=True),
    "no_chrome": Shape(chrome=False, br_in_labels=True),
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_portal_pages_read_back(sample: AnswersFile, shape: Shape) -> None:
    assert_reads_back(read_report(page(sample, shape)), sample)


def test_the_footer_is_not_part_of_section_六(huaian: AnswersFile) -> None:
    text = read_report(page(huaian)).answers.values["s6.text"]
    assert "ICP" not in text and "打印本页" not in text
    assert squash(text) == squash(huaian.values["s6.text"])


def test_zeros_printed_as_dashes_are_one_problem(tongjiang: AnswersFile) -> None:
    data = page(tongjiang, Shape(zero_mark="—"))
    result = read_report(data)
    (problem,) = result.problems
    assert problem.check == "probable_zero"
    assert len(problem.fields) > 100
    assert_reads_back(read_report(data, blank_as_zero=True), tongjiang)


def test_an_unreadable_figure_on_a_page_is_listed_by_its_label(huaian: AnswersFile) -> None:
    result = read_report(page(huaian, **{"s3.new.natural": "十二"}))
    (problem,) = result.problems
    assert problem.field_id == "s3.new.natural"
    assert problem.message.startswith("表三「一、本年新收政府信息公开申请数量」行「自然人」列：")
    assert "s3.new.natural" not in result.answers.values


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"<html><body><p>\xe4\xbc\x9a\xe8\xae\xae\xe7\xba\xaa\xe8\xa6\x81</p></body></html>",
            "不是年度报告",
        ),
        (
            b"<html><body><table>"
            + b'<tr><td colspan="100000000">x</td></tr>' * 3
            + b"</table></body></html>",
            "不是年度报告",
        ),
        (
            b'<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b"<html><body><p>&b;&b;&b;&b;&b;&b;&b;&b;</p></body></html>",
            "不是年度报告",
        ),
        (
            b"<html><body>" + b"<div>" * 5000 + "一、总体情况".encode() + b"</body></html>",
            "不是年度报告",
        ),
    ],
)
def test_hostile_pages_are_refused_or_read_safely(data: bytes, message: str) -> None:
    with pytest.raises(DocxReadError, match=message):
        read_report(data)


def test_large_pages_are_refused_unparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_html, "MAX_HTML_BYTES", 1000)
    with pytest.raises(DocxReadError, match="网页文件过大"):
        read_report(b"<html><body>" + b"<p>x</p>" * 200 + b"</body></html>")


def test_report_read_takes_an_htm_file(tongjiang: AnswersFile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "年报.htm"
    path.write_bytes(page(tongjiang, Shape(encoding="gbk")))
    result = runner.invoke(app, ["report", "read", str(path)])
    assert result.exit_code == 0, result.output
    assert "全部内容均已读取" in result.stderr
    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 0, checked.output
