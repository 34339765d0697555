"""deploy/nginx.conf's web site, run by a real nginx in front of two real `nianbao web`
processes: nginx accepts the file as shipped, passes the browser's requests and health checks
through TLS, and when one process dies the next requests go to the other.

Only what cannot run here is changed: the ports (free ones instead of 80, 443, 8080 and
8081), the certificate (a self-signed one made for the test) and the log paths (the test's
directory). The bot's site in the same file is checked by `nginx -t` as well.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.live import ROOT, free_port, nianbao_web

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="nginx is not installed (.ci/run installs it)"
)
HOST = "nianbao.example.org"


def _certificate(directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def _configuration(directory: Path, web_ports: tuple[int, int]) -> tuple[Path, int]:
    """The shipped file with this machine's ports, certificate and log paths, inside the
    main configuration nginx.conf would include it from; the file and nginx's HTTPS port."""
    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    certificate, key = _certificate(directory)
    https = free_port()
    replacements = [
        (r"listen \[::\]:\d+( ssl)?;\n", ""),  # IPv6 may be off on a test machine
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        (r"listen 80;", f"listen 127.0.0.1:{free_port()};"),
        (r"127\.0\.0\.1:8443;", f"127.0.0.1:{free_port()};"),
        (r"127\.0\.0\.1:8080 ", f"127.0.0.1:{web_ports[0]} "),
        (r"127\.0\.0\.1:8081 ", f"127.0.0.1:{web_ports[1]} "),
        (r"/etc/\S+/fullchain\.pem;", f"{certificate};"),
        (r"/etc/\S+/privkey\.pem;", f"{key};"),
        (r"/var/log/nginx/", f"{directory}/"),
        (r"root /var/www/html;", f"root {directory};"),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count, f"deploy/nginx.conf no longer has {pattern!r}"
    (directory / "site.conf").write_text(site, encoding="utf-8")
    main = directory / "nginx.conf"
    main.write_text(
        f"""daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    access_log off;
    include {directory}/site.conf;
}}
""",
        encoding="utf-8",
    )
    return main, https


@pytest.fixture
def two_web_processes(tmp_path: Path) -> Iterator[list[tuple[subprocess.Popen[str], str]]]:
    database = tmp_path / "web.db"
    options = ("--forwarded-allow-ips", "127.0.0.1")
    with nianbao_web(database, *options) as first, nianbao_web(database, *options) as second:
        yield [first, second]


def test_the_shipped_nginx_site_serves_both_web_processes_and_survives_one_dying(
    tmp_path: Path, two_web_processes: list[tuple[subprocess.Popen[str], str]]
) -> None:
    ports = tuple(int(base.rsplit(":", 1)[1]) for _, base in two_web_processes)
    configuration, https = _configuration(tmp_path, ports)  # type: ignore[arg-type]
    checked = subprocess.run(
        [NGINX, "-t", "-c", str(configuration), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr

    nginx = subprocess.Popen(
        [NGINX, "-c", str(configuration), "-p", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(
            base_url=f"https://127.0.0.1:{https}", headers={"host": HOST}, verify=False
        ) as browser:
            page = _when_listening(browser, "/login")
            assert page.status_code == 200 and "登录" in page.text
            assert page.headers["content-security-policy"].startswith("default-src 'self'")
            health = browser.get("/healthz")  # from this host: allowed
            assert health.json() == {"status": "ok", "db": "ok", "mode": "web"}

            dying, _ = two_web_processes[0]
            dying.kill()
            dying.wait()
            # nginx marks the dead process down and sends every request to the other.
            for _ in range(6):
                response = browser.get("/login")
                assert response.status_code == 200 and "登录" in response.text
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def _when_listening(browser: httpx.Client, path: str) -> httpx.Response:
    """nginx's first answer (it binds its port a moment after it starts)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return browser.get(path)
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
