"""Administrators' commands: `nianbao db|org|invite|member|report|deadline …`.

Every change made here is written to the audit log with the operating-system user as actor.
bot/cli.py registers these groups (imported when one of their commands runs); `report_app`'s
commands are offered in `nianbao report` next to `read`.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import typer
from alembic import command
from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from bot.config import get_settings
from bot.core.answers import AnswersFileError, dump_answers, load_answers
from bot.core.form import ReportForm
from bot.core.rollup import RollupError, summary_text
from storage import audit
from storage.access import WRITABLE_STATUSES
from storage.clock import utcnow
from storage.db import alembic_config, get_engine, session_scope, upgrade_database
from storage.deadlines import parse_due, set_deadline
from storage.errors import NotFound, ReportLocked, StorageError
from storage.members import (
    accounts_text,
    create_invite,
    deactivate_member,
    invite_state,
    list_invites,
    list_members,
    reactivate_member,
    revoke_invite,
    set_role,
    state_text,
)
from storage.models import (
    ORG_TYPE_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    Organisation,
    Report,
    choices,
)
from storage.org_admin import add_org, move_org, rename_org, set_org_type
from storage.orgs import find_org, list_orgs, tree_order
from storage.overview import build_rollup
from storage.reports import ImportOutcome, export_answers, import_report, show_answer

db_app = typer.Typer(help="数据库", no_args_is_help=True)
org_app = typer.Typer(help="单位（机关）及上下级关系", no_args_is_help=True)
invite_app = typer.Typer(help="邀请码", no_args_is_help=True)
member_app = typer.Typer(help="成员", no_args_is_help=True)
report_app = typer.Typer(help="年度报告的导入与导出", no_args_is_help=True)
deadline_app = typer.Typer(help="报送截止日期", no_args_is_help=True)


def cli_actor() -> str:
    """Who the audit log says acted: the operating-system user running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except OSError:
        return "cli"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


@contextmanager
def _session() -> Iterator[Session]:
    """A session on DATABASE_URL; storage errors end the command with their message."""
    try:
        with session_scope(get_engine()) as session:
            yield session
    except StorageError as exc:
        raise _fail(str(exc)) from exc
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        raise _fail(
            f"数据库操作失败（{exc.orig}）。如尚未初始化，请先运行 nianbao db upgrade"
        ) from exc


def _code(value: str, labels: dict[str, str], what: str) -> str:
    """A code from either the code itself or its Chinese label."""
    by_label = {label: code for code, label in labels.items()}
    if value in labels:
        return value
    if value in by_label:
        return by_label[value]
    raise _fail(f"{what}「{value}」无效，应为：{choices(labels)}", 2)


def _local(moment: datetime) -> str:
    zone = ZoneInfo(get_settings().timezone)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """把数据库结构升级到最新版本（首次使用时即建表）。"""
    url = get_settings().database_url
    masked = sa.make_url(url).render_as_string(hide_password=True)
    try:
        upgrade_database(url)
    except sa.exc.SQLAlchemyError as exc:
        raise _fail(
            f"数据库升级失败（{getattr(exc, 'orig', None) or exc}）：{masked}。"
            "请检查 DATABASE_URL 是否正确、数据库服务是否已启动并可以连接"
        ) from exc
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with _session() as session:
        audit.record(session, actor=cli_actor(), action="db.upgrade", detail={"revision": head})
    typer.echo(f"数据库已升级到最新版本（{head}）：{masked}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="迁移说明")],
) -> None:
    """（开发人员）比较模型与数据库，生成新的迁移脚本。"""
    command.revision(
        alembic_config(get_settings().database_url), message=message, autogenerate=True
    )


@org_app.command("add")
def org_add(
    name: Annotated[str, typer.Argument(help="单位名称")],
    org_type: Annotated[
        str, typer.Option("--type", help="单位类型：部门、乡镇、县级政府、市级政府")
    ],
    parent: Annotated[str | None, typer.Option("--parent", help="上级单位的编号或名称")] = None,
) -> None:
    """添加单位。"""
    code = _code(org_type, ORG_TYPE_LABELS, "单位类型")
    with _session() as session:
        parent_id = find_org(session, name_or_id=parent).id if parent else None
        org = add_org(session, actor=cli_actor(), name=name, org_type=code, parent_id=parent_id)
    typer.echo(f"已添加单位：{org.name}（{ORG_TYPE_LABELS[code]}，编号 {org.id}）")


@org_app.command("rename")
def org_rename(
    org: Annotated[str, typer.Argument(help="单位编号或名称")],
    name: Annotated[str, typer.Argument(help="新名称")],
) -> None:
    """单位改名（名称不能与其他单位重复）。"""
    with _session() as session:
        target = find_org(session, name_or_id=org)
        before = target.name
        renamed = rename_org(session, actor=cli_actor(), org_id=target.id, name=name)
    typer.echo(f"已将单位「{before}」改名为「{renamed.name}」（编号 {renamed.id}）。")


@org_app.command("move")
def org_move(
    org: Annotated[str, typer.Argument(help="单位编号或名称")],
    parent: Annotated[
        str | None, typer.Option("--parent", help="新的上级单位（编号或名称）；不指定则为顶层单位")
    ] = None,
) -> None:
    """调整单位的上级单位（连同其全部下级单位）。"""
    with _session() as session:
        target = find_org(session, name_or_id=org)
        new_parent = find_org(session, name_or_id=parent) if parent else None
        move_org(
            session,
            actor=cli_actor(),
            org_id=target.id,
            parent_id=new_parent.id if new_parent else None,
        )
    where = f"「{new_parent.name}」之下" if new_parent else "顶层（无上级单位）"
    typer.echo(f"已将单位「{target.name}」移到{where}。")


@org_app.command("type")
def org_type_set(
    org: Annotated[str, typer.Argument(help="单位编号或名称")],
    org_type: Annotated[str, typer.Argument(help="单位类型：部门、乡镇、县级政府、市级政府")],
) -> None:
    """更改单位类型（决定适用的法定报送截止日期）。"""
    code = _code(org_type, ORG_TYPE_LABELS, "单位类型")
    with _session() as session:
        target = find_org(session, name_or_id=org)
        set_org_type(session, actor=cli_actor(), org_id=target.id, org_type=code)
    typer.echo(f"已将单位「{target.name}」的类型改为{ORG_TYPE_LABELS[code]}。")


@org_app.command("list")
def org_list() -> None:
    """按上下级关系列出全部单位。"""
    with _session() as session:
        orgs = list_orgs(session)
    if not orgs:
        typer.echo("尚无单位。请用 nianbao org add 添加。")
    for org, depth in tree_order(orgs):
        typer.echo(f"{'    ' * depth}[{org.id}] {org.name}（{ORG_TYPE_LABELS[org.org_type]}）")


@invite_app.command("create")
def invite_create(
    org: Annotated[str, typer.Option("--org", help="单位编号或名称")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help=(
                "角色：staff 填报人员、supervisor 督导人员、"
                "supervisor_staff 督导兼填报人员、admin 管理员"
            ),
        ),
    ],
    days: Annotated[int, typer.Option("--days", help="有效天数")] = 14,
) -> None:
    """生成一次性邀请码（只显示这一次）。"""
    role_code = _code(role, ROLE_LABELS, "角色")
    with _session() as session:
        target = find_org(session, name_or_id=org)
        invite, code = create_invite(
            session,
            org_id=target.id,
            role=role_code,
            created_by=cli_actor(),
            ttl=timedelta(days=days),
        )
    typer.echo(f"邀请码（仅显示这一次，请妥善转交本人）：{code}")
    bot = get_settings().bot_username.strip().lstrip("@")
    if bot:
        typer.echo(f"加入链接：https://t.me/{bot}?start={code}")
    typer.echo(
        f"单位：{target.name}；角色：{ROLE_LABELS[role_code]}；"
        f"有效期至：{_local(invite.expires_at)}；限使用一次"
    )


@invite_app.command("list")
def invite_list(
    org: Annotated[str | None, typer.Option("--org", help="只列出该单位（编号或名称）")] = None,
) -> None:
    """列出邀请码（不含邀请码本身）：单位、角色、有效期、是否已使用及使用人、是否已撤销。"""
    with _session() as session:
        org_id = find_org(session, name_or_id=org).id if org else None
        invites = list_invites(session, org_id=org_id)
        names = {o.id: o.name for o in list_orgs(session)}
        users = {m.id: m.name for m in list_members(session)}
    if not invites:
        typer.echo("尚无邀请码。")
    now = utcnow()
    for invite in invites:
        line = (
            f"[{invite.id}] {names[invite.org_id]}  {ROLE_LABELS[invite.role]}  "
            f"{invite_state(invite, now)}  有效期至 {_local(invite.expires_at)}"
        )
        if invite.used_at is not None:
            line += f"  {users.get(invite.used_by_member_id, '')}于 {_local(invite.used_at)} 使用"
        if invite.revoked_at is not None:
            line += f"  于 {_local(invite.revoked_at)} 撤销"
        typer.echo(line)


@invite_app.command("revoke")
def invite_revoke(
    invite_id: Annotated[int, typer.Argument(help="邀请码编号（见 invite list）")],
) -> None:
    """撤销尚未使用的邀请码，立即生效（Telegram 和网页均不能再用它加入）。"""
    with _session() as session:
        invite = revoke_invite(session, actor=cli_actor(), invite_id=invite_id)
    typer.echo(f"已撤销邀请码（编号 {invite.id}），该邀请码不能再使用。")


@member_app.command("list")
def member_list(
    org: Annotated[str | None, typer.Option("--org", help="只列出该单位（编号或名称）")] = None,
) -> None:
    """列出成员。"""
    with _session() as session:
        org_id = find_org(session, name_or_id=org).id if org else None
        members = list_members(session, org_id=org_id)
        names = {o.id: o.name for o in list_orgs(session)}
    if not members:
        typer.echo("尚无成员。")
    for member in members:
        typer.echo(
            f"[{member.id}] {member.name}  {ROLE_LABELS[member.role]}  {names[member.org_id]}  "
            f"{accounts_text(member)}  {state_text(member)}"
        )


@member_app.command("remove")
def member_remove(member_id: Annotated[int, typer.Argument(help="成员编号")]) -> None:
    """停用成员，立即生效（记录保留）。"""
    with _session() as session:
        member = deactivate_member(session, member_id=member_id, actor=cli_actor())
    typer.echo(f"已停用成员：{member.name}（编号 {member.id}），立即生效。")


@member_app.command("restore")
def member_restore(member_id: Annotated[int, typer.Argument(help="成员编号")]) -> None:
    """恢复已停用的成员（单位、角色和登录方式不变），立即生效。"""
    with _session() as session:
        member = reactivate_member(session, member_id=member_id, actor=cli_actor())
    typer.echo(
        f"已恢复成员：{member.name}（编号 {member.id}），立即生效；"
        "原网页登录需重新登录，Telegram 可直接使用。"
    )


@member_app.command("role")
def member_role(
    member_id: Annotated[int, typer.Argument(help="成员编号")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="新角色：staff、supervisor、supervisor_staff（督导兼填报）、admin",
        ),
    ],
) -> None:
    """更改成员角色（如督导人员兼填本单位报告改为 supervisor_staff），下一步操作即生效。"""
    with _session() as session:
        role_code = _code(role, ROLE_LABELS, "角色")
        member = set_role(session, member_id=member_id, role=role_code, actor=cli_actor())
    typer.echo(f"已将成员 {member.name}（编号 {member.id}）的角色改为{ROLE_LABELS[member.role]}。")


@report_app.command("import")
def report_import(
    file: Annotated[Path, typer.Argument(help="答案文件（YAML 或 JSON）")],
    org: Annotated[str, typer.Option("--org", help="单位编号或名称")],
    replace: Annotated[
        bool, typer.Option("--replace", help="删除报告中已有、而文件中没有的内容（默认保留）")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="报告已提交或已审核通过时仍然导入（覆盖报送的内容）")
    ] = False,
) -> None:
    """导入答案文件：写入文件中的各项，逐项列出改动的原有内容。

    报告中已有、文件中没有的内容默认保留，加 --replace 才删除；已提交或已审核通过的报告
    默认不予导入，加 --force 才覆盖。改动均记入修改记录。退出码：0 已导入，1 未导入，
    2 文件无法读取。
    """
    try:
        answers = load_answers(file)
    except AnswersFileError as exc:
        raise _fail(f"无法读取：{exc}", 2) from exc
    with _session() as session:
        target = find_org(session, name_or_id=org)
        try:
            outcome = import_report(
                session, org_id=target.id, answers=answers, replace=replace, force=force
            )
        except ReportLocked as exc:
            raise _fail(f"{exc}。确需直接覆盖的，请加 --force") from exc
        report = outcome.report
        audit.record(
            session,
            actor=cli_actor(),
            action="report.import",
            detail={
                "report_id": report.id,
                "file": str(file),
                "version": report.version,
                "replace": replace,
                "force": force,
                "status": outcome.status,
                "added": len(outcome.added),
                "replaced": [field_id for field_id, _, _ in outcome.replaced],
                "removed": [field_id for field_id, _ in outcome.removed],
            },
        )
    typer.echo(
        f"已导入：{target.name} {answers.year}年度报告"
        f"（报告编号 {report.id}，版本 {report.version}）"
    )
    for line in _import_lines(answers.form, outcome, total=len(answers.values)):
        typer.echo(line)


def _import_lines(form: ReportForm, outcome: ImportOutcome, *, total: int) -> list[str]:
    """What an import did, in the words of the form: counts, then every answer it replaced,
    removed or (without --replace) left in place."""
    lines = [
        f"文件共 {total} 项：新增 {len(outcome.added)} 项，修改 {len(outcome.replaced)} 项，"
        f"与原有内容相同 {outcome.unchanged} 项。"
    ]
    if outcome.status not in WRITABLE_STATUSES:
        lines.append(f"注意：报告状态为「{STATUS_LABELS[outcome.status]}」，已按 --force 覆盖。")
    if outcome.replaced:
        lines.append(f"修改了原有内容 {len(outcome.replaced)} 项（原内容 → 导入内容）：")
        lines += [
            f"  · {form.field(f).label}：{show_answer(form, f, old)} → {show_answer(form, f, new)}"
            for f, old, new in outcome.replaced
        ]
    if outcome.removed:
        lines.append(f"按 --replace 删除了文件中没有的原有内容 {len(outcome.removed)} 项：")
        lines += [
            f"  · {form.field(f).label}：{show_answer(form, f, old)}" for f, old in outcome.removed
        ]
    if outcome.kept:
        lines.append(
            f"报告中另有 {len(outcome.kept)} 项文件中没有，已保留；"
            "如需删除，请加 --replace 重新导入："
        )
        lines += [
            f"  · {form.field(f).label}：{show_answer(form, f, old)}" for f, old in outcome.kept
        ]
    if outcome.replaced or outcome.removed:
        lines.append("原有内容均记入修改记录，可据此恢复。")
    return lines


def _export_name(report: Report, org: Organisation) -> str:
    safe = "".join("_" if ch in '/\\:*?"<>|' else ch for ch in org.name)
    return f"{report.year}-{org.id}-{safe}.yaml"


@report_app.command("export")
def report_export(
    org: Annotated[str | None, typer.Option("--org", help="单位编号或名称")] = None,
    year: Annotated[int | None, typer.Option("--year", help="报告年度")] = None,
    all_reports: Annotated[bool, typer.Option("--all", help="导出全部报告到目录")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="输出文件（--all 时为目录）")
    ] = None,
) -> None:
    """导出答案文件（YAML）：单份报告，或用 --all 导出全部。"""
    if all_reports:
        if output is None or org or year:
            raise _fail("导出全部报告时请只指定输出目录：--all -o 目录", 2)
        _export_all(output)
        return
    if org is None or year is None:
        raise _fail("请指定 --org 与 --year，或使用 --all -o 目录", 2)
    with _session() as session:
        target = find_org(session, name_or_id=org)
        report = session.exec(
            select(Report).where(Report.org_id == target.id, Report.year == year)
        ).first()
        if report is None:
            raise NotFound(f"{target.name}尚无{year}年度报告")
        text = dump_answers(export_answers(session, report_id=report.id))
        audit.record(
            session,
            actor=cli_actor(),
            action="report.export",
            detail={"report_id": report.id, "file": str(output) if output else None},
        )
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"已导出：{output}")


def _export_all(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with _session() as session:
        orgs = {o.id: o for o in list_orgs(session)}
        reports = session.exec(select(Report).order_by(Report.year, Report.org_id)).all()
        for report in reports:
            path = directory / _export_name(report, orgs[report.org_id])
            path.write_text(
                dump_answers(export_answers(session, report_id=report.id)), encoding="utf-8"
            )
        audit.record(
            session,
            actor=cli_actor(),
            action="report.export_all",
            detail={"directory": str(directory), "reports": len(reports)},
        )
    typer.echo(f"已导出 {len(reports)} 份报告到：{directory}")


@report_app.command("summary")
def report_summary(
    org: Annotated[str, typer.Option("--org", help="本级政府（汇总单位）的编号或名称")],
    year: Annotated[int, typer.Option("--year", help="报告年度")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出的 Word 文件")] = None,
) -> None:
    """汇总所辖单位已审核通过的报告，生成本级政府年度报告的表格（文字部分留待撰写）。

    表格逐格相加、合计重新计算，并按同样的规则校验；汇总表格有错误时仍生成文档（标注草稿），
    退出码为 1。
    """
    with _session() as session:
        target = find_org(session, name_or_id=org)
        try:
            rollup = build_rollup(session, org_id=target.id, year=year)
        except RollupError as exc:
            raise _fail(str(exc)) from exc
        path = output or get_settings().output_dir / rollup.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rollup.render())
        audit.record(
            session,
            actor=cli_actor(),
            action="report.summary",
            detail={
                "org_id": target.id,
                "year": year,
                "reports": len(rollup.sources),
                "file": str(path),
            },
        )
    typer.echo(summary_text(rollup))
    typer.echo(f"已生成：{path}")
    if rollup.errors:
        raise typer.Exit(1)


@deadline_app.command("set")
def deadline_set(
    year: Annotated[int, typer.Option("--year", help="报告年度")],
    due: Annotated[str, typer.Option("--date", help="截止日期，YYYY-MM-DD")],
    org: Annotated[str | None, typer.Option("--org", help="单位编号或名称（含其下级）")] = None,
    org_type: Annotated[
        str | None, typer.Option("--org-type", help="单位类型：部门、乡镇、县级政府、市级政府")
    ] = None,
) -> None:
    """设置报送截止日期（不指定单位或类型时适用于全部单位）。"""
    try:
        due_date = parse_due(due)
    except StorageError as exc:
        raise _fail(str(exc), 2) from exc
    type_code = _code(org_type, ORG_TYPE_LABELS, "单位类型") if org_type else None
    with _session() as session:
        target = find_org(session, name_or_id=org) if org else None
        set_deadline(
            session,
            year=year,
            due=due_date,
            org_id=target.id if target else None,
            org_type=type_code,
            actor=cli_actor(),
        )
    if target is not None:
        scope = f"{target.name}及其下级单位"
    elif type_code is not None:
        scope = f"全部{ORG_TYPE_LABELS[type_code]}"
    else:
        scope = "全部单位"
    typer.echo(f"已设置：{scope}{year}年度报告的报送截止日期为 {due_date.isoformat()}")
