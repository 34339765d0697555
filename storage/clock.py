"""The current time, in one place, so tests can move it (invite expiry, rate limits)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timezone-aware UTC now; every timestamp stored by this package comes from here."""
    return datetime.now(UTC)
