"""`nianbao web` and `nianbao member password-reset`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.config import get_settings
from bot.logging_setup import configure_logging
from bot.web.passwords import issue_temporary_password
from storage.cli import cli_actor, member_app
from storage.db import get_engine, make_engine, session_scope, upgrade_database
from storage.errors import StorageError

DEMO_DATABASE = Path("var") / "nianbao-web-demo.db"


def web_command(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="监听端口")] = 8080,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help=f"演示：使用单独的演示数据库 {DEMO_DATABASE}，并创建演示单位和账号"
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="反向代理的地址（逗号分隔，或 *）：信任其 X-Forwarded-For/-Proto 头，"
            "按浏览器的地址限制登录尝试；不设则忽略这些头",
        ),
    ] = None,
) -> None:
    """启动网页版（供机关工作人员在浏览器中填写、校验并生成年度报告）。SIGTERM/Ctrl-C 正常停止。"""
    from bot.web.server import run_web

    settings = get_settings()
    if demo:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{DEMO_DATABASE}"})
        upgrade_database(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            from bot.web.demo import prepare_demo

            access = prepare_demo(engine)
        finally:
            engine.dispose()
        typer.echo(
            f"演示单位：{access.agency}（已导入其{access.year - 1}年度报告，作为上年报告）\n"
            f"打开 http://{host}:{port}/login 登录：登录名 {access.login}，密码 {access.password}\n"
            f"登录后填写{access.year}年度报告：http://{host}:{port}/report?year={access.year}\n"
            f"试用登记新账号：http://{host}:{port}/join ，邀请码 {access.invite_code}"
        )
    configure_logging(settings.log_level, secrets=[settings.telegram_bot_token])
    run_web(settings, host=host, port=port, forwarded_allow_ips=forwarded_allow_ips)


@member_app.command("password-reset")
def password_reset(member_id: Annotated[int, typer.Argument(help="成员编号")]) -> None:
    """为成员设置临时密码（只显示这一次），并使其已登录的网页会话失效。"""
    with session_scope(get_engine()) as session:
        try:
            member, password = issue_temporary_password(
                session, actor=cli_actor(), member_id=member_id
            )
        except StorageError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
    typer.echo(
        f"已为 {member.name}（登录名 {member.login}）设置临时密码：{password}\n"
        "请转交本人，并提醒其登录后在“账号”页修改密码。"
    )
