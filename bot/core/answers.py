"""The answers file: the import/export shape of a report (YAML or JSON).

    kind: gov-disclosure-2021
    agency: 某某市某某局
    year: 2024
    values: {s3.new.natural: 5, s1.text: "…", …}

Values are kept as the file gives them; `parse_answers` turns them into typed values and
reports, cell by cell, what it could not read. Totals may be present or left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.form import SAFE_LOADER, ReportForm, load_form
from bot.core.values import Value, ValueProblem, format_value, is_blank, parse_value


class AnswersFileError(Exception):
    """The file itself cannot be used; the message says where and why, in Chinese."""


@dataclass
class AnswersFile:
    kind: str
    agency: str
    year: int
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def form(self) -> ReportForm:
        return load_form(self.kind)


@dataclass(frozen=True)
class ValueIssue:
    """A cell whose raw content could not be taken as a value."""

    check: str
    field: str
    message: str


@dataclass
class ParsedAnswers:
    values: dict[str, Value]
    blank: list[str]
    issues: list[ValueIssue]


def load_answers(path: Path | str) -> AnswersFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise AnswersFileError(f"{path}：文件不存在") from exc
    except UnicodeDecodeError as exc:
        raise AnswersFileError(f"{path}：不是 UTF-8 编码的文本文件（第 {exc.start} 字节）") from exc
    except OSError as exc:
        raise AnswersFileError(f"{path}：无法读取（{exc.strerror}）") from exc
    return answers_from_text(text, source=str(path))


def answers_from_text(text: str, *, source: str = "答案文件") -> AnswersFile:
    return answers_from_mapping(_parse_yaml(text, source), source=source)


def _parse_yaml(text: str, source: str) -> object:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # JSON is a subset of YAML
    except yaml.YAMLError:
        pass  # parsed again by PyYAML's pure-Python parser, which says more exactly where
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "某处"
        raise AnswersFileError(f"{source}：{where}格式有误，无法解析（{exc.problem}）") from exc
    except yaml.YAMLError as exc:
        raise AnswersFileError(f"{source}：格式有误，无法解析（{exc}）") from exc


def answers_from_mapping(data: object, *, source: str = "答案文件") -> AnswersFile:
    if not isinstance(data, dict):
        raise AnswersFileError(f"{source}：内容应为包含 kind、agency、year、values 的映射")
    missing = [key for key in ("kind", "agency", "year", "values") if key not in data]
    if missing:
        raise AnswersFileError(f"{source}：缺少必填项 {'、'.join(missing)}")
    kind = data["kind"]
    try:
        form = load_form(str(kind))
    except KeyError as exc:
        raise AnswersFileError(f"{source}：kind「{kind}」不是已知的报告格式") from exc
    agency = data["agency"]
    if not isinstance(agency, str) or not agency.strip():
        raise AnswersFileError(f"{source}：agency（机关名称）应为非空文本")
    year = data["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise AnswersFileError(f"{source}：year（报告年度）应为四位数年份，实为「{year}」")
    if not form.applies_to(year):
        raise AnswersFileError(f"{source}：{year}年度报告不适用{form.source}格式（kind {kind}）")
    values = data["values"]
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise AnswersFileError(f"{source}：values 应为“字段编号: 数值”的映射")
    return AnswersFile(
        kind=form.kind,
        agency=agency.strip(),
        year=year,
        values={str(k): v for k, v in values.items()},
    )


def parse_answers(answers: AnswersFile) -> ParsedAnswers:
    """Typed values; unknown ids and unreadable cells become issues, blanks are listed."""
    form = answers.form
    values: dict[str, Value] = {}
    blank: list[str] = []
    issues: list[ValueIssue] = []
    for field_id, raw in answers.values.items():
        if field_id not in form.fields:
            issues.append(
                ValueIssue(
                    "unknown_field",
                    field_id,
                    f"字段「{field_id}」不属于{form.source}格式，无法识别",
                )
            )
            continue
        field_def = form.fields[field_id]
        if field_def.numeric and is_blank(raw):
            blank.append(field_id)
            continue
        try:
            values[field_id] = parse_value(field_def, raw)
        except ValueProblem as exc:
            issues.append(ValueIssue("invalid_value", field_id, f"{field_def.label}：{exc}"))
    return ParsedAnswers(values=values, blank=blank, issues=issues)


def dump_answers(answers: AnswersFile, *, fmt: str = "yaml") -> str:
    """The answers file as text, in the form's field order, numbers as numbers."""
    form = answers.form
    order = {field_id: i for i, field_id in enumerate(form.fields)}
    ordered = sorted(answers.values.items(), key=lambda kv: order.get(kv[0], len(order)))
    values: dict[str, Any] = {}
    for field_id, value in ordered:
        field_def = form.fields.get(field_id)
        if field_def is not None and field_def.type.kind == "amount" and value is not None:
            value = _plain_amount(format_value(value, field_def.type))
        values[field_id] = value
    data = {"kind": answers.kind, "agency": answers.agency, "year": answers.year, "values": values}
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def _plain_amount(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)
