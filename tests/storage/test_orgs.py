"""The supervision tree."""

import pytest
from sqlmodel import Session

from storage.errors import NotFound, StorageError
from storage.orgs import create_org, find_org, list_orgs, subtree_ids


def test_subtree_is_recursive_and_includes_itself(session: Session, tree) -> None:
    assert subtree_ids(session, org_id=tree.county.id) == {
        tree.county.id,
        tree.bureau.id,
        tree.township.id,
    }
    assert subtree_ids(session, org_id=tree.city.id) == {o.id for o in list_orgs(session)}
    assert subtree_ids(session, org_id=tree.bureau.id) == {tree.bureau.id}


def test_find_by_name_or_number(session: Session, tree) -> None:
    assert find_org(session, name_or_id="洪泽区科技局").id == tree.bureau.id
    assert find_org(session, name_or_id=str(tree.county.id)).id == tree.county.id
    with pytest.raises(NotFound, match="未找到单位「不存在局」"):
        find_org(session, name_or_id="不存在局")


def test_invalid_organisations_are_refused(session: Session, tree) -> None:
    with pytest.raises(StorageError, match="已存在"):
        create_org(session, name="洪泽区科技局", org_type="department")
    with pytest.raises(StorageError, match="单位类型「bureau」无效"):
        create_org(session, name="新局", org_type="bureau")
    with pytest.raises(NotFound, match="上级单位"):
        create_org(session, name="新局", org_type="department", parent_id=999)
