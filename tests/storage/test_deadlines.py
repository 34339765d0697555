"""Deadlines: the law by default, the most specific override otherwise."""

from datetime import date

import pytest
from sqlmodel import Session

from storage.deadlines import deadline_for, deadlines_for, set_deadline
from storage.errors import NotFound, StorageError
from storage.orgs import list_orgs


def test_legal_deadlines(session: Session, tree) -> None:
    assert deadline_for(session, org=tree.bureau, year=2024) == date(2025, 1, 31)
    assert deadline_for(session, org=tree.township, year=2024) == date(2025, 1, 31)
    assert deadline_for(session, org=tree.county, year=2024) == date(2025, 3, 31)
    assert deadline_for(session, org=tree.city, year=2020) == date(2021, 3, 31)


def test_most_specific_override_wins(session: Session, tree) -> None:
    set_deadline(session, year=2024, due=date(2025, 1, 10), actor="cli:root")
    assert deadline_for(session, org=tree.county, year=2024) == date(2025, 1, 10)
    set_deadline(session, year=2024, due=date(2025, 1, 20), org_type="department", actor="cli:root")
    assert deadline_for(session, org=tree.bureau, year=2024) == date(2025, 1, 20)
    assert deadline_for(session, org=tree.township, year=2024) == date(2025, 1, 10)
    set_deadline(session, year=2024, due=date(2025, 1, 15), org_id=tree.county.id, actor="cli:root")
    assert deadline_for(session, org=tree.bureau, year=2024) == date(2025, 1, 15)  # ancestor
    set_deadline(session, year=2024, due=date(2025, 1, 18), org_id=tree.bureau.id, actor="cli:root")
    set_deadline(session, year=2024, due=date(2025, 1, 19), org_id=tree.bureau.id, actor="cli:root")
    assert deadline_for(session, org=tree.bureau, year=2024) == date(2025, 1, 19)  # replaced
    assert deadline_for(session, org=tree.other_bureau, year=2024) == date(2025, 1, 20)
    assert deadline_for(session, org=tree.bureau, year=2023) == date(2024, 1, 31)
    orgs = list_orgs(session)
    for year in (2023, 2024):  # the whole tree at once: the same dates
        whole_tree = deadlines_for(session, orgs=orgs, year=year)
        assert whole_tree == {o.id: deadline_for(session, org=o, year=year) for o in orgs}


def test_org_and_type_together_are_refused(session: Session, tree) -> None:
    with pytest.raises(StorageError, match="不能同时指定"):
        set_deadline(
            session,
            year=2024,
            due=date(2025, 1, 1),
            org_id=tree.city.id,
            org_type="city_gov",
            actor="x",
        )


def test_unknown_org_or_type_is_refused(session: Session, tree) -> None:
    with pytest.raises(NotFound, match="单位（编号 999）不存在"):
        set_deadline(session, year=2024, due=date(2025, 1, 1), org_id=999, actor="x")
    with pytest.raises(StorageError, match="单位类型「bureau」无效，应为：部门（department）"):
        set_deadline(session, year=2024, due=date(2025, 1, 1), org_type="bureau", actor="x")
    assert deadline_for(session, org=tree.bureau, year=2024) == date(2025, 1, 31)
