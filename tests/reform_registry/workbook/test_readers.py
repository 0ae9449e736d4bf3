"""Reading workbooks: the streaming reader agrees with openpyxl on workbooks written by hand
(real date cells, numbers, booleans, shared strings, gaps), and cells become contract text.
Its fast path gives exactly the rows of its expat reader, and leaves every sheet it does not
read plainly to it."""

import datetime as dt
import io
import re
import zipfile
from itertools import islice
from xml.parsers import expat

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

from reform_registry.demo.workbook import DEMO_WORKBOOK
from reform_registry.workbook import xlsx_stream
from reform_registry.workbook.readers import read_xlsx, read_xlsx_openpyxl


def handmade_workbook() -> bytes:
    book = Workbook()
    units = book.active
    units.title = "units"
    units.append(
        [
            "key",
            "kind",
            "name",
            "jurisdiction",
            "internal_bodies",
            "business_functions",
            "established_on",
        ]
    )
    units.append(["a1", "institution", "甲中心", 150200, 3, True, dt.date(2019, 1, 1)])
    units.append([None] * 7)  # a blank row in between is skipped
    units.append(["a2", "institution", "乙中心", "150200", 0.0, False, dt.datetime(2019, 6, 30)])
    transfers = book.create_sheet("quota_transfers")
    transfers.append(["date", "decision", "event", "kind", "amount", "from", "to", "reason"])
    transfers.append(
        [
            dt.date(2020, 1, 1),
            "包编发〔2020〕1号",
            None,
            "institution",
            12,
            "external",
            "a1",
            "grant",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_streaming_reader_agrees_with_openpyxl():
    content = handmade_workbook()
    fast = read_xlsx(io.BytesIO(content))
    slow = read_xlsx_openpyxl(io.BytesIO(content))
    assert fast.problems == slow.problems == []
    assert list(fast.sheets) == list(slow.sheets) == ["units", "quota_transfers"]
    for name, sheet in fast.sheets.items():
        assert sheet.columns == slow.sheets[name].columns
        assert [(r.number, r.cells) for r in sheet.rows] == [
            (r.number, r.cells) for r in slow.sheets[name].rows
        ]
    rows = fast.sheets["units"].rows
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].cells == {
        "key": "a1",
        "kind": "institution",
        "name": "甲中心",
        "jurisdiction": "150200",
        "internal_bodies": "3",
        "business_functions": "true",
        "established_on": "2019-01-01",
    }
    assert rows[1].get("internal_bodies") == "0"
    assert rows[1].get("established_on") == "2019-06-30"
    assert fast.sheets["quota_transfers"].rows[0].get("date") == "2020-01-01"


def test_not_a_workbook():
    data = read_xlsx(io.BytesIO(b"plain text"))
    assert data.sheets == {}
    assert "xlsx" in data.problems[0]["message"]


@pytest.mark.parametrize(
    "rows",
    [
        '<row r="1"><c r="A1"><v>1</v></c>',  # a row never closed
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a\x01b</t></is></c></row>',
        '<row r="1"><c r="A1" t="s"><v>99</v></c></row>',  # no such shared string
    ],
)
def test_a_broken_sheet_is_reported_not_raised(rows):
    data = read_xlsx(io.BytesIO(one_sheet(rows)))
    assert data.sheets == {}
    assert len(data.problems) == 1
    assert "不是有效的 .xlsx 文件" in data.problems[0]["message"]


def _rezipped(content: bytes, part: str, old: str, new: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for name in source.namelist():
            data = source.read(name)
            if name == part:
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            book.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("part", "old", "new"),
    [
        ("xl/workbook.xml", 'name="units" ', ""),  # a sheet without its name
        ("xl/_rels/workbook.xml.rels", 'Target="worksheets/sheet1.xml"', ""),
        ("xl/styles.xml", 'numFmtId="164" ', ""),
    ],
)
@pytest.mark.filterwarnings("ignore:.*invalid dependency definitions:UserWarning")
def test_a_workbook_missing_a_required_attribute_is_reported_not_raised(part, old, new):
    content = _rezipped(one_sheet('<row r="1"><c r="A1"><v>1</v></c></row>'), part, old, new)
    data = read_xlsx(io.BytesIO(content))
    assert data.sheets == {}
    assert len(data.problems) == 1
    assert "不是有效的 .xlsx 文件" in data.problems[0]["message"]


def test_unknown_sheet_and_columns():
    book = Workbook()
    book.active.title = "unitz"
    sheet = book.create_sheet("events")
    sheet.append(["key", "decision", "type", "effective_on", "colour"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = read_xlsx(io.BytesIO(buffer.getvalue()))
    messages = [p["message"] for p in data.problems]
    assert any("unitz" in m for m in messages)
    assert any("colour" in m for m in messages)


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# Shared strings: plain, rich text runs, a phonetic run (not part of the text), a reference.
SHARED = [
    "<t>共享</t>",
    '<r><rPr><b/></rPr><t>rich</t></r><r><t xml:space="preserve"> text</t></r>',
    '<t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh>',
    "<t>a &amp; b</t>",
]
# What the fast path reads: gaps (A then D), shared strings, dates (styles 1 and 2), booleans,
# numbers, preserved spaces, references, self-closing cells, attributes in any order, cells and
# rows without r, formulas with cached values, whitespace and line breaks between tags.
PLAIN_ROWS = (
    '<row r="1" spans="1:5"><c r="A1" t="s"><v>0</v></c>'
    '<c r="D1" t="inlineStr"><is><t>gap to D</t></is></c></row>\r\n'
    '<row r="2"><c r="A2" s="1"><v>43466</v></c><c r="B2" s="2"><v>43466.5</v></c>'
    '<c r="C2" t="b"><v>1</v></c><c r="D2" t="b"><v>0</v></c><c r="E2"><v>12</v></c>'
    '<c r="F2"><v>2.5</v></c><c r="G2"><v>1E3</v></c></row>'
    '<row r="4"><c r="A4" t="inlineStr"><is><t xml:space="preserve">  padded  </t></is></c>'
    '<c r="B4" t="inlineStr"><is><t>a&amp;b&lt;c&gt;&quot;&apos;&#x4E2D;&#25991;</t></is></c>'
    '<c r="C4" s="1"/><c r="E4" t="s"><v>1</v></c><c r="F4" t="s"><v>2</v></c>'
    '<c r="G4" t="s"><v>3</v></c></row>'
    '<row r="5" ht="20" customHeight="1"><c s="0" t="inlineStr" r="B5"><is><t>r last</t></is></c>'
    '<c t="str"><f>B5&amp;"!"</f><v>r last!</v></c>'
    '<c r="E5"><f t="shared" ref="E5:E6" si="0">1+1</f><v>2</v></c></row>'
    '<row><c r="A6" t="inlineStr"><is><t>no row number</t></is></c>'
    '<c r="E6"><f t="shared" si="0"/><v>2</v></c></row>'
    '<row r="8"/>'
    '<row r="9">\n  <c r="B9" t="inlineStr"><is><t>cr&#13;lf\r\nend</t></is></c>\n</row>'
)
RICH_ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/></rPr><t>bold</t></r>'
    '<r><t xml:space="preserve"> tail </t></r></is></c>'
    '<c r="C1" t="inlineStr"><is><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh>'
    '<phoneticPr fontId="1"/></is></c></row>'
    '<row r="2"><!-- a note --><c r="B2"><v>7</v></c>'
    '<c r="C2" t="inlineStr"><is><t><![CDATA[<raw> & text]]></t></is></c></row>'
)


def sheet_part(rows: str, prefix: str = "", prolog: str = "", tail: str = "") -> bytes:
    """A worksheet part; ``prefix`` names its namespace (``x:row``) instead of a default."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
        f'<{p}worksheet {xmlns}="{MAIN}"><{p}dimension ref="A1:G9"/>'
        f"<{p}sheetData>{rows}</{p}sheetData>{tail}"
        f'<{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        f'footer="0.3"/></{p}worksheet>'
    ).encode()


def handmade_parts(sheets: dict[str, bytes]) -> bytes:
    """A workbook zipped from XML parts written here: shared strings, two date styles."""
    numbers = range(1, len(sheets) + 1)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{TYPES}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPES}.sharedStrings+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                f'ContentType="{TYPES}.worksheet+xml"/>'
                for n in numbers
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            + "".join(
                f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
                for n, name in zip(numbers, sheets, strict=True)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{REL}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in numbers
            )
            + f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rIdT" Type="{REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{MAIN}">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd hh:mm"/></numFmts>'
            '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="3">'
            '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
            '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">'
        + "".join(f"<si>{item}</si>" for item in SHARED)
        + "</sst>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        for n, part in zip(numbers, sheets.values(), strict=True):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", part)
    return buffer.getvalue()


def stream(content: bytes, reader, number: int = 1):
    """The rows of sheet ``number`` as one of the stream's readers gives them (an iterator)."""
    book = zipfile.ZipFile(io.BytesIO(content))
    shared = xlsx_stream._shared_strings(book, "xl/sharedStrings.xml")
    dates = xlsx_stream._date_styles(book, "xl/styles.xml")
    path = f"xl/worksheets/sheet{number}.xml"
    return reader(book, path, shared, dates, CALENDAR_WINDOWS_1900)


def one_sheet(rows: str, **options) -> bytes:
    return handmade_parts({"units": sheet_part(rows, **options)})


def trimmed(values) -> list[object]:
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return values


def openpyxl_rows(content: bytes) -> dict[str, dict[int, list[object]]]:
    """Each sheet's rows with a value, by number, as openpyxl's read-only mode reads them."""
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return {
            sheet.title: {
                number: trimmed(values)
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                if trimmed(values)
            }
            for sheet in book.worksheets
        }
    finally:
        book.close()


def stream_rows(content: bytes) -> dict[str, dict[int, list[object]]]:
    return {
        name: {number: trimmed(values) for number, values in rows if trimmed(values)}
        for name, rows in xlsx_stream.sheets(io.BytesIO(content))
    }


def test_fast_path_reads_a_plain_sheet_exactly_as_expat_and_openpyxl():
    content = handmade_parts({"plain": sheet_part(PLAIN_ROWS)})
    fast = list(stream(content, xlsx_stream._rows_fast))  # raises if it refused the sheet
    assert fast == list(stream(content, xlsx_stream._rows_expat))
    assert {n: trimmed(values) for n, values in fast if trimmed(values)} == (
        openpyxl_rows(content)["plain"]
    )
    assert fast == [
        (1, ["共享", None, None, "gap to D"]),
        (
            2,
            [
                dt.datetime(2019, 1, 1),
                dt.datetime(2019, 1, 1, 12),
                True,
                False,
                12,
                2.5,
                1000.0,
            ],
        ),
        (4, ["  padded  ", "a&b<c>\"'中文", None, None, "rich text", "漢字", "a & b"]),
        (5, [None, "r last", "r last!", None, 2]),
        (6, ["no row number", None, None, None, 2]),
        (8, []),
        (9, [None, "cr\rlf\nend"]),
    ]


def test_sheets_the_fast_path_refuses_read_as_openpyxl_reads_them():
    prefixed = re.sub(r"<(/?)(row|c|v|is|t|f)\b", r"<\1x:\2", PLAIN_ROWS)
    content = handmade_parts(
        {
            "plain": sheet_part(PLAIN_ROWS),
            "prefixed": sheet_part(prefixed, prefix="x"),
            "rich": sheet_part(RICH_ROWS),
        }
    )
    for number in (2, 3):
        with pytest.raises(xlsx_stream._Fallback):
            list(stream(content, xlsx_stream._rows_fast, number))
    rows = stream_rows(content)
    assert rows == openpyxl_rows(content)
    assert rows["prefixed"] == rows["plain"]
    assert rows["rich"] == {1: ["bold tail ", None, "漢字"], 2: [None, 7, "<raw> & text"]}


@pytest.mark.parametrize(
    "part",
    [
        sheet_part('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', prefix="x"),
        sheet_part('<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row>'),
        sheet_part(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>漢</t>'
            '<rPh sb="0" eb="1"><t>かん</t></rPh></is></c></row>'
        ),
        sheet_part('<row r="1"><!-- note --><c r="A1"><v>1</v></c></row>'),
        sheet_part('<row r="1"><c r="A1" t="str"><v><![CDATA[1 < 2]]></v></c></row>'),
        sheet_part('<row r="1"><?note?><c r="A1"><v>1</v></c></row>'),
        sheet_part('<row r="1"><c r="A1" t="str"><f>""</f><v></v></c></row>'),
        sheet_part('<row r="1"><c r="A1">\n  <v>1</v>\n</c></row>'),
        sheet_part('<row r="1"><c r="A1" t="&#115;"><v>0</v></c></row>'),
        sheet_part(
            '<row r="1"><c r="A1"><v>1</v></c></row>', tail='<row r="3"><c><v>3</v></c></row>'
        ),
        sheet_part(
            '<row r="1"><c r="A1"><is><t>typed by the DTD</t></is></c></row>',
            prolog='<!DOCTYPE worksheet [<!ATTLIST c t CDATA "inlineStr">]>',
        ),
        sheet_part(
            '<row r="1"><c r="A1"><v>1</v></c></row>',
            prolog='<!-- <sheetData><row r="1"><c r="A1"><v>5</v></c></row></sheetData> -->',
        ),
        sheet_part('<row r="1"><c r="A1" t="inlineStr"><is><t>é</t></is></c></row>')
        .decode()
        .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
        .encode("latin-1"),
    ],
)
def test_what_the_fast_path_does_not_read_plainly_goes_to_expat(part):
    content = handmade_parts({"units": part})
    with pytest.raises(xlsx_stream._Fallback):
        list(stream(content, xlsx_stream._rows_fast))
    rows = list(stream(content, xlsx_stream._rows))
    assert rows == list(stream(content, xlsx_stream._rows_expat))
    # openpyxl reads an empty cached string (<v></v>) as no value, the stream as "".
    cells = {n: trimmed(None if v == "" else v for v in values) for n, values in rows}
    assert {n: values for n, values in cells.items() if values} == openpyxl_rows(content)["units"]


def test_a_sheet_refused_midway_goes_on_with_expat_from_the_next_row():
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>unit {n}</t></is></c><c r="C{n}"><v>{n}</v></c></row>'
    rows = "".join(row.format(n=n) for n in range(1, 3001))
    rows += '<row r="3001"><!-- note --><c r="A3001"><v>1</v></c></row>'
    rows += "".join(row.format(n=n) for n in range(3002, 3101))
    content = one_sheet(rows)
    fast = stream(content, xlsx_stream._rows_fast)
    assert len(list(islice(fast, 1000))) == 1000  # rows given before the fast path stops
    with pytest.raises(xlsx_stream._Fallback):
        list(fast)
    given = list(stream(content, xlsx_stream._rows))
    assert given == list(stream(content, xlsx_stream._rows_expat))
    assert [n for n, _values in given] == list(range(1, 3101))
    assert given[2999] == (3000, ["unit 3000", None, 3000])
    assert given[3000] == (3001, [1])


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ('<row r="1"><c r="A1" r="B1"><v>1</v></c></row>', expat.ExpatError),
        ('<row r="1"><c r="A1" t="n" t="n"><v>1</v></c></row>', expat.ExpatError),
        ('<row r="1"><c r="A1"><f>A1&nbsp;</f><v>1</v></c></row>', expat.ExpatError),
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>&nbsp;</t></is></c></row>', expat.ExpatError),
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>&#0;</t></is></c></row>', expat.ExpatError),
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>a\x01b</t></is></c></row>', expat.ExpatError),
        ('<row r="1"><c r="A1" t="str"><v>a]]>b</v></c></row>', expat.ExpatError),
        ('<row r="1"><c r="A1"><v>1</v></c>', expat.ExpatError),
        ('<row r="1"><c r="A1" t="s"><v>99</v></c></row>', IndexError),
        ('<row r="1"><c r="A1"><v>one</v></c></row>', ValueError),
    ],
)
def test_a_sheet_expat_fails_on_fails_the_same_way(rows, error):
    content = one_sheet(rows)
    with pytest.raises(error) as alone:
        list(stream(content, xlsx_stream._rows_expat))
    with pytest.raises(error) as handed_over:
        list(stream(content, xlsx_stream._rows))
    assert str(handed_over.value) == str(alone.value)


@pytest.mark.parametrize("source", ["handmade", "demo"])
def test_fast_path_and_expat_give_the_same_rows(source):
    content = handmade_workbook() if source == "handmade" else DEMO_WORKBOOK.read_bytes()
    book = zipfile.ZipFile(io.BytesIO(content))
    sheets = sorted(name for name in book.namelist() if name.startswith("xl/worksheets/sheet"))
    assert sheets
    for number in range(1, len(sheets) + 1):
        fast = list(stream(content, xlsx_stream._rows_fast, number))
        assert fast == list(stream(content, xlsx_stream._rows_expat, number))
    assert stream_rows(content) == openpyxl_rows(content)
