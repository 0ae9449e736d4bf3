"""Small real PDF files for the demo's documents (三定规定, 章程, 权限清单).

One A4 page with the document's number and Chinese title, written by hand in PDF 1.4: the text
uses the standard CJK font ``STSong-Light`` (Adobe-GB1, encoding ``UniGB-UTF16-H``), which every
PDF reader supplies, so no font file is embedded and no library is needed. Text is written as
UTF-16BE hex strings, so any Chinese character of the Basic Multilingual Plane prints.
"""

from __future__ import annotations

from collections.abc import Sequence

PAGE_WIDTH = 595  # A4 in points
PAGE_HEIGHT = 842


def _hex_utf16(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _content(lines: Sequence[tuple[int, str]]) -> bytes:
    """The page's content stream: each line (font size, text) centred from the top down."""
    out = ["BT"]
    y = PAGE_HEIGHT - 120
    for size, text in lines:
        # Every character of these CJK fonts is one em wide (Latin ones about half).
        width = sum(size if ord(ch) > 0x2E7F else size / 2 for ch in text)
        x = max(40.0, (PAGE_WIDTH - width) / 2)
        out.append(f"/F1 {size} Tf 1 0 0 1 {x:.1f} {y} Tm {_hex_utf16(text)} Tj")
        y -= size * 2
    out.append("ET")
    return "\n".join(out).encode("ascii")


def document_pdf(*, title: str, number: str = "", lines: Sequence[str] = ()) -> bytes:
    """A one-page PDF showing ``number``, ``title`` and any further ``lines`` of text."""
    page_lines: list[tuple[int, str]] = []
    if number:
        page_lines.append((14, number))
    page_lines.append((22, title))
    page_lines.extend((12, line) for line in lines)
    content = _content(page_lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ).encode("ascii"),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        (
            b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light "
            b"/Encoding /UniGB-UTF16-H /DescendantFonts [6 0 R] >>"
        ),
        (
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
            b"/FontDescriptor 7 0 R /DW 1000 >>"
        ),
        (
            b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
            b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
            b"/CapHeight 880 /StemV 93 >>"
        ),
    ]
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number_, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number_ + obj + b"\nendobj\n"
    xref_at = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        body += b"%010d 00000 n \n" % offset
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(body)
