"""`nianbao check` on a Word report: what could not be read, then the usual checks."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.answers import AnswersFile
from bot.core.checks import Finding, PeerText, check_answers
from bot.core.reader.model import ReadResult

# Checks that only repeat, less precisely, that a cell or section could not be read.
_RESTATING_CHECKS = frozenset({"no_blank_cells", "required_text"})


def read_findings(
    result: ReadResult, previous: AnswersFile | None = None, *, peers: Sequence[PeerText] = ()
) -> list[Finding]:
    """Findings for a report read from Word: every read problem (check ids such as
    `unreadable_cell`, `unmatched_row`), then the checks of an answers file."""
    findings = [
        Finding(
            p.check,
            p.severity,
            p.covers,
            p.message,
        )
        for p in result.problems
    ]
    unread = {f for p in result.problems for f in p.covers}
    for finding in check_answers(result.answers, previous, peers=peers):
        if finding.check in _RESTATING_CHECKS and set(finding.fields) <= unread:
            continue
        findings.append(finding)
    return findings
