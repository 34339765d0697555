"""The text of an answers file (YAML, or JSON as a subset of it), read without trusting it.

An answers file is a mapping of four keys, one of them a flat mapping of a few hundred cells:
nothing needs aliases, nesting or more than a few thousand items. The loader refuses what a
hostile file uses to blow up memory or time, before it is built:

- aliases (`*a`): nested anchors make a few hundred bytes stand for billions of items
  ("billion laughs");
- nesting deeper than MAX_DEPTH: JSON 200,000 levels deep would otherwise end in a
  RecursionError;
- more than MAX_NODES items, and (in `bot.core.answers`) files over MAX_ANSWERS_BYTES.

Events come from libyaml when PyYAML has it; the composer above it is PyYAML's own, with the
limits checked as each node starts. Numbers keep the digits as written: a float such as
5949.088600 stays the text "5949.088600" (the answers core turns it into an exact Decimal),
and only plain decimal integers become ints (YAML 1.1 would read 010 as 8).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.nodes import Node, ScalarNode
from yaml.resolver import Resolver

MAX_ANSWERS_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 8
MAX_NODES = 20_000

_PLAIN_INT = re.compile(r"[-+]?\d+")


class AnswersYamlRefused(ComposerError):
    """A construct no answers file needs; `problem` says what, in Chinese, at `problem_mark`."""


class _LimitedComposer(Composer):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise AnswersYamlRefused(
                None,
                None,
                f"使用了 YAML 别名“*{event.anchor}”；答案文件不支持锚点与别名（& 与 *），"
                "请直接写出每一项的内容",
                event.start_mark,
            )
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise AnswersYamlRefused(
                None, None, f"内容项过多（超过 {MAX_NODES} 项），不是答案文件", event.start_mark
            )
        if self.depth >= MAX_DEPTH:
            raise AnswersYamlRefused(
                None,
                None,
                f"嵌套层级过多（超过 {MAX_DEPTH} 层）；答案文件只有 values 一层嵌套",
                event.start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1


class _ExactConstructor(SafeConstructor):
    def construct_number_as_typed(self, node: ScalarNode) -> int | str:
        text = self.construct_scalar(node)
        return int(text) if _PLAIN_INT.fullmatch(text) else text


_ExactConstructor.add_constructor(
    "tag:yaml.org,2002:int", _ExactConstructor.construct_number_as_typed
)
_ExactConstructor.add_constructor(
    "tag:yaml.org,2002:float", _ExactConstructor.construct_number_as_typed
)

try:
    from yaml.cyaml import CParser as _Events
except ImportError:  # PyYAML built without libyaml: the same limits on the pure-Python parser
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Events(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


class _AnswersLoader(_LimitedComposer, _Events, _ExactConstructor, Resolver):
    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        _LimitedComposer.__init__(self)
        _ExactConstructor.__init__(self)
        Resolver.__init__(self)


def load_answers_text(text: str) -> Any:
    """The data of an answers file; `yaml.YAMLError` (AnswersYamlRefused for what is refused)
    when it cannot or must not be read."""
    loader = _AnswersLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class _AnswersDumper(yaml.SafeDumper):
    def represent_amount(self, value: Decimal) -> yaml.ScalarNode:
        """An amount as a plain number with the places it was typed with (5949.088600)."""
        text = format(value, "f")
        return self.represent_scalar(f"tag:yaml.org,2002:{'float' if '.' in text else 'int'}", text)


_AnswersDumper.add_representer(Decimal, _AnswersDumper.represent_amount)


def dump_answers_text(data: dict[str, Any]) -> str:
    return yaml.dump(  # type: ignore[no-any-return]
        data, Dumper=_AnswersDumper, allow_unicode=True, sort_keys=False, width=1000
    )
