"""Render speed: one warm render (template prepared once) against docxtpl's naive
load-render-save of the same template and data, and against the zip floor, in the same run;
then the PDF of a report: the warm converter (LibreOffice kept running behind unoserver)
against a cold `soffice --headless --convert-to pdf` per report.

    python bench/render.py [--rounds 200] [--pdf-rounds 5]   # --pdf-rounds 0: no PDF part

The zip floor is the least any render must do once the XML is known: deflate the new
word/document.xml and write it after the other parts' local records, copied as they are
(one prepared block), then the central directory. Targets: warm <= 0.25 x naive and
warm <= 3 x the zip floor (issue 24); warm PDF <= 0.5 x cold soffice.
"""

from __future__ import annotations

import argparse
import io
import statistics
import struct
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/<script>.py` puts bench/ first on the import path; the project root takes its
# place, so imports find the project's packages (and tests.fake_telegram), never a script here.
sys.path[0] = str(ROOT)

from docxtpl import DocxTemplate  # noqa: E402

from bot.core.answers import load_answers, parse_answers  # noqa: E402
from bot.core.pdf import LibreOfficeMissing, make_converter  # noqa: E402
from bot.core.render import ReportRenderer, render_report, report_context  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "huaian-szf-2024.yaml"
DOCUMENT = "word/document.xml"


def naive(template: Path, context: dict) -> bytes:
    document = DocxTemplate(template)
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_floor(template: Path, replaced: str) -> Callable[[bytes], bytes]:
    """A function writing the package with `replaced`'s new content: every other member's
    local record and central record copied from the template in one block each, the new
    member last (its local header, deflated data and central record are all that is built)."""
    raw = template.read_bytes()
    with zipfile.ZipFile(template) as archive:
        infos = archive.infolist()
        kept = [info for info in infos if info.filename != replaced]
        end = raw.rindex(b"PK\x05\x06")
        directory_start = struct.unpack_from("<L", raw, end + 16)[0]
    records, central, offset = [], [], 0
    starts = [*sorted(info.header_offset for info in infos), directory_start]
    for info in kept:
        start = info.header_offset
        stop = starts[starts.index(start) + 1]
        record = raw[start:stop]
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                info.flag_bits,
                info.compress_type,
                *_dos(info.date_time),
                info.CRC,
                info.compress_size,
                info.file_size,
                len(info.filename),
                0,
                0,
                0,
                0,
                info.external_attr,
                offset,
            )
            + info.filename.encode()
        )
        records.append(record)
        offset += len(record)
    kept_records, kept_central = b"".join(records), b"".join(central)
    name = replaced.encode()
    date_time = _dos(infos[0].date_time)

    def write(content: bytes) -> bytes:
        deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = deflater.compress(content) + deflater.flush()
        crc = zlib.crc32(content)
        sizes = (crc, len(data), len(content), len(name))
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, *date_time, *sizes, 0)
        entry = struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, *date_time, *sizes, 0, 0, 0, 0, 0, offset
        )
        directory = kept_central + entry + name
        body = len(kept_records) + len(local) + len(name) + len(data)
        count = len(kept) + 1
        tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), body, 0)
        return b"".join((kept_records, local, name, data, directory, tail))

    return write


def _dos(date_time: tuple[int, ...]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day


def timed(func: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--pdf-rounds", type=int, default=5)
    args = parser.parse_args()
    rounds = args.rounds
    answers = load_answers(SAMPLE)
    form = answers.form
    context = report_context(
        form, agency=answers.agency, year=answers.year, values=parse_answers(answers).values
    )
    renderer = ReportRenderer(form.template_path)
    document_xml = zipfile.ZipFile(io.BytesIO(renderer.render(context))).read(DOCUMENT)
    floor = zip_floor(form.template_path, DOCUMENT)
    assert zipfile.ZipFile(io.BytesIO(floor(document_xml))).read(DOCUMENT) == document_xml
    naive(form.template_path, context)

    # Interleaved, so that whatever else the machine does moves all three alike.
    warm_ms: list[float] = []
    floor_ms: list[float] = []
    naive_ms: list[float] = []
    for _ in range(rounds // 10):
        warm_ms += timed(lambda: renderer.render(context), 10)
        floor_ms += timed(lambda: floor(document_xml), 10)
        naive_ms += timed(lambda: naive(form.template_path, context), 1)
    print(f"sample: {SAMPLE.name}, {len(warm_ms)} rounds warm and floor, {len(naive_ms)} naive")
    print("| render | median ms | p90 ms |")
    print("|---|---|---|")
    for label, data in (
        ("docxtpl naive load-render-save", naive_ms),
        ("nianbao warm", warm_ms),
        ("zip floor (deflate document.xml, copy the rest)", floor_ms),
    ):
        p90 = statistics.quantiles(data, n=10)[-1]
        print(f"| {label} | {statistics.median(data):.2f} | {p90:.2f} |")
    warm = statistics.median(warm_ms)
    for label, base, target in (
        ("naive", statistics.median(naive_ms), 0.25),
        ("zip floor", statistics.median(floor_ms), 3.0),
    ):
        ratio = warm / base
        verdict = "met" if ratio <= target else "NOT met"
        print(f"warm / {label} = {ratio:.3f} (target <= {target:g}): {verdict}")
    if args.pdf_rounds:
        bench_pdf(args.pdf_rounds)


def bench_pdf(rounds: int) -> None:
    """Seconds from a rendered .docx to its PDF, per report, each way of running LibreOffice."""
    answers = load_answers(SAMPLE)
    docx = render_report(
        answers.form,
        agency=answers.agency,
        year=answers.year,
        values=parse_answers(answers).values,
    )
    rows = []
    for mode, label in (("unoserver", "warm (unoserver)"), ("soffice", "cold soffice")):
        try:
            converter = make_converter(mode=mode)  # type: ignore[arg-type]
        except LibreOfficeMissing:
            print("\nPDF: LibreOffice is not installed, skipped")
            return
        try:
            first = timed(lambda c=converter: c.convert(docx), 1)[0] / 1000
            seconds = [ms / 1000 for ms in timed(lambda c=converter: c.convert(docx), rounds)]
        finally:
            converter.close()
        rows.append((label, first, seconds))
    print(f"\nPDF of {SAMPLE.name}: first conversion (fresh profile, start-up), then {rounds} more")
    print("| converter | first s | median s | p90 s |")
    print("|---|---|---|---|")
    for label, first, seconds in rows:
        p90 = statistics.quantiles(seconds, n=10)[-1] if len(seconds) > 1 else seconds[0]
        print(f"| {label} | {first:.2f} | {statistics.median(seconds):.2f} | {p90:.2f} |")
    ratio = statistics.median(rows[0][2]) / statistics.median(rows[1][2])
    print(f"\nwarm / cold = {ratio:.2f} (target <= 0.5): {'met' if ratio <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
