"""`nianbao remind`: one reminder sweep from the command line, or a dry run of it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlmodel import Session

from bot.config import Settings, get_settings
from bot.reminders.delivery import Plan
from bot.reminders.messages import CONTINUE_BUTTON
from bot.reminders.plan import plan_reminders
from bot.reminders.policy import ReminderPolicy
from bot.reminders.service import reminder_bot
from bot.reminders.sweep import Sweeper, SweepReport
from storage.db import get_engine, upgrade_database

KIND_LABELS = {"staff": "填报提醒", "digest": "督办汇总", "blocked": "屏蔽通知"}


def parse_now(text: str | None, policy: ReminderPolicy) -> datetime:
    """--now: an ISO date or datetime; without a zone it is local time (NIANBAO_TIMEZONE)."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"无法识别的时间「{text}」，请使用 ISO 格式，"
            "如 2025-01-24T09:00 或 2025-01-24T09:00+08:00"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=policy.timezone)
    return moment


def plan_payload(plan: Plan, policy: ReminderPolicy) -> dict[str, object]:
    return {
        "now": policy.local(plan.now).isoformat(),
        "timezone": policy.timezone.key,
        "year": plan.year,
        "quiet": plan.quiet,
        "count": len(plan.deliveries),
        "deliveries": [d.as_dict() for d in plan.deliveries],
    }


def print_plan(plan: Plan, policy: ReminderPolicy) -> None:
    local = policy.local(plan.now)
    header = f"{local:%Y-%m-%d %H:%M}（{policy.timezone.key}），{plan.year}年度报告"
    if plan.quiet:
        typer.echo(f"{header}：处于免打扰时段（{policy.quiet_label}），不发送提醒。")
        return
    typer.echo(f"{header}：将发送 {len(plan.deliveries)} 条消息（试运行，未发送、未记录）。")
    for delivery in plan.deliveries:
        retry = "，重试" if delivery.retry_attempts is not None else ""
        typer.echo("")
        typer.echo(
            f"[{KIND_LABELS.get(delivery.kind, delivery.kind)} {delivery.step}{retry}] "
            f"{delivery.member_name}（{delivery.org_name}，chat {delivery.chat_id}）"
            f" {delivery.key}"
        )
        for line in delivery.text.splitlines():
            typer.echo(f"    {line}")
        if delivery.button:
            typer.echo(f"    [{CONTINUE_BUTTON}]")


def report_payload(report: SweepReport) -> dict[str, object]:
    return {
        "now": report.now.isoformat(),
        "year": report.year,
        "quiet": report.quiet,
        "planned": report.planned,
        "sent": report.sent,
        "failed": report.failed,
        "blocked": report.blocked,
        "skipped": report.skipped,
        "notices": report.notices,
        "retry_after_waits": report.retry_after_waits,
        "errors": report.errors,
    }


async def _sweep_once(settings: Settings, policy: ReminderPolicy, now: datetime) -> SweepReport:
    bot = reminder_bot(settings)
    async with bot:
        return await Sweeper(get_engine(), bot, policy).sweep(now)


def remind_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只列出将发送的提醒及接收人，不发送、不记录")
    ] = False,
    now: Annotated[
        str | None,
        typer.Option("--now", help="按此时间计算（ISO 格式；不带时区时按 NIANBAO_TIMEZONE）"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """检查截止日期并发送到期的填报提醒和督办汇总（每条提醒只发送一次）。"""
    settings = get_settings()
    policy = ReminderPolicy.from_settings(settings)
    moment = parse_now(now, policy)
    if not dry_run and not settings.telegram_bot_token:
        typer.echo(
            "未设置 TELEGRAM_BOT_TOKEN，无法发送提醒。请写入环境变量或 .env 文件后重试；"
            "如只需查看将发送的内容，请使用 --dry-run。",
            err=True,
        )
        raise typer.Exit(2)
    upgrade_database(settings.database_url)
    if dry_run:
        with Session(get_engine()) as session:
            plan = plan_reminders(session, now=moment, policy=policy)
        if as_json:
            typer.echo(json.dumps(plan_payload(plan, policy), ensure_ascii=False, indent=2))
        else:
            print_plan(plan, policy)
        return
    report = asyncio.run(_sweep_once(settings, policy, moment))
    if as_json:
        typer.echo(json.dumps(report_payload(report), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)
