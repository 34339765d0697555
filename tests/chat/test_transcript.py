"""bench/transcript.py: a whole report, as the member receives it, stays short."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "transcript.py"


@pytest.fixture(scope="module")
def transcript() -> ModuleType:
    spec = importlib.util.spec_from_file_location("transcript", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_row_by_row_the_member_gets_no_wall_of_digits(transcript: ModuleType) -> None:
    run = transcript.run(paste=False)
    assert run.messages == 43
    # Main before issue 23: 37,793 characters (the whole table after each of 30 rows).
    assert run.characters < 12_000
    text = "\n".join(run.lines)
    assert text.count("表三当前填写情况") == 0 and text.count("表三已填完") == 1
    assert "报告已生成" in text


def test_pasting_each_table_takes_a_dozen_messages(transcript: ModuleType) -> None:
    run = transcript.run(paste=True)
    assert run.messages == 13 and run.characters < 4_000
    text = "\n".join(run.lines)
    assert "已从粘贴的内容填写表三 24 行（144 格）" in text
    assert "行未填写" not in text  # every pasted row was taken
