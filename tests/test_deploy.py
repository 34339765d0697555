"""Deployment files stay consistent with the code: .env.example, Dockerfile, compose, systemd.

No Docker engine is needed: the compose file is checked structurally with PyYAML (and with
`docker compose config` where the compose plugin exists).
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    assert isinstance(alias, str), field
    return alias


def env_example() -> dict[str, str]:
    """NAME → value of every `NAME=value` or `# NAME=value` line."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    found: dict[str, str] = {}
    for line in lines:
        match = re.fullmatch(r"#? ?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found.setdefault(match[1], match[2])
    return found


def test_env_example_lists_every_setting_with_its_default() -> None:
    listed = env_example()
    for field, info in Settings.model_fields.items():
        name = env_name(field)
        assert name in listed, f"{name} ({field}) missing from .env.example"
        default = info.default
        if field == "templates_dir":  # absolute path of the checkout: documented in words
            continue
        if default is None:
            expected = ""
        elif isinstance(default, bool):
            expected = str(default).lower()
        else:
            expected = str(default)
        assert listed[name] == expected, f"{name}: .env.example says {listed[name]!r}"


def test_env_example_is_loadable_as_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copied to .env unchanged, it gives the defaults (plus an empty token)."""
    shutil.copyfile(ROOT / ".env.example", tmp_path / ".env")
    monkeypatch.chdir(tmp_path)
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    settings = Settings()
    assert settings.model_dump() == {
        **Settings.model_construct().model_dump(),
        "telegram_bot_token": "",
    }


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_file_structure() -> None:
    spec = compose()
    assert set(spec["services"]) == {"bot", "db", "web", "web2"}
    db, bot = spec["services"]["db"], spec["services"]["bot"]

    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume, mount = db["volumes"][0].split(":")
    assert mount == "/var/lib/postgresql/data" and volume in spec["volumes"]  # named volume

    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).resolve() == (
        DEPLOY / "Dockerfile"
    )
    assert bot["command"] == ["run"]
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in bot["environment"]["DATABASE_URL"]
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert bot["env_file"] == "../.env"
    for entry in bot["volumes"]:
        assert entry.split(":")[0] in spec["volumes"]
    assert str(bot["environment"]["NIANBAO_HEALTH_PORT"]) == "8080"


def test_compose_runs_two_web_processes_on_the_bots_database() -> None:
    spec = compose()
    bot = spec["services"]["bot"]
    ports = []
    for name in ("web", "web2"):
        web = spec["services"][name]
        assert web["build"] == bot["build"] and web["image"] == bot["image"]
        assert web["environment"]["DATABASE_URL"] == bot["environment"]["DATABASE_URL"]
        assert web["depends_on"]["db"]["condition"] == "service_healthy"
        assert "bot" not in web["depends_on"]  # the web serves where Telegram is unreachable
        command = web["command"]
        assert command[0] == "web"
        option = dict(zip(command[1::2], command[2::2], strict=True))
        # Listening inside the container on the port the image's HEALTHCHECK asks.
        assert option["--host"] == "0.0.0.0"
        assert option["--port"] == str(web["environment"]["NIANBAO_HEALTH_PORT"])
        assert "--forwarded-allow-ips" in option
        (published,) = web["ports"]
        address, host_port, container_port = published.split(":")
        assert address == "127.0.0.1" and container_port == option["--port"]
        ports.append(host_port)
    # nginx's upstream is exactly these two.
    upstream = re.search(r"upstream nianbao_web \{(.*?)\}", nginx(), re.S)
    assert upstream
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", upstream.group(1)) == ports


def nginx() -> str:
    return (DEPLOY / "nginx.conf").read_text(encoding="utf-8")


def test_nginx_web_site_passes_the_address_and_scheme_the_processes_trust() -> None:
    site = nginx().split("server_name nianbao.example.org;")[-1]
    assert "proxy_pass http://nianbao_web;" in site
    # Overwritten, not appended: a browser cannot choose the address its attempts count on.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    # Room for the 20 MB upload the app accepts; POSTs are never retried on the other process.
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size and int(size.group(1)) > 20
    assert "non_idempotent" not in site
    # log_format is only valid at the file's top level (nginx's http context).
    for block in re.findall(r"server \{.*?\n\}", nginx(), re.S):
        assert "log_format" not in block


def test_systemd_web_unit() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "nianbao-web@.service", encoding="utf-8")
    service = unit["Service"]
    bot = configparser.ConfigParser(strict=False, interpolation=None)
    bot.optionxform = str  # type: ignore[assignment,method-assign]
    bot.read(DEPLOY / "nianbao.service", encoding="utf-8")
    command = service["ExecStart"].split()
    assert command[0] == bot["Service"]["ExecStart"].split()[0]  # the same installation
    assert command[1] == "web" and command[command.index("--port") + 1] == "%i"
    assert command[command.index("--host") + 1] == "127.0.0.1"
    for key in ("User", "WorkingDirectory", "KillSignal", "ReadWritePaths"):
        assert service[key] == bot["Service"][key], key
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_dockerfile() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    instructions = [
        line.split(maxsplit=1)
        for line in re.sub(r"\\\n", " ", text).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    keywords = [parts[0] for parts in instructions]
    assert instructions[0] == ["FROM", "python:3.11-slim"]
    users = [parts[1] for parts in instructions if parts[0] == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    healthcheck = next(parts[1] for parts in instructions if parts[0] == "HEALTHCHECK")
    assert "/app/deploy/healthcheck.py" in healthcheck
    assert "constraints.txt" in text and "WITH_LIBREOFFICE" in text
    for parts in instructions:
        if parts[0] == "COPY":
            source = parts[1].split()[0]
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not _docker_ignored(source), f"COPY {source} is excluded by .dockerignore"
    # Exec form, so SIGTERM from `docker stop` reaches nianbao itself (no shell in between).
    assert ["ENTRYPOINT", '["nianbao"]'] in instructions
    assert ["CMD", '["run"]'] in instructions


def _docker_ignored(path: str) -> bool:
    patterns = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    top = path.split("/")[0]
    return top in {p for p in patterns if not p.startswith(("#", "!"))}


def test_constraints_pin_the_project_dependencies() -> None:
    pins = {}
    for line in (DEPLOY / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = pyproject.split("dependencies = [", 1)[1].split("]\n", 1)[0]
    for requirement in re.findall(r'"([^"]+)"', block):
        name, version = re.split(r"(?:\[[^\]]*\])?==", requirement)
        assert pins.get(re.sub(r"[-_.]+", "-", name).lower()) == version, requirement


def test_systemd_unit() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "nianbao.service", encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].endswith("nianbao run")
    assert service["User"] != "root" and service["KillSignal"] == "SIGTERM"
    assert service["RestartPreventExitStatus"].split() == ["2", "3"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="docker compose not installed",
)
def test_docker_compose_config_validates(tmp_path: Path) -> None:
    # A copy beside its own .env (the real one sits in the checkout's root, ../.env).
    (tmp_path / "deploy").mkdir()
    shutil.copyfile(DEPLOY / "docker-compose.yml", tmp_path / "deploy" / "docker-compose.yml")
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=1:x\nPOSTGRES_PASSWORD=test\n", encoding="utf-8")
    command = "docker compose -f deploy/docker-compose.yml --env-file .env config --quiet"
    result = subprocess.run(command.split(), capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
