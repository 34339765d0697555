"""Other offices' texts of a year, indexed by their 8-character runs, so the copied-text check
compares a section in full only with the texts that could repeat more than half of it.

Exact, not a sample: a character of a section counts as repeated only inside a run found in
the other text. Runs that none of the other texts hold cannot count; of the rest, the runs
most texts share (the format's stock phrases) are set aside as long as together they cover
no more than the share that counts as copied (half). A text repeating more must then hold one
of the runs not set aside, so the texts holding those are the only candidates, and each candidate is
scored exactly as `repeated_share` scores it. Texts that are the same once normalised are
indexed once and scored once, however many offices wrote them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.core.narrative.similarity import MIN_CHARS, RUN, PeerText, covered_chars, normalise, runs


@dataclass
class _Text:
    """One normalised text and the offices (key → agency) that wrote it."""

    normal: str
    agencies: dict[Hashable, str] = field(default_factory=dict)


def _hashes(normal: str) -> set[int]:
    """The text's runs as hashes (a third of the memory of the runs themselves; two runs that
    share a hash only make a text a candidate, which the full comparison then clears)."""
    return {hash(normal[i : i + RUN]) for i in range(len(normal) - RUN + 1)}


class _SectionIndex:
    """One section's texts (as the checking form reads them) by run.

    A run held by one text maps to that text's number, a run held by several to the set of
    them: most runs of a year's reports are one office's own, and a set each would cost more
    than all the texts.
    """

    def __init__(self) -> None:
        self.texts: dict[int, _Text] = {}
        self.numbers: dict[str, int] = {}
        self.postings: dict[int, int | set[int]] = {}
        self.of_office: dict[Hashable, int] = {}
        self.next_number = 0

    def add(self, key: Hashable, agency: str, normal: str) -> None:
        self.remove(key)
        number = self.numbers.get(normal)
        if number is None:
            number = self.numbers[normal] = self.next_number
            self.next_number += 1
            self.texts[number] = _Text(normal)
            for run in _hashes(normal):
                holders = self.postings.get(run)
                if holders is None:
                    self.postings[run] = number
                elif isinstance(holders, set):
                    holders.add(number)
                else:
                    self.postings[run] = {holders, number}
        self.texts[number].agencies[key] = agency
        self.of_office[key] = number

    def remove(self, key: Hashable) -> None:
        number = self.of_office.pop(key, None)
        if number is None:
            return
        text = self.texts[number]
        del text.agencies[key]
        if text.agencies:
            return
        del self.texts[number]
        del self.numbers[text.normal]
        for run in _hashes(text.normal):
            holders = self.postings[run]
            if not isinstance(holders, set):
                del self.postings[run]
                continue
            holders.discard(number)
            if len(holders) == 1:
                self.postings[run] = next(iter(holders))

    def candidates(self, mine: str, above: float) -> set[int]:
        """The texts that could cover more than the share `above` of `mine` (normalised)."""
        held = []
        for start in range(len(mine) - RUN + 1):
            holders = self.postings.get(hash(mine[start : start + RUN]))
            if holders is not None:
                held.append((len(holders) if isinstance(holders, set) else 1, start, holders))
        held.sort(key=lambda entry: (-entry[0], entry[1]))
        covered = bytearray(len(mine))
        set_aside = 0
        found: set[int] = set()
        for _, start, holders in held:
            new = RUN - sum(covered[start : start + RUN])
            if (set_aside + new) / len(mine) <= above:
                covered[start : start + RUN] = b"\x01" * RUN
                set_aside += new
            elif isinstance(holders, set):
                found |= holders
            else:
                found.add(holders)
        return found


class PeerIndex:
    """Other offices' texts of a year (key → `PeerText`), updated in place as they change.

    Sections are indexed on first use, per form (the form decides which sentences recite the
    tables and so do not count) and per section. Thread-safe: the chat checks from several
    threads while the storage layer brings the index up to date.
    """

    def __init__(self, peers: Iterable[tuple[Hashable, PeerText]] = ()) -> None:
        self._peers: dict[Hashable, PeerText] = dict(peers)
        # (id of the form, field id) → (the form, what of a text counts, the section's index)
        self._sections: dict[tuple[int, str], tuple[object, Callable[[str], str], _SectionIndex]]
        self._sections = {}
        self._lock = threading.RLock()

    @classmethod
    def of(cls, peers: Iterable[PeerText]) -> PeerIndex:
        return cls(enumerate(peers))

    def peers(self, *, exclude: Hashable | None = None) -> list[PeerText]:
        """The texts indexed, but those of `exclude`, by key."""
        with self._lock:
            return [peer for key, peer in self._peers.items() if key != exclude]

    def put(self, key: Hashable, peer: PeerText) -> None:
        with self._lock:
            self._peers[key] = peer
            for (_, field_id), (_, prose, index) in self._sections.items():
                self._index_one(index, prose, field_id, key, peer)

    def drop(self, key: Hashable) -> None:
        with self._lock:
            self._peers.pop(key, None)
            for _, _, index in self._sections.values():
                index.remove(key)

    def copies(
        self,
        form: object,
        field_id: str,
        text: str,
        prose: Callable[[str], str],
        *,
        above: float,
        exclude: Hashable | None = None,
    ) -> list[tuple[float, str]]:
        """(share, agency) of every other office whose `field_id` repeats more than `above`
        of `text`; `prose` is what of a text counts (the same for this text and theirs)."""
        with self._lock:
            index = self._section(form, field_id, prose)
            if not index.texts:  # no other office has written this section yet
                return []
            mine = normalise(prose(text))
            if len(mine) < MIN_CHARS:
                return []
            found = []
            for number in index.candidates(mine, above):
                candidate = index.texts[number]
                share = covered_chars(mine, runs(candidate.normal)) / len(mine)
                if share > above:
                    agencies = candidate.agencies.items()
                    found.extend((share, agency) for key, agency in agencies if key != exclude)
            return found

    def _section(self, form: object, field_id: str, prose: Callable[[str], str]) -> _SectionIndex:
        entry = self._sections.get((id(form), field_id))
        if entry is not None and entry[0] is form:
            return entry[2]
        index = _SectionIndex()
        for key, peer in self._peers.items():
            self._index_one(index, prose, field_id, key, peer)
        self._sections[(id(form), field_id)] = (form, prose, index)
        return index

    @staticmethod
    def _index_one(
        index: _SectionIndex,
        prose: Callable[[str], str],
        field_id: str,
        key: Hashable,
        peer: PeerText,
    ) -> None:
        text = peer.texts.get(field_id)
        if isinstance(text, str):
            index.add(key, peer.agency, normalise(prose(text)))
        else:
            index.remove(key)


@dataclass(frozen=True)
class OtherOffices:
    """The year's indexed texts as one office's check sees them: without its own."""

    index: PeerIndex
    exclude: Hashable | None = None

    def copies(
        self, form: object, field_id: str, text: str, prose: Callable[[str], str], *, above: float
    ) -> list[tuple[float, str]]:
        return self.index.copies(form, field_id, text, prose, above=above, exclude=self.exclude)

    def peers(self) -> list[PeerText]:
        return self.index.peers(exclude=self.exclude)


# What a check is given: the texts themselves (indexed on use), or an index kept up to date.
Peers = Sequence[PeerText] | OtherOffices
