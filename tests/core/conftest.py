"""Fixtures for the form engine: the published sample reports and their forms."""

from pathlib import Path

import pytest

from bot.core.answers import AnswersFile, load_answers
from bot.core.form import ReportForm, load_form

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLE_PATHS = sorted((FIXTURES / "samples").glob("*.yaml"))


@pytest.fixture(params=SAMPLE_PATHS, ids=lambda p: p.stem)
def sample_path(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture
def sample(sample_path: Path) -> AnswersFile:
    return load_answers(sample_path)


@pytest.fixture
def huaian() -> AnswersFile:
    """A 2021-format city report with large, consistent numbers and every total given."""
    return load_answers(FIXTURES / "samples" / "huaian-szf-2024.yaml")


@pytest.fixture
def tongjiang() -> AnswersFile:
    """A 2019-format county bureau report, all zeros: the typical small agency."""
    return load_answers(FIXTURES / "samples" / "tongjiang-gxkjj-2020.yaml")


@pytest.fixture(params=["gov-disclosure-2021", "gov-disclosure-2019"])
def form(request: pytest.FixtureRequest) -> ReportForm:
    return load_form(request.param)
