"""Hostile files given to the command line are refused with a Chinese reason and exit code 2
(the documented code for an unreadable file), inside a memory and CPU budget.

Each command runs as a separate process under resource limits: 200 MB of address space (the
billion-laughs file took 3.6 GB) and a CPU budget far above a refusal (about 1.5 s, nearly all
of it start-up; bench/hostile.py measures it) but far below what the files cost unrefused.
A process that outgrows either is killed or fails, and the exit code shows it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile_files import billion_laughs_yaml, deep_json, empty_paragraphs_docx

NIANBAO = Path(sys.executable).with_name("nianbao")
MEMORY_BYTES = 200 * 1024 * 1024
CPU_SECONDS = 10


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def nianbao_limited(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [str(NIANBAO), *args],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=_limits,
        timeout=300,  # a hung process fails the test instead of the whole run
        check=False,
    )


ANSWERS_FILES: dict[str, tuple[str, Callable[[], str], str]] = {
    "billion-laughs": ("laughs.yaml", billion_laughs_yaml, "别名"),
    "json-200000-deep": ("deep.json", deep_json, "嵌套层级过多"),
}


@pytest.fixture(params=list(ANSWERS_FILES))
def hostile_answers(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    name, build, reason = ANSWERS_FILES[request.param]
    path = tmp_path / name
    path.write_text(build(), encoding="utf-8")
    return path, reason


def assert_refused(result: subprocess.CompletedProcess[str], path: Path, reason: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"无法读取：{path}" in result.stderr
    assert reason in result.stderr and "为安全起见不予读取" in result.stderr


def test_check_refuses_hostile_answers_files(
    hostile_answers: tuple[Path, str], tmp_path: Path
) -> None:
    path, reason = hostile_answers
    result = nianbao_limited("check", str(path), database_url=f"sqlite:///{tmp_path}/unused.db")
    assert_refused(result, path, reason)


def test_report_import_refuses_hostile_answers_files(
    hostile_answers: tuple[Path, str], database_url: str
) -> None:
    path, reason = hostile_answers
    result = nianbao_limited("report", "import", str(path), "--org", "1", database_url=database_url)
    assert_refused(result, path, reason)


@pytest.mark.parametrize("command", [["check"], ["report", "read"]], ids=" ".join)
def test_a_docx_of_millions_of_empty_paragraphs_is_refused(
    command: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(empty_paragraphs_docx())
    result = nianbao_limited(*command, str(path), database_url=f"sqlite:///{tmp_path}/unused.db")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"无法读取：{path}" in result.stderr and "元素过多" in result.stderr
