"""The unified social credit code check of GB 32100-2015 and its fit to the kind of unit, and
the form document numbers are compared in (DESIGN §2)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from units.rules import (
    CREDIT_CODE_ALPHABET,
    clean_attributes,
    credit_code_check_character,
    credit_code_kind_problem,
    credit_code_problem,
    decision_number_key,
)
from units.validators import validate_credit_code

# Codes published by their holders (the check character is part of the published code).
REAL_CODES = [
    "91350100M000100Y43",
    "11100000000013127D",
    "12100000400000624D",
    "91110000600037341L",
    "91440300708461136T",
]


def by_hand(first17: str) -> str:
    """The check character computed as the standard states it, independently of the code."""
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def test_weights_are_powers_of_three_mod_31():
    assert [pow(3, i, 31) for i in range(17)] == [
        1,
        3,
        9,
        27,
        19,
        26,
        16,
        17,
        20,
        29,
        25,
        13,
        8,
        24,
        10,
        30,
        28,
    ]


@pytest.mark.parametrize("code", REAL_CODES)
def test_published_codes_pass(code):
    assert credit_code_check_character(code[:17]) == by_hand(code[:17])
    assert credit_code_problem(code) is None


def test_a_known_code_passes():
    assert credit_code_problem("91350100M000100Y43") is None
    validate_credit_code("91350100M000100Y43")


def test_wrong_check_character_says_which_is_expected():
    problem = credit_code_problem("91350100M000100Y44")
    assert "校验位" in problem and "应为 3" in problem and "实际为 4" in problem


def test_wrong_length_says_the_length():
    assert "实际为17位" in credit_code_problem("91350100M000100Y4")
    assert "实际为19位" in credit_code_problem("91350100M000100Y433")


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "a", "-"])
def test_characters_outside_the_alphabet_are_named(bad):
    code = "91350100M000100Y4" + bad
    problem = credit_code_problem(code)
    assert "不允许的字符" in problem and bad in problem


def test_empty_code_is_allowed_by_the_validator():
    validate_credit_code("")


def test_validator_raises_the_problem():
    with pytest.raises(ValidationError) as info:
        validate_credit_code("91350100M000100Y44")
    assert "校验位" in info.value.messages[0]


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17))
def test_every_body_has_exactly_one_valid_check_character(body):
    good = body + by_hand(body)
    assert credit_code_problem(good) is None
    for other in CREDIT_CODE_ALPHABET:
        if other != good[-1]:
            assert credit_code_problem(body + other) is not None


# -- the credit code fits the kind of unit -------------------------------------------------


def valid(first17: str) -> str:
    return first17 + by_hand(first17)


ENTERPRISE = "91350100M000100Y43"  # a published enterprise's code


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (valid("11150200MB0000001"), "department"),  # 机构编制 + 机关
        (valid("13150200MB0000002"), "department"),  # 机构编制 + 群众团体 (总工会, 妇联)
        (valid("12150200MB0000003"), "institution"),  # 机构编制 + 事业单位
        ("11100000000013127D", "department"),
        ("12100000400000624D", "institution"),
    ],
)
def test_codes_of_the_organization_offices_fit_their_kind(code, kind):
    assert credit_code_problem(code) is None
    assert credit_code_kind_problem(code, kind) is None


def test_an_enterprise_code_is_refused_for_an_institution_saying_why():
    assert credit_code_problem(ENTERPRISE) is None  # a valid code, of another authority
    problem = credit_code_kind_problem(ENTERPRISE, "institution")
    assert problem is not None
    assert "登记管理部门" in problem and "是 9" in problem and "企业" in problem
    assert "事业单位的代码应以 12 开头" in problem


def test_an_enterprise_code_is_refused_for_a_department():
    problem = credit_code_kind_problem(ENTERPRISE, "department")
    assert "机关的代码应以 11或13 开头" in problem


@pytest.mark.parametrize(
    ("code", "kind", "needles"),
    [
        (valid("12150200MB0000004"), "department", ["第2位", "是 2（事业单位）", "11或13"]),
        (valid("11150200MB0000005"), "institution", ["第2位", "是 1（机关）", "以 12 开头"]),
        (valid("13150200MB0000006"), "institution", ["是 3（群众团体）"]),
        (valid("19150200MB0000007"), "department", ["是 9（其他）"]),
        (valid("51150200MB0000008"), "institution", ["是 5（民政部门登记的社会组织）"]),
        (valid("Y1150200MB0000009"), "department", ["第1位", "是 Y，"]),
    ],
)
def test_the_first_two_characters_must_fit_the_kind(code, kind, needles):
    problem = credit_code_kind_problem(code, kind)
    assert problem is not None and code in problem
    for needle in needles:
        assert needle in problem


def test_no_kind_or_an_unknown_kind_checks_nothing():
    assert credit_code_kind_problem(ENTERPRISE, "enterprise") is None
    assert credit_code_kind_problem("", "institution") is None


def test_clean_attributes_checks_the_code_against_the_kind_when_given():
    raw = {"name": "n", "jurisdiction": "150200", "credit_code": ENTERPRISE}
    assert clean_attributes(raw, birth=True)[1] == []
    _values, problems = clean_attributes(raw, birth=True, kind="institution")
    assert [p["column"] for p in problems] == ["credit_code"]
    assert "12" in problems[0]["message"]
    # A code that is wrong in itself is told once, for what is wrong with it.
    _values, problems = clean_attributes(
        {"credit_code": "91350100M000100Y44"}, birth=False, kind="institution"
    )
    assert len(problems) == 1 and "校验位" in problems[0]["message"]


# -- document numbers are compared in one form ------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "包编发〔2020〕12号",
        "包编发[2020]12号",
        "包编发［2020］12号",
        "包编发【2020】12号",
        "包编发(2020)12号",
        "包编发（2020）12号",
        "包编发﹝2020﹞12号",
        "包编发〖2020〗12号",
        " 包编发 〔2020〕 12号 ",
        "包编发\u3000[2020]\u300012号",
        "包编发〔２０２０〕１２号",
        "包编发[2020〕12号",
    ],
)
def test_numbers_that_differ_in_brackets_widths_or_spaces_have_one_form(number):
    assert decision_number_key(number) == "包编发〔2020〕12号"


@pytest.mark.parametrize(
    "other", ["包编发〔2020〕13号", "包编发〔2021〕12号", "包政发〔2020〕12号", "包编发2020 12号"]
)
def test_different_numbers_keep_different_forms(other):
    assert decision_number_key(other) != decision_number_key("包编发〔2020〕12号")
