"""Word to PDF with LibreOffice: a warm converter, a queue, a timeout, the official fonts.

LibreOffice converts one document at a time per user profile, and starting it costs about a
second and a half. So each worker owns a profile and, when unoserver can run (PyPI's
unoserver needs a Python with LibreOffice's `uno` module, e.g. Debian's python3-uno), keeps
one LibreOffice running behind it: a conversion is then a few hundred milliseconds. Without
unoserver a worker runs `soffice --headless --convert-to pdf` per document, with its own
profile. Requests wait in a queue for a free worker; a conversion that hangs is cut off.

Every worker's LibreOffice reads a fontconfig file that maps the official fonts (仿宋_GB2312,
方正小标宋简体, 黑体, 楷体_GB2312) to Noto CJK SC and adds the directory of fonts the agency
holds licences for (NIANBAO_FONTS_DIR), whose faces win over the stand-ins.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol
from xml.sax.saxutils import escape

from bot.config import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

FONTS_CONF = PROJECT_ROOT / "deploy" / "fonts" / "65-nianbao-official-fonts.conf"
MISSING_LIBREOFFICE = (
    "本机未安装 LibreOffice，无法生成 PDF 版本；Word 报告不受影响。"
    "如需 PDF，请由管理员安装 LibreOffice（libreoffice-writer）后重试，"
    "或用 WPS、Word 打开 Word 报告后另存为 PDF。"
)
PDF_FAILED = "PDF 版本生成失败（{reason}），Word 报告不受影响，请稍后重试。"
Mode = Literal["auto", "unoserver", "soffice", "off"]


class PdfError(Exception):
    """A PDF could not be made; `str(exc)` is the message for the user, in Chinese."""


class LibreOfficeMissing(PdfError):
    def __init__(self) -> None:
        super().__init__(MISSING_LIBREOFFICE)


class _Worker(Protocol):
    def start(self, timeout: float) -> None: ...

    def convert(self, docx: bytes, timeout: float) -> bytes: ...

    def stop(self) -> None: ...


def fontconfig_file(directory: Path, fonts_dir: Path | None) -> Path:
    """A fontconfig file for LibreOffice: the system's, the licensed fonts, our aliases."""
    licensed = f"<dir>{escape(str(fonts_dir.resolve()))}</dir>" if fonts_dir else ""
    path = directory / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  {licensed}\n"
        f"  <include>{escape(str(FONTS_CONF))}</include>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def _environment(directory: Path, fonts_dir: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(fontconfig_file(directory, fonts_dir))
    env.pop("PYTHONPATH", None)
    return env


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """End a process we started and the LibreOffice it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=3)
    # LibreOffice's launcher (oosplash) outlives SIGTERM: end whatever is left of the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class SofficeWorker:
    """A cold conversion per document: `soffice --headless` with this worker's own profile."""

    def __init__(self, soffice: str, directory: Path, fonts_dir: Path | None) -> None:
        self.soffice = soffice
        self.directory = directory
        self.env = _environment(directory, fonts_dir)

    def convert(self, docx: bytes, timeout: float) -> bytes:
        with tempfile.TemporaryDirectory(dir=self.directory) as work:
            source = Path(work) / "report.docx"
            source.write_bytes(docx)
            command = [
                self.soffice,
                f"-env:UserInstallation={(self.directory / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                work,
                str(source),
            ]
            process = subprocess.Popen(
                command,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                _stop_group(process)
                raise PdfError(PDF_FAILED.format(reason=f"超过 {timeout:g} 秒未完成")) from exc
            result = Path(work) / "report.pdf"
            if not result.exists():
                raise PdfError(PDF_FAILED.format(reason="LibreOffice 未能转换该文件"))
            return result.read_bytes()

    def start(self, timeout: float) -> None:
        """Nothing runs between conversions."""

    def stop(self) -> None:
        """Nothing runs between conversions."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _client_for(port: int):  # type: ignore[no-untyped-def]
    """unoserver's client for our server, without its retries: UnoClient tries a refused
    connection five times, ten seconds apart, and this server has been seen listening (or it
    has ended, and waiting does not bring it back)."""
    from unoserver.client import UnoClient

    class Client(UnoClient):  # type: ignore[misc]
        def _connect(self, proxy, retries=1, sleep=0):  # type: ignore[no-untyped-def]
            return super()._connect(proxy, retries=1, sleep=0)

    return Client(server="127.0.0.1", port=str(port))


class UnoserverWorker:
    """A warm LibreOffice behind unoserver, started on first use and after a failure."""

    STARTUP_SECONDS = 60.0
    # unoserver ends a conversion past --conversion-timeout itself; past this much more, the
    # server itself is taken to hang and is ended from here.
    GRACE_SECONDS = 2.0

    def __init__(
        self, soffice: str, uno_python: str, directory: Path, fonts_dir: Path | None
    ) -> None:
        self.soffice = soffice
        self.uno_python = uno_python
        self.directory = directory
        self.env = _environment(directory, fonts_dir)
        # The server runs on LibreOffice's Python; it needs only the unoserver package.
        import unoserver

        self.env["PYTHONPATH"] = str(Path(unoserver.__file__).resolve().parent.parent)
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def _start(self, timeout: float) -> None:
        self.port, uno_port = _free_port(), _free_port()
        command = [
            self.uno_python,
            "-m",
            "unoserver.server",
            "--interface",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--uno-port",
            str(uno_port),
            "--executable",
            self.soffice,
            "--user-installation",
            str(self.directory / "profile"),
            # A conversion that hangs ends LibreOffice and the server; the next request
            # starts a fresh one.
            "--conversion-timeout",
            str(max(1, round(timeout))),
        ]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PdfError(PDF_FAILED.format(reason="LibreOffice 未能启动"))
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.1)
        self.stop()
        raise PdfError(PDF_FAILED.format(reason="LibreOffice 启动超时"))

    def start(self, timeout: float) -> None:
        if self.process is None or self.process.poll() is not None:
            self._start(timeout)

    def convert(self, docx: bytes, timeout: float) -> bytes:
        self.start(timeout)
        assert self.process is not None
        client = _client_for(self.port)
        # The client waits without a limit: a server that never answers is ended, which
        # breaks the connection and so the wait.
        watchdog = threading.Timer(timeout + self.GRACE_SECONDS, _stop_group, (self.process,))
        watchdog.daemon = True
        watchdog.start()
        try:
            result = client.convert(indata=docx, convert_to="pdf")
        except Exception as exc:  # the server ended mid-conversion: timed out or crashed
            log.warning("unoserver conversion failed: %s", exc)
            self.stop()
            raise PdfError(
                PDF_FAILED.format(reason=f"超过 {timeout:g} 秒未完成或转换出错")
            ) from exc
        finally:
            watchdog.cancel()
        return bytes(result)

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)
            self.process = None


def find_soffice(configured: str | None = None) -> str | None:
    """The LibreOffice binary: the configured one only, else the usual names."""
    candidates = (
        [configured]
        if configured
        else ["soffice", "libreoffice", "/usr/lib/libreoffice/program/soffice"]
    )
    return next((found for c in candidates if (found := shutil.which(c))), None)


def find_uno_python(soffice: str, configured: str | None = None) -> str | None:
    """A Python that can import LibreOffice's `uno` module (needed by unoserver's server)."""
    try:
        import unoserver  # noqa: F401
    except ImportError:
        return None
    program = Path(os.path.realpath(soffice)).parent
    candidates = [configured] if configured else [sys.executable, "/usr/bin/python3"]
    candidates += [str(program / "python")] if not configured else []
    for candidate in candidates:
        if not candidate or not shutil.which(candidate):
            continue
        check = subprocess.run(
            [candidate, "-c", "import uno"], capture_output=True, timeout=30, check=False
        )
        if check.returncode == 0:
            return candidate
    return None


@dataclass
class PdfConverter:
    """A pool of workers taken in turn from a queue; `convert` waits for a free one."""

    workers: list[_Worker]
    timeout: float
    kind: str
    directory: Path | None = None  # the workers' profiles, removed on close

    def __post_init__(self) -> None:
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for worker in self.workers:
            self._idle.put(worker)

    def convert(self, docx: bytes) -> bytes:
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty as exc:
            raise PdfError(PDF_FAILED.format(reason="排队等待转换的文件过多")) from exc
        try:
            return worker.convert(docx, self.timeout)
        finally:
            self._idle.put(worker)

    def warm(self) -> None:
        """Start every worker's LibreOffice now, not on the first request."""
        for _ in self.workers:
            worker = self._idle.get()
            try:
                worker.start(self.timeout)
            finally:
                self._idle.put(worker)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def make_converter(
    *,
    mode: Mode = "auto",
    soffice: str | None = None,
    uno_python: str | None = None,
    workers: int = 1,
    timeout: float = 60.0,
    fonts_dir: Path | None = None,
    work_dir: Path | None = None,
) -> PdfConverter:
    """A converter as configured; LibreOfficeMissing when there is no LibreOffice to run."""
    if mode == "off":
        raise PdfError("PDF 生成已关闭（NIANBAO_PDF=off）。")
    binary = find_soffice(soffice)
    if binary is None:
        raise LibreOfficeMissing()
    python = None if mode == "soffice" else find_uno_python(binary, uno_python)
    if mode == "unoserver" and python is None:
        raise PdfError(
            "无法启动 unoserver：未找到可导入 LibreOffice uno 模块的 Python"
            "（Debian 请安装 python3-uno，或设置 NIANBAO_UNO_PYTHON）。"
        )
    root = Path(tempfile.mkdtemp(prefix="nianbao-pdf-", dir=work_dir))
    pool: list[_Worker] = []
    for index in range(workers):
        directory = root / f"worker-{index}"
        directory.mkdir()
        if python is not None:
            pool.append(UnoserverWorker(binary, python, directory, fonts_dir))
        else:
            pool.append(SofficeWorker(binary, directory, fonts_dir))
    return PdfConverter(pool, timeout, "unoserver" if python is not None else "soffice", root)


_shared: PdfConverter | None = None
_shared_lock = threading.Lock()


def shared_converter() -> PdfConverter:
    """The process's converter, from the settings; its LibreOffice ends with the process."""
    global _shared
    with _shared_lock:
        if _shared is None:
            settings = get_settings()
            _shared = make_converter(
                mode=settings.pdf_mode,
                soffice=settings.soffice_path,
                uno_python=settings.uno_python,
                workers=settings.pdf_workers,
                timeout=settings.pdf_timeout_seconds,
                fonts_dir=settings.fonts_dir,
            )
            atexit.register(_shared.close)
        return _shared


def docx_to_pdf(docx: bytes) -> bytes:
    """The PDF of a rendered report, by the shared converter; PdfError says why not."""
    return shared_converter().convert(docx)


def warm_in_background() -> None:
    """Start the shared converter's LibreOffice in a thread, so that the first /generate
    after a start does not wait for it; without LibreOffice nothing happens."""

    def warm() -> None:
        try:
            shared_converter().warm()
        except PdfError as exc:
            log.info("PDF converter not started: %s", exc)

    if get_settings().pdf_mode != "off":
        threading.Thread(target=warm, name="pdf-warm-up", daemon=True).start()
