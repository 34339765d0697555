"""The answers-file loader: numbers kept as written, hostile constructs refused early."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from types import ModuleType

import pytest

from bot.core import answers_yaml
from bot.core.answers_yaml import dump_answers_text, load_answers_text
from tests.hostile_files import billion_laughs_yaml, deep_json


def test_numbers_are_kept_as_written() -> None:
    data = load_answers_text("a: 5949.088600\nb: 010\nc: 0x1F\nd: 1:20\ne: 7545\nf: -3\n")
    # A float stays its text (exact, zeros kept); YAML 1.1's octal, hex and base-60 ints too.
    assert data == {"a": "5949.088600", "b": 10, "c": "0x1F", "d": "1:20", "e": 7545, "f": -3}


def test_amounts_are_dumped_as_plain_numbers_that_read_back_exactly() -> None:
    text = dump_answers_text({"values": {"s2.fees.amount": Decimal("5949.088600"), "n": 3}})
    assert text == "values:\n  s2.fees.amount: 5949.088600\n  n: 3\n"
    assert load_answers_text(text) == {"values": {"s2.fees.amount": "5949.088600", "n": 3}}


def _without_libyaml(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A fresh copy of the loader module on a PyYAML without its C extension."""
    monkeypatch.setitem(sys.modules, "yaml._yaml", None)  # importing it raises ImportError
    monkeypatch.delitem(sys.modules, "yaml.cyaml", raising=False)
    spec = importlib.util.find_spec("bot.core.answers_yaml")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_aliases_and_deep_nesting_are_refused_where_they_start(
    libyaml: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = answers_yaml if libyaml else _without_libyaml(monkeypatch)
    assert (module._Events.__module__ == "yaml._yaml") is libyaml
    with pytest.raises(module.AnswersYamlRefused, match="别名“\\*a0”") as alias:
        module.load_answers_text(billion_laughs_yaml())
    assert alias.value.problem_mark.line == 4
    with pytest.raises(module.AnswersYamlRefused, match="嵌套层级过多") as deep:
        module.load_answers_text(deep_json())
    assert deep.value.problem_mark.column < 100
    assert module.load_answers_text("values: {s2.fees.amount: 4166.241619}") == {
        "values": {"s2.fees.amount": "4166.241619"}
    }
