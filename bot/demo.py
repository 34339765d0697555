"""`make demo`: the terminal chat fed a published report as a person would type it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.chat.service import ReportChat
from bot.core.answers import AnswersFile, load_answers, parse_answers
from bot.core.values import format_value
from bot.terminal import TerminalChat, terminal_member
from storage.db import make_engine, upgrade_database

DEMO_SAMPLE = Path(__file__).resolve().parent / "demo" / "tongjiang-gxkjj-2020.yaml"


def typed_lines(answers: AnswersFile) -> list[str]:
    """What a member types to fill `answers` in: one row per message, narratives paragraph by
    paragraph followed by 完成, then /generate."""
    form = answers.form
    values = parse_answers(answers).values
    lines: list[str] = []
    for question in form.questions:
        if form.section(question.section).layout == "text":
            text = str(values.get(question.fields[0]) or "")
            lines += [p for p in text.split("\n") if p.strip()]
            lines.append("#完成")
            continue
        cells = [values.get(f) for f in question.fields]
        if all(c == 0 for c in cells):
            lines.append("0")
        else:
            lines.append(
                " ".join(
                    format_value(c, form.field(f).type)
                    for c, f in zip(cells, question.fields, strict=True)
                )
            )
    lines.append("/status")
    lines.append("/generate")
    return lines


def run_demo(output_dir: Path, *, write: Callable[[str], None] = print) -> list[Path]:
    """Runs the whole conversation on a fresh SQLite database; returns the files written."""
    answers = load_answers(DEMO_SAMPLE)
    with tempfile.TemporaryDirectory(prefix="nianbao-demo-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'demo.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        try:
            member = terminal_member(engine, agency=answers.agency)
            chat = TerminalChat(ReportChat(engine), member, output_dir=output_dir, write=write)
            chat.open(year=answers.year)
            chat.run(typed_lines(answers), echo=True)
        finally:
            engine.dispose()
    return chat.documents
