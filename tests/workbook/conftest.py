"""A small registry workbook written as csv text, and helpers to import it."""

import pytest

from reform_registry.workbook.importer import import_workbook
from reform_registry.workbook.readers import read_csv_texts

UNIT_COLUMNS = (
    "key,kind,name,short_name,credit_code,jurisdiction,parent,category,rank,funding,sector,"
    "business_functions,market_replaceable,pending_wind_down,functions,internal_bodies,"
    "established_on,established_by"
)
EVENT_COLUMNS = (
    "key,decision,type,effective_on,sources,targets,name,short_name,credit_code,jurisdiction,"
    "parent,category,rank,funding,sector,business_functions,market_replaceable,"
    "pending_wind_down,functions,internal_bodies"
)


def sheet(header: str, *lines: str) -> str:
    return "\n".join([header, *lines]) + "\n"


def base_sheets() -> dict[str, str]:
    return {
        "jurisdictions": sheet(
            "code,name,parent,level",
            "150271,稀土高新区,150200,zone",
            "150200,包头市,150000,city",
            "150000,内蒙古自治区,,province",
        ),
        "decisions": sheet(
            "number,title,issuer,issued_on,status",
            "包编发〔2020〕12号,市直事业单位改革方案,包头市委编委,2020-12-20,approved",
            "包编发〔2021〕1号,后续调整,包头市委编委,2021-01-10,draft",
        ),
        "caps": sheet(
            "jurisdiction,valid_from,cap,decision", "150200,2021-03-31,210,包编发〔2020〕12号"
        ),
        "units": sheet(
            UNIT_COLUMNS,
            "zjj,department,包头市住房和城乡建设局,住建局,,150200,,,bureau,full,住建,false,false,false,,8,2019-01-01,",
            "hz1,institution,包头市住房合作社一社,,,150200,zjj,business,section,self,,true,false,true,,0,2019-01-01,",
            "hz2,institution,包头市住房合作社二社,,,150200,zjj,business,section,self,,true,false,false,,0,2019-01-01,",
            "fc,institution,包头市房产服务中心,,,150200,zjj,public_welfare_1,division,full,,false,false,false,房产服务,3,2019-01-01,",
            "hz,institution,包头市住房合作服务中心,,,150200,zjj,public_welfare_2,section,partial,,false,false,false,,2,,ev-merge",
            "zs,institution,包头市投资促进中心,,,150200,zjj,public_welfare_1,division,full,,false,false,false,,4,,ev-new",
        ),
        "events": sheet(
            EVENT_COLUMNS,
            "ev-rename,包编发〔2020〕12号,change,2021-02-01,fc,,包头市房产事务服务中心,,,,,,,,,,,,,",
            "ev-merge,包编发〔2020〕12号,merge,2021-03-31,hz1;hz2,hz,,,,,,,,,,,,,,",
            "ev-new,包编发〔2020〕12号,establish,2021-03-31,,zs,,,,,,,,,,,,,,",
        ),
        "quota_transfers": sheet(
            "date,decision,event,kind,amount,from,to,reason",
            "2020-01-01,包编发〔2020〕12号,,institution,10,external,hz1,grant",
            "2020-01-01,包编发〔2020〕12号,,institution,6,external,hz2,grant",
            "2020-01-01,包编发〔2020〕12号,,institution,20,external,fc,grant",
            "2020-01-01,包编发〔2020〕12号,,leader_section,2,external,fc,grant",
            "2021-03-31,包编发〔2020〕12号,ev-merge,institution,10,hz1,hz,reform",
            "2021-03-31,包编发〔2020〕12号,ev-merge,institution,6,hz2,pool:150200,reform",
            "2021-03-31,包编发〔2020〕12号,,institution,5,external,zs,establish",
        ),
        "headcounts": sheet(
            "unit,kind,as_of,actual",
            "fc,institution,2020-06-30,18",
            "hz,institution,2021-06-30,9",
        ),
    }


class Workbook:
    """Helpers for tests: csv sheets and the columns of units and events."""

    UNIT_COLUMNS = UNIT_COLUMNS
    EVENT_COLUMNS = EVENT_COLUMNS
    sheet = staticmethod(sheet)
    base = staticmethod(base_sheets)


@pytest.fixture
def wb():
    return Workbook


@pytest.fixture
def run_import():
    def run(texts: dict[str, str], **kwargs):
        return import_workbook(read_csv_texts(texts), **kwargs)

    return run


def wipe_registry() -> None:
    """Empty every table the workbook fills, leaving an empty registry (an 'empty database')."""
    from django.apps import apps

    from units.models import (
        AuditEntry,
        Decision,
        Event,
        EventParticipant,
        InstitutionCap,
        Jurisdiction,
        Unit,
        UnitRegistration,
        UnitVersion,
    )

    for model in reversed(list(apps.get_app_config("staffing").get_models())):
        model.objects.all().delete()
    for model in (UnitVersion, EventParticipant, Event, UnitRegistration, InstitutionCap):
        model.objects.all().delete()
    Unit.objects.all().delete()
    Decision.objects.all().delete()
    Jurisdiction.objects.update(parent=None)
    Jurisdiction.objects.all().delete()
    AuditEntry.objects.all().delete()


@pytest.fixture
def wipe():
    return wipe_registry


def folder_files(path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


@pytest.fixture
def files_of():
    return folder_files
