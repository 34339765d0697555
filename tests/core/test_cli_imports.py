"""A command imports what it uses: checking, rendering or reading a report never loads the
database layer, the bot or its HTTP stack (each costs seconds of start-up on every call), nor
pydantic (typer 0.29 imported it to parse every command's parameters: ~70 ms a call)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"
NOT_FOR_A_REPORT = {
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "psycopg",
    "storage",
    "telegram",
    "aiohttp",
    "httpx",
    "apscheduler",
    "bot.chat",
    "bot.telegram",
    "bot.reminders",
    "pydantic",
}
# Reading a Word report needs neither the PDF reader nor the web page parser (~60 ms).
NOT_FOR_A_WORD_REPORT = {"pdfplumber", "pdfminer", "lxml.html", "bot.core.reader.html"}
# Runs `nianbao ARGS…` as the console script does and writes the modules it ended with.
RUN = """
import json, sys
from bot.cli import app
try:
    app(sys.argv[2:], prog_name="nianbao")
except SystemExit as exit:
    code = exit.code
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def run_nianbao(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    record = tmp_path / "modules.json"
    subprocess.run([sys.executable, "-c", RUN, str(record), *args], check=True, cwd=ROOT)
    result = json.loads(record.read_text())
    return result["code"], set(result["modules"])


def heavy(modules: set[str], unwanted: set[str] = NOT_FOR_A_REPORT) -> set[str]:
    return {
        name
        for name in unwanted
        if name in modules or any(m.startswith(f"{name}.") for m in modules)
    }


@pytest.fixture(scope="module")
def report_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bot.core.answers import load_answers, parse_answers
    from bot.core.render import render_report

    answers = load_answers(SAMPLE)
    path = tmp_path_factory.mktemp("report") / "report.docx"
    values = parse_answers(answers).values
    path.write_bytes(
        render_report(answers.form, agency=answers.agency, year=answers.year, values=values)
    )
    return path


def test_check_of_an_answers_file_imports_no_database_or_bot(tmp_path: Path) -> None:
    code, modules = run_nianbao(tmp_path, "check", str(SAMPLE))
    assert code == 0
    assert heavy(modules) == set()
    assert {"docx", "docxtpl"} & modules == set()  # nor the Word stack: no Word involved


def test_check_of_a_word_report_imports_no_database_or_bot(
    tmp_path: Path, report_docx: Path
) -> None:
    code, modules = run_nianbao(tmp_path, "check", str(report_docx))
    assert code == 0
    assert heavy(modules) == set()
    assert heavy(modules, NOT_FOR_A_WORD_REPORT) == set()


def test_render_imports_no_database_or_bot(tmp_path: Path) -> None:
    code, modules = run_nianbao(tmp_path, "render", str(SAMPLE), "-o", str(tmp_path / "r.docx"))
    assert code == 0
    assert (tmp_path / "r.docx").stat().st_size > 0
    assert heavy(modules) == set()


def test_report_read_imports_no_database_or_bot(tmp_path: Path, report_docx: Path) -> None:
    code, modules = run_nianbao(tmp_path, "report", "read", str(report_docx))
    assert code == 0
    assert heavy(modules) == set()
    assert heavy(modules, NOT_FOR_A_WORD_REPORT) == set()
    assert "bot.core.checks" not in modules  # reading alone runs no checks


def test_the_database_commands_still_load_on_use(tmp_path: Path) -> None:
    """The lazy groups resolve: `nianbao db --help` reaches storage's commands."""
    code, modules = run_nianbao(tmp_path, "db", "--help")
    assert code == 0
    assert "storage.cli" in modules
