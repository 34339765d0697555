"""Long lists a page at a time: which rows a page number asks for, and the links to the
others (plain links, so paging works without JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

PAGE_SIZE = 50


@dataclass(frozen=True)
class Pager:
    """Page `number` (from 1) of `total` rows, `size` to a page; `query` is the rest of the
    page's query string (a search, a filter), kept in every link."""

    number: int
    total: int
    path: str
    query: tuple[tuple[str, str], ...] = ()
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        return min(self.total, (self.number - 1) * self.size + 1)

    @property
    def last_row(self) -> int:
        return min(self.total, self.number * self.size)

    def url(self, number: int) -> str:
        params = [(k, v) for k, v in self.query if v] + (
            [("page", str(number))] if number > 1 else []
        )
        return f"{self.path}?{urlencode(params)}" if params else self.path

    @property
    def previous(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.pages else None


def offset_of(number: int, size: int = PAGE_SIZE) -> int:
    """The first row of page `number` (pages count from 1; anything lower is the first)."""
    return (max(number, 1) - 1) * size


def pager(
    number: int, total: int, path: str, *query: tuple[str, str], size: int = PAGE_SIZE
) -> Pager:
    """The pager for a page number a visitor asked for, kept within the pages there are."""
    last = max(1, -(-total // size))
    return Pager(min(max(number, 1), last), total, path, tuple(query), size)
