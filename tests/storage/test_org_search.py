"""Finding organisations without reading the whole tree: a level at a time, a search by name
(paged, with % and _ taken literally), counts for a page's rows, and the organisation an
administrator typed (number, exact name or a part only one name has), refused naming what
was typed when it matches none or several; member and invite lists by subtree, paged."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from storage import audit, members, org_search
from storage.errors import NotFound, StorageError
from storage.models import Member
from storage.orgs import create_org
from tests.storage.conftest import Tree, add_member


def test_a_level_at_a_time_paged_with_its_total(session: Session, tree: Tree) -> None:
    top, total = org_search.children(session, parent_id=None)
    assert ([o.name for o in top], total) == (["淮安市人民政府"], 1)
    below, total = org_search.children(session, parent_id=tree.county.id)
    assert ([o.name for o in below], total) == (["洪泽区科技局", "高良涧街道"], 2)
    for n in range(5):
        create_org(session, name=f"洪泽区第{n}局", org_type="department", parent_id=tree.county.id)
    second, total = org_search.children(session, parent_id=tree.county.id, offset=3, limit=3)
    assert total == 7
    assert [o.name for o in second] == ["洪泽区第1局", "洪泽区第2局", "洪泽区第3局"]
    assert org_search.child_counts(
        session, org_ids=[tree.city.id, tree.county.id, tree.bureau.id]
    ) == {tree.city.id: 2, tree.county.id: 7}


def test_search_by_part_of_a_name_paged_exact_names_first(session: Session, tree: Tree) -> None:
    found, total = org_search.search(session, text="科技局")
    assert ([o.name for o in found], total) == (["洪泽区科技局", "涟水县科技局"], 2)
    create_org(session, name="科技局", org_type="department")
    found, total = org_search.search(session, text="科技局", offset=0, limit=2)
    assert total == 3 and found[0].name == "科技局"
    assert [o.name for o in org_search.search(session, text="科技局", offset=2, limit=2)[0]] == [
        "涟水县科技局"
    ]
    assert org_search.search(session, text="人民政府")[1] == 3
    # LIKE's wildcards typed in a name match only themselves.
    create_org(session, name="100%_试点单位", org_type="department")
    assert [o.name for o in org_search.search(session, text="%_")[0]] == ["100%_试点单位"]
    assert org_search.search(session, text="_")[1] == 1
    assert org_search.search(session, text="不存在的单位") == ([], 0)
    # Latin letters in either case, on SQLite and PostgreSQL alike.
    create_org(session, name="洪泽区12345政务服务热线（Hotline）", org_type="department")
    for typed in ("hotline", "HOTLINE", "Hotline"):
        assert [o.name for o in org_search.search(session, text=typed)[0]] == [
            "洪泽区12345政务服务热线（Hotline）"
        ]


def test_choosing_by_number_exact_name_or_a_part_only_one_name_has(
    session: Session, tree: Tree
) -> None:
    assert org_search.choose(session, text=f" {tree.bureau.id} ").id == tree.bureau.id
    assert org_search.choose(session, text="洪泽区科技局").id == tree.bureau.id
    assert org_search.choose(session, text="涟水县科").id == tree.other_bureau.id
    assert org_search.choose_optional(session, text="  ") is None
    # An exact name wins over the longer names containing it.
    create_org(session, name="洪泽区科技局二分局", org_type="department")
    assert org_search.choose(session, text="洪泽区科技局").id == tree.bureau.id


def test_choosing_refuses_naming_what_was_typed(session: Session, tree: Tree) -> None:
    with pytest.raises(StorageError) as refused:
        org_search.choose(session, text="淮安市政府", what="上级单位")
    assert str(refused.value) == (
        "未找到名称或编号为「淮安市政府」的上级单位，请核对后输入单位的完整名称或编号"
    )
    with pytest.raises(StorageError) as refused:
        org_search.choose(session, text="科技局")
    assert str(refused.value) == (
        f"名称含「科技局」的单位有多个：洪泽区科技局（编号 {tree.bureau.id}）、"
        f"涟水县科技局（编号 {tree.other_bureau.id}）共 2 个，"
        "请输入其中一个单位的完整名称或编号"
    )
    for n in range(10):
        create_org(session, name=f"涟水县第{n}科室", org_type="department")
    with pytest.raises(StorageError, match=r"（编号 \d+）等 12 个，请输入其中一个") as refused:
        org_search.choose(session, text="涟水县")
    assert str(refused.value).count("（编号 ") == org_search.NAMED_CANDIDATES
    with pytest.raises(StorageError, match="请填写邀请加入的单位的名称或编号"):
        org_search.choose(session, text=" ", what="邀请加入的单位")
    with pytest.raises(NotFound, match="单位（编号 9999）不存在"):
        org_search.choose(session, text="9999")


def test_member_and_invite_lists_by_subtree_paged(session: Session, tree: Tree) -> None:
    bureau = add_member(session, tree.bureau, "staff", "王芳")
    county = add_member(session, tree.county, "supervisor", "陈督导")
    other = add_member(session, tree.other_bureau, "staff", "赵敏")
    gone = add_member(session, tree.bureau, "staff", "李强")
    members.deactivate_member(session, member_id=gone.id, actor="cli")

    def names(people: list[Member]) -> list[str]:
        return [p.name for p in people]

    only, total = members.page_members(session, org_id=tree.county.id)
    assert (names(only), total) == (["陈督导"], 1)
    below, total = members.page_members(session, org_id=tree.county.id, below=True)
    assert (names(below), total) == (["陈督导", "王芳", "李强"], 3)
    page, total = members.page_members(session, org_id=tree.city.id, below=True, offset=1, limit=2)
    assert (names(page), total) == (["王芳", "李强"], 4)
    assert members.page_members(session)[1] == 4
    assert org_search.active_member_counts(
        session, org_ids=[tree.bureau.id, tree.county.id, tree.city.id]
    ) == {tree.bureau.id: 1, tree.county.id: 1}
    assert members.members_by_ids(session, member_ids=[other.id, None]) == {other.id: other}

    invites = [
        members.create_invite(session, org_id=org.id, role="staff", created_by="cli")[0]
        for org in (tree.bureau, tree.township, tree.other_bureau)
    ]
    listed, total = members.page_invites(session, org_id=tree.county.id, below=True)
    # Every member above joined with an invite of their own: 4 of them, plus these 3.
    assert total == 5 and listed[0].id == invites[1].id and listed[1].id == invites[0].id
    assert members.page_invites(session, org_id=tree.county.id)[1] == 1
    assert len(members.page_invites(session, offset=5, limit=5)[0]) == 2
    assert {m.id for m in audit.people_named(session, [f"member:{bureau.id}", "cli", "x"])} == {
        bureau.id
    }
    telegram = f"telegram:{county.telegram_user_id}"
    assert [m.name for m in audit.people_named(session, [telegram])] == ["陈督导"]
    assert audit.actor_text(telegram, audit.people_named(session, [telegram])) == (
        f"陈督导（成员编号 {county.id}）"
    )
