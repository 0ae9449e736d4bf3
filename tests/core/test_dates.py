"""One date format everywhere: ``YYYY-MM-DD``, whatever the surface and the language.

The same texts are given to the parser, its form, filter and API fields, the API's list, detail
and reports, the pages in Chinese and in English, a command and the admin's forms: the one good
date is taken by all, every other text is refused by all, with the parser's message.
"""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation
from rest_framework import serializers

from core.dates import (
    InvalidDate,
    ISODateField,
    ISODateSerializerField,
    parse_iso_date,
)
from staffing.forms import HeadcountForm
from units import services
from units.filtersets import UnitFilterSet
from units.forms import DecisionForm
from units.models import UnitVersion

GOOD = "2020-01-15"
# Compact ISO, the Chinese and the English locale's own input formats, unpadded, empty.
BAD = ["20200101", "2020/01/15", "01/15/2020", "2020-1-5", ""]
ALSO_BAD = [
    "2020-02-30",
    "0000-01-01",
    "1899-12-31",
    "2200-01-01",
    "２０２０-01-15",
    "2020-01-15\n",
]
LANGUAGES = ["zh-hans", "en"]


@pytest.fixture(autouse=True)
def chinese():
    """Outside a request the office's language; a request chooses its own."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def registry(db):
    services.jurisdiction_create(code="150200", name="包头市", level="city")
    services.unit_register(
        key="K",
        kind="institution",
        established_on=dt.date(2010, 1, 1),
        attributes={"name": "市测试中心", "jurisdiction": "150200"},
    )


@pytest.fixture(params=LANGUAGES)
def language(request, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = request.param
    return request.param


@pytest.fixture
def user_client(client, admin_user, language):
    client.force_login(admin_user)
    return client


def message_of(text: str, language: str) -> str:
    with translation.override(language):
        return InvalidDate(text).message


# --- the parser and its fields ----------------------------------------------------------------


def test_the_parser_takes_exactly_yyyy_mm_dd():
    assert parse_iso_date(GOOD) == dt.date(2020, 1, 15)
    assert parse_iso_date("1900-01-01") == dt.date(1900, 1, 1)
    assert parse_iso_date("2199-12-31") == dt.date(2199, 12, 31)


@pytest.mark.parametrize("text", BAD + ALSO_BAD + [None, 20200115])
def test_the_parser_refuses_everything_else(text):
    with pytest.raises(InvalidDate) as refusal:
        parse_iso_date(text)
    assert "YYYY-MM-DD" in refusal.value.message or "1900" in refusal.value.message


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_message_is_in_the_active_language(language):
    message = message_of("2020/01/15", language)
    assert "“2020/01/15”" in message and "YYYY-MM-DD" in message
    assert ("有效日期" in message) == (language == "zh-hans")
    assert "未填写" in message_of("", "zh-hans") and "No date" in message_of("", "en")
    assert "1900" in message_of("1899-12-31", language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", BAD[:-1] + ALSO_BAD)
def test_the_form_field_refuses_what_the_locale_would_take(language, text):
    """Django's own date field takes 2020/01/15 in Chinese and 01/15/2020 in English."""
    with translation.override(language), pytest.raises(Exception) as refusal:
        ISODateField().clean(text)
    assert refusal.value.messages == [message_of(text, language)]
    with translation.override(language):
        assert ISODateField().clean(GOOD) == dt.date(2020, 1, 15)
        assert ISODateField(required=False).clean("") is None


@pytest.mark.parametrize("text", BAD)
def test_the_api_field_refuses_them(text):
    with pytest.raises(serializers.ValidationError) as refusal:
        ISODateSerializerField().run_validation(text)
    assert str(refusal.value.detail[0]) in (message_of(text, "zh-hans"), "该字段不能为空。")
    assert ISODateSerializerField().run_validation(GOOD) == dt.date(2020, 1, 15)


@pytest.mark.parametrize("text", BAD)
def test_the_filter_refuses_them(text):
    filterset = UnitFilterSet({"as_of": text}, UnitVersion.objects.all())
    assert not filterset.is_valid()
    assert filterset.errors["as_of"] == [message_of(text, "zh-hans")]
    assert UnitFilterSet({"as_of": GOOD}, UnitVersion.objects.all()).is_valid()


def test_dates_are_shown_and_typed_yyyy_mm_dd_in_every_language():
    """The admin's date inputs and its calendar write what the field reads."""
    from django.utils import formats

    for language in LANGUAGES:
        with translation.override(language):
            assert formats.get_format("DATE_INPUT_FORMATS") == ["%Y-%m-%d"]
            assert ISODateField().widget.format_value(dt.date(2020, 1, 15)) == GOOD


# --- every surface --------------------------------------------------------------------------


def api_problem(response, parameter):
    assert response.status_code == 400, response.content
    problems = response.json()["error"]["problems"]
    return [p["message"] for p in problems if p.get("parameter") == parameter]


@pytest.mark.parametrize("text", BAD)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/units/",
        "/api/v1/units/K/",
        "/api/v1/balances/",
        "/api/v1/reports/institutions/",
    ],
)
def test_the_api_refuses_them_alike(registry, user_client, language, path, text):
    assert user_client.get(path, {"as_of": GOOD}).status_code == 200
    response = user_client.get(path, {"as_of": text})
    assert api_problem(response, "as_of") == [message_of(text, language)]


@pytest.mark.parametrize("text", BAD)
def test_the_api_takes_them_as_the_body_of_a_write_alike(registry, client, admin_user, text):
    client.force_login(admin_user)
    body = {"unit": "K", "kind": "institution", "as_of": text, "actual": 1}
    response = client.post("/api/v1/headcounts/", body, content_type="application/json")
    assert api_problem(response, "as_of") in (
        [message_of(text, "zh-hans")],
        ["该字段不能为空。"],  # DRF's own word for an empty body field
    )


@pytest.mark.parametrize("text", BAD[:-1])
@pytest.mark.parametrize("path", ["/units/", "/units/K/", "/changes/?to=2021-01-01&from="])
def test_the_pages_refuse_them_alike(registry, user_client, language, path, text):
    """A bad date is named with the parser's message; the page shows today instead (400)."""
    sep = "&" if "?" in path else "?"
    name = "from" if "from=" in path else "as_of"
    good = path.replace("from=", f"from={GOOD}") if name == "from" else f"{path}{sep}as_of={GOOD}"
    assert user_client.get(good).status_code == 200
    url = path.replace("from=", f"from={text}") if name == "from" else f"{path}{sep}as_of={text}"
    response = user_client.get(url)
    assert response.status_code == 400
    assert message_of(text, language) in response.content.decode()


@pytest.mark.parametrize("path", ["/units/?as_of=", "/reports/reform/?before="])
def test_the_pages_refuse_an_empty_date_too(registry, user_client, language, path):
    response = user_client.get(path)
    assert response.status_code == 400
    assert message_of("", language) in response.content.decode()


@pytest.mark.parametrize("text", BAD)
def test_the_command_refuses_them_alike(registry, text):
    with pytest.raises(CommandError) as refusal:
        call_command(
            "recover_quotas",
            "--jurisdiction",
            "150200",
            "--on",
            text,
            "--decision",
            "包编发〔2020〕1号",
            stdout=io.StringIO(),
        )
    assert str(refusal.value) == "--on: " + message_of(text, "zh-hans")


@pytest.mark.parametrize("text", BAD)
def test_the_admin_forms_refuse_them_alike(registry, text):
    decision = DecisionForm(
        data={"number": "包编发〔2020〕1号", "title": "t", "issuer": "x", "issued_on": text}
    )
    headcount = HeadcountForm(
        data={"unit": "K", "kind": "institution", "as_of": text, "actual": "1"}
    )
    required = str(ISODateField().error_messages["required"])
    expected = [message_of(text, "zh-hans")] if text else [required]
    assert decision.errors["issued_on"] == expected
    assert headcount.errors["as_of"] == expected
