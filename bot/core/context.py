"""What the checks beyond one report's values need: last year's report, the report year and
other organisations' texts of that year (the narrative and plausibility checks), and the
cells the caller reports as refused."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.findings import Finding
from bot.core.form import ReportForm
from bot.core.narrative.peer_index import Peers
from bot.core.values import Value


@dataclass(frozen=True)
class CheckContext:
    previous: Mapping[str, Value] | None = None
    year: int | None = None
    peers: Peers = field(default_factory=tuple)
    # Cells holding something that is not a value: reported for that, never also as blank.
    refused: frozenset[str] = frozenset()
    # What several checks of one run work out from the same values, kept for the run (a
    # context is made per run of the checks).
    worked_out: dict[str, Any] = field(default_factory=dict, compare=False)


# A check given the context: (form, completed values, context, its spec in form.yaml).
ContextCheck = Callable[
    [ReportForm, Mapping[str, Value], CheckContext, Mapping[str, Any]], list[Finding]
]
