"""The demo's generated PDF files are well formed and carry the document's Chinese title."""

import re

from reform_registry.demo.pdf import document_pdf

TITLE = "包头市卫生健康委员会职能配置、内设机构和人员编制规定"
NUMBER = "包编发〔2021〕5号"


def _texts(pdf: bytes) -> list[str]:
    return [
        bytes.fromhex(h.decode()).decode("utf-16-be") for h in re.findall(rb"<([0-9A-F]+)> Tj", pdf)
    ]


def test_the_page_shows_number_title_and_lines_in_order():
    pdf = document_pdf(title=TITLE, number=NUMBER, lines=["（演示文件）"])
    assert pdf.startswith(b"%PDF-1.4\n")
    assert pdf.endswith(b"%%EOF\n")
    assert _texts(pdf) == [NUMBER, TITLE, "（演示文件）"]
    assert b"/BaseFont /STSong-Light" in pdf and b"/Encoding /UniGB-UTF16-H" in pdf


def test_the_cross_reference_table_points_at_every_object():
    pdf = document_pdf(title=TITLE)
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF", pdf).group(1))
    assert pdf[startxref:].startswith(b"xref\n0 8\n")
    entries = re.findall(rb"(\d{10}) 00000 n \n", pdf[startxref:])
    assert len(entries) == 7
    for number, offset in enumerate(entries, start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj\n" % number)
    assert b"/Size 8 /Root 1 0 R" in pdf


def test_the_stream_length_is_the_stream_length():
    pdf = document_pdf(title=TITLE, number=NUMBER)
    match = re.search(rb"<< /Length (\d+) >>\nstream\n", pdf)
    start = match.end()
    length = int(match.group(1))
    assert pdf[start + length :].startswith(b"\nendstream")
    assert pdf[start : start + 2] == b"BT"


def test_no_number_no_number_line():
    assert _texts(document_pdf(title="章程")) == ["章程"]
