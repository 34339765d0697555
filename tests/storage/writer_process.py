"""A separate OS process for the concurrency tests: saves answers one at a time.

Usage: writer_process.py URL REPORT_ID MEMBER_ID ROUNDS FIELD...
Round r saves value r into each field in turn (one save per field), then prints
"field value" once the save has committed. ROUNDS 0 means until killed.
"""

from __future__ import annotations

import itertools
import sys

from sqlmodel import Session

from storage.db import make_engine
from storage.models import Member
from storage.reports import save_answers


def main(url: str, report_id: int, member_id: int, rounds: int, fields: list[str]) -> None:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        member = session.get(Member, member_id)
        counter = itertools.count(1) if rounds == 0 else range(1, rounds + 1)
        for value in counter:
            for field in fields:
                save_answers(session, actor=member, report_id=report_id, values={field: value})
                print(field, value, flush=True)


if __name__ == "__main__":
    url, report_id, member_id, rounds, *fields = sys.argv[1:]
    main(url, int(report_id), int(member_id), int(rounds), fields)
