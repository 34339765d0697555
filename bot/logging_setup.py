"""Logging for `nianbao run`: one line per event on stderr, no secrets, no answer contents.

What is logged at INFO: start/stop, one line per update (id and duration, from
`LoggingApplication`), refused webhook requests (WARNING, with the client address). What is
not: the bot token (httpx logs every request URL at INFO and Bot API URLs contain the token,
so httpx is raised to WARNING), message texts (PTB logs update contents only at DEBUG), the
webhook secret. As a last line of defence every formatted line has the token and the webhook
secret replaced, tracebacks included.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[REDACTED]"

# Loggers that are too chatty, or leak, at INFO.
QUIET_LOGGERS = {
    "httpx": logging.WARNING,  # request URLs contain the bot token
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,  # a line for every job run
    "tornado.access": logging.WARNING,  # our webhook server logs what matters itself
}


class RedactingFormatter(logging.Formatter):
    """Replaces each secret in the finished line (message, arguments and traceback)."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self.secrets: list[str] = []
        self.add_secrets(secrets)

    def add_secrets(self, secrets: Iterable[str | None]) -> None:
        for secret in secrets:
            if secret and len(secret) >= 8 and secret not in self.secrets:
                self.secrets.append(secret)
                # The part after "123456:" is the secret half of a bot token.
                _, _, tail = secret.partition(":")
                if len(tail) >= 8 and tail not in self.secrets:
                    self.secrets.append(tail)
        self.secrets.sort(key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


_formatter: RedactingFormatter | None = None


def configure_logging(level: str = "INFO", secrets: Iterable[str | None] = ()) -> None:
    """Root logger to stderr at `level` (a name such as INFO or DEBUG); idempotent."""
    global _formatter
    root = logging.getLogger()
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric if isinstance(numeric, int) else logging.INFO)
    if _formatter is None:
        _formatter = RedactingFormatter(LOG_FORMAT)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_formatter)
        root.addHandler(handler)
    _formatter.add_secrets(secrets)
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(quiet_level, root.level))


def add_secrets(*secrets: str | None) -> None:
    """Secrets known only later (a generated webhook secret) are redacted from then on."""
    if _formatter is not None:
        _formatter.add_secrets(secrets)
