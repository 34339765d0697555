"""Files built to exhaust memory, time or the stack of whatever reads them.

Used by tests/test_hostile_files.py (the command line, under resource limits), the chat
upload tests and bench/hostile.py (how long a refusal takes and how much memory it needs).
"""

from __future__ import annotations

import io
import zipfile

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def billion_laughs_yaml(levels: int = 9, width: int = 9) -> str:
    """An answers file whose s1.text is `width ** levels` lists deep in aliases: a few hundred
    bytes standing for billions of items once anything walks it."""
    lines = ["kind: gov-disclosure-2021", "agency: 某某市某某局", "year: 2024"]
    lines.append("a0: &a0 [" + ", ".join(['"lol"'] * width) + "]")
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    lines += ["values:", f"  s1.text: *a{levels}", ""]
    return "\n".join(lines)


def deep_json(depth: int = 200_000) -> str:
    """An answers file in JSON whose value is nested `depth` lists deep."""
    head = '{"kind": "gov-disclosure-2021", "agency": "某某市某某局", "year": 2024, "values": '
    return head + '{"s1.text": ' + "[" * depth + "]" * depth + "}}"


def docx_with(document_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", document_xml)
    return out.getvalue()


def empty_paragraphs_docx(count: int = 3_000_000) -> bytes:
    """Some 30 KB of zip holding `count` empty paragraphs (19 MB of XML, under the size limit)."""
    body = b"<w:p/>" * count
    return docx_with(f"<w:document {W}><w:body>".encode() + body + b"</w:body></w:document>")


def deep_docx(depth: int = 100_000) -> bytes:
    """A paragraph inside `depth` nested content controls."""
    opening = b"<w:sdt><w:sdtContent>" * depth
    closing = b"</w:sdtContent></w:sdt>" * depth
    return docx_with(
        f"<w:document {W}><w:body>".encode()
        + opening
        + b"<w:p/>"
        + closing
        + b"</w:body></w:document>"
    )
