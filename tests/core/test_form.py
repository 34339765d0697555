"""The form definitions carry the national formats faithfully and drive everything else."""

import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from bot.core.form import ReportForm, form_for_year, load_form
from bot.core.template_builder import build_template

FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "formats"


def official_format(kind: str) -> dict:
    return yaml.safe_load((FORMATS / f"{kind}.yaml").read_text(encoding="utf-8"))


def official_fields(fmt: dict) -> dict[str, tuple[str | None, str | None]]:
    """Every field id of an official format with its (row, column) labels."""
    fields: dict[str, tuple[str | None, str | None]] = {}
    for section in fmt["sections"]:
        if section["type"] == "text":
            fields[section["field"]] = (section["heading"], None)
        elif section["type"] == "tables":
            for group in section["groups"]:
                for row in group["rows"]:
                    for field_id, column in zip(row["fields"], group["columns"], strict=True):
                        fields[field_id] = (row["label"], column)
        elif "rows" in section:
            for row in section["rows"]:
                for column in section["columns"]:
                    fields[f"s3.{row['id']}.{column['id']}"] = (row["label"], column["label"])
        else:
            for group in section["groups"]:
                for column in section["columns"]:
                    fields[f"s4.{group['id']}.{column['id']}"] = (group["label"], column["label"])
    return fields


def test_form_has_exactly_the_official_fields_and_labels(form: ReportForm) -> None:
    expected = official_fields(official_format(form.kind))
    assert set(form.fields) == set(expected)
    for field_id, (row, column) in expected.items():
        field = form.field(field_id)
        assert row in (field.row or ""), field_id
        assert field.column == column, field_id


def test_form_keeps_every_official_check_id(form: ReportForm) -> None:
    fmt = official_format(form.kind)
    official = {r["id"] for r in fmt["relations"]} | {c["id"] for c in fmt["content_checks"]}
    ours = {r.check for r in form.relations} | set(form.content_checks)
    assert official <= ours


def test_sections_follow_the_official_headings(form: ReportForm) -> None:
    fmt = official_format(form.kind)
    assert [s.heading for s in form.sections] == [s["heading"] for s in fmt["sections"]]
    assert [s.number for s in form.sections] == ["一", "二", "三", "四", "五", "六"]


def test_totals_are_never_asked_and_every_other_field_is_asked_once(form: ReportForm) -> None:
    asked = [f for q in form.questions for f in q.fields]
    assert len(asked) == len(set(asked))
    assert set(asked) == {f for f in form.fields if not form.field(f).derived}
    assert {f for f in form.fields if f.endswith(".total")} <= set(form.derived_fields)
    assert all(form.field(f).derived for f in form.fields if f.startswith("s3.results_total."))


def test_each_total_comes_after_the_totals_it_adds_up(form: ReportForm) -> None:
    """So the table after each answer computes every total in one pass."""
    computed = {total for total, _ in form.totals}
    done: set[str] = set()
    for total, parts in form.totals:
        assert {part for part, _ in parts if part in computed} <= done, total
        done.add(total)


def test_carried_in_repeats_last_years_carried_out_column_by_column(form: ReportForm) -> None:
    """上年结转 is last year's 结转下年度: the cells the chat offers to copy from last year."""
    columns = [c.id for c in form.section("s3").columns]
    assert form.carried_over == {
        f"s3.carried_in.{column}": f"s3.carried_out.{column}" for column in columns
    }


@pytest.mark.parametrize(
    ("year", "kind"),
    [
        (2019, "gov-disclosure-2019"),
        (2020, "gov-disclosure-2019"),
        (2021, "gov-disclosure-2021"),
        (2025, "gov-disclosure-2021"),
    ],
)
def test_the_format_follows_the_report_year(year: int, kind: str) -> None:
    assert form_for_year(year).kind == kind


def test_reports_before_2019_have_no_format() -> None:
    with pytest.raises(LookupError):
        form_for_year(2018)


def template_fields(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    return set(re.findall(r"v\['([^']+)'\]", xml))


def test_every_numeric_field_has_exactly_one_place_in_the_word_template(form: ReportForm) -> None:
    with zipfile.ZipFile(form.template_path) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    placed = re.findall(r"\{\{ v\['([^']+)'\] \}\}", xml)
    assert sorted(placed) == sorted(form.numeric_fields)
    # Each figure's cell also carries the tags that fit it to its width and shade it in a draft.
    fitted = re.findall(r"\{\{ fit\(v\['([^']+)'\], [\d.]+\) \}\}", xml)
    shaded = re.findall(r"\{\{ shade\['([^']+)'\] \}\}", xml)
    assert sorted(fitted) == sorted(shaded) == sorted(form.numeric_fields)
    for section in form.sections:
        if section.text_field:
            assert f"text['{section.id}']" in xml


def test_committed_template_is_generated_from_the_current_form(
    form: ReportForm, tmp_path: Path
) -> None:
    fresh = build_template(form, tmp_path / "report.docx")
    parts = ("word/document.xml", "word/styles.xml", "word/settings.xml", "word/theme/theme1.xml")
    with zipfile.ZipFile(fresh) as new, zipfile.ZipFile(form.template_path) as committed:
        for name in parts:
            assert new.read(name) == committed.read(name), (
                f"templates/*/report.docx is stale ({name}): run `nianbao template build`"
            )


def test_both_kinds_load() -> None:
    assert load_form("gov-disclosure-2021").source == "国办公开办函〔2021〕30号"
    assert load_form("gov-disclosure-2019").source.startswith("国办公开办函〔2019〕60号")


def test_grid_rows_get_short_labels_that_stay_distinct(form: ReportForm) -> None:
    """Narrow places (a chat's table, a button) name rows by number and first words; rows
    the official labels tell apart only far to the right stay apart."""
    for section in form.sections:
        if not section.rows:
            continue
        shorts = list(section.short_labels.values())
        assert len(set(shorts)) == len(shorts) == len(section.rows)
        assert all(len(short) <= 18 for short in shorts)
        heads = [c.head for c in section.columns]
        assert len(set(heads)) == len(heads) and all(len(h) <= 3 for h in heads)
    s3 = form.section("s3")
    assert s3.short_labels["withheld_secret"] == "三（三）1 属于国家秘密"
    assert s3.short_labels["new"] == "一 本年新收政府信…"
    assert [r.number for r in s3.rows][:5] == ["一", "二", "三（一）", "三（二）", "三（三）1"]


def test_short_labels_keep_apart_the_rows_that_looked_identical() -> None:
    s3 = load_form("gov-disclosure-2021").section("s3")
    assert s3.short_labels["other_no_correction"] == "三（六）1 申请人无正当理…"
    assert s3.short_labels["other_unpaid_fee"] == "三（六）2 申请人逾期未按…"
    s4 = load_form("gov-disclosure-2021").section("s4")
    assert list(s4.short_labels.values()) == [
        "行政复议",
        "行政诉讼（未经复议直接起诉）",
        "行政诉讼（复议后起诉）",
    ]


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_templates_dir_setting_moves_the_report_kinds(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NIANBAO_TEMPLATES_DIR is honoured from the environment and from .env alike (the form
    engine reads the settings only when one of them could set it)."""
    from bot.config import get_settings
    from bot.core.form import available_kinds, templates_dir

    own = tmp_path / "own-templates"
    (own / "local-kind").mkdir(parents=True)
    shutil.copyfile(
        templates_dir() / "gov-disclosure-2021" / "form.yaml", own / "local-kind" / "form.yaml"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIANBAO_TEMPLATES_DIR", raising=False)
    if where == ".env":
        (tmp_path / ".env").write_text(f"NIANBAO_TEMPLATES_DIR={own}\n", encoding="utf-8")
    else:
        monkeypatch.setenv("NIANBAO_TEMPLATES_DIR", str(own))
    get_settings.cache_clear()
    try:
        assert available_kinds() == ["local-kind"]
    finally:
        get_settings.cache_clear()
