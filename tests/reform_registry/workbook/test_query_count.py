"""Importing a workbook takes the same number of queries whatever its number of rows: every
sheet is validated and written by set-based services, never row by row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reform_registry.workbook.importer import import_workbook
from reform_registry.workbook.readers import read_csv_texts

pytestmark = pytest.mark.django_db


def workbook(prefix: str, code: str, n: int):
    """A city with one department, ``n`` institutions with grants, ``n // 4`` renamings and
    ``n // 4`` merges of two institutions into a new one, under one approved decision."""
    number = f"{prefix}编发〔2020〕1号"
    units = ["key,kind,name,jurisdiction,parent,established_on,established_by"]
    units.append(f"{prefix}-dept,department,局{prefix},{code},,2019-01-01,")
    units += [
        f"{prefix}-i{k},institution,单位{prefix}{k},{code},{prefix}-dept,2019-01-01,"
        for k in range(n)
    ]
    events = ["key,decision,type,effective_on,sources,targets,name"]
    quarter = n // 4
    for k in range(quarter):
        events.append(f"{prefix}-c{k},{number},change,2020-03-01,{prefix}-i{k},,新名{k}")
        a, b = quarter + 2 * k, quarter + 2 * k + 1
        merged = f"{prefix}-m{k}"
        events.append(
            f"{prefix}-e{k},{number},merge,2020-06-01,{prefix}-i{a};{prefix}-i{b},{merged},"
        )
        units.append(f"{merged},institution,合并{k},{code},{prefix}-dept,,{prefix}-e{k}")
    transfers = ["date,decision,event,kind,amount,from,to,reason"]
    transfers += [
        f"2019-06-01,{number},,institution,{5 + k % 7},external,{prefix}-i{k},grant"
        for k in range(n)
    ]
    return read_csv_texts(
        {
            "jurisdictions": f"code,name,parent,level\n{code},城市{prefix},,city\n",
            "decisions": f"number,title,issuer,issued_on,status\n{number},改革,,2019-12-01,approved\n",
            "units": "\n".join(units) + "\n",
            "events": "\n".join(events) + "\n",
            "quota_transfers": "\n".join(transfers) + "\n",
        }
    )


def queries_to_import(data) -> int:
    with CaptureQueriesContext(connection) as queries:
        report = import_workbook(data, source="test")
    assert report.errors == []
    assert report.applied
    return len(queries.captured_queries)


def test_an_import_takes_as_many_queries_for_four_times_the_rows():
    queries_to_import(workbook("w", "150100", 4))  # both measured imports add to a registry
    small = workbook("a", "150200", 8)
    large = workbook("b", "150300", 32)
    assert len(large.sheets["units"].rows) > 3 * len(small.sheets["units"].rows)
    assert queries_to_import(small) == queries_to_import(large)
