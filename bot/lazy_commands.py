"""Command groups whose commands are imported when they run, not when `nianbao` starts.

A command line pays for every module it imports before it does anything: building the
whole command tree eagerly made `nianbao check` import the database layer, the bot and its
HTTP stack (1.6 s) for 20 ms of work. A `lazy_group` names its commands by "module:attribute"
(a Typer app or a command function) and imports one only when it is run, completed or listed
in the help.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import typer
import typer.main
from typer.core import TyperGroup


class LazyGroup(TyperGroup):
    """See `lazy_group`."""

    lazy: ClassVar[dict[str, str]] = {}
    merged: ClassVar[str | None] = None

    def list_commands(self, ctx: Any) -> list[str]:
        names = [*super().list_commands(ctx), *self.lazy]
        if self.merged is not None:
            names += [name for name in self._merged_group().list_commands(ctx) if name not in names]
        return names

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            if cmd_name in self.lazy:
                self.add_command(_click_command(self.lazy[cmd_name], cmd_name), cmd_name)
            elif self.merged is not None:
                command = self._merged_group().get_command(ctx, cmd_name)
                if command is not None:
                    self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def _merged_group(self) -> TyperGroup:
        assert self.merged is not None
        group = _click_command(self.merged, self.name or "")
        assert isinstance(group, TyperGroup)
        return group


def lazy_group(commands: dict[str, str], *, merged: str | None = None) -> type[LazyGroup]:
    """A group class (`typer.Typer(cls=...)`) with `commands` {name: "module:attribute"}
    imported on use; `merged` names a Typer app whose commands the group offers as well."""
    return type("LazyGroup", (LazyGroup,), {"lazy": dict(commands), "merged": merged})


_loaded: dict[str, Any] = {}


def _click_command(target: str, name: str) -> Any:
    if target not in _loaded:
        module, attribute = target.split(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):  # a group, even of one command (as add_typer)
            group = typer.main.get_group(found)
            group.name = name  # as add_typer names it (the help lists commands by this name)
            _loaded[target] = group
        else:
            single = typer.Typer(add_completion=False)
            single.command(name)(found)
            _loaded[target] = typer.main.get_command(single)
    return _loaded[target]
