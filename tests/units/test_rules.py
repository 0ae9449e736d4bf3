"""The unified social credit code check of GB 32100-2015 (DESIGN §2)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from units.rules import CREDIT_CODE_ALPHABET, credit_code_check_character, credit_code_problem
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
