"""Validators for codes of DESIGN §2."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3**i mod 31, the weight of position i

division_code_validator = RegexValidator(
    r"^[0-9]{6}$", _("行政区划代码必须是6位数字。"), code="division_code"
)
unit_key_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$",
    _("标识只能包含字母、数字、点、冒号、下划线和连字符，且以字母或数字开头。"),
    code="unit_key",
)


def credit_code_check_character(first17: str) -> str:
    """The check character of GB 32100-2015 for the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Return a sentence saying what is wrong with a unified social credit code, or None."""
    if len(code) != 18:
        return str(_("统一社会信用代码应为18位，实际为%(n)d位。") % {"n": len(code)})
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return str(
            _("统一社会信用代码含有不允许的字符：%(chars)s（不得使用 I、O、Z、S、V 和小写字母）。")
            % {"chars": "".join(bad)}
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return str(
            _("统一社会信用代码校验位错误：最后一位应为 %(expected)s，实际为 %(actual)s。")
            % {"expected": expected, "actual": code[17]}
        )
    return None


def validate_credit_code(value: str) -> None:
    if not value:
        return
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem, code="credit_code")
