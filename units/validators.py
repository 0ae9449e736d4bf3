"""Django validators of the codes of DESIGN §2, checking model fields with ``units.rules``."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .rules import DIVISION_CODE_FORMAT, UNIT_KEY_FORMAT, credit_code_problem

division_code_validator = RegexValidator(
    DIVISION_CODE_FORMAT, _("行政区划代码必须是6位数字。"), code="division_code"
)
unit_key_validator = RegexValidator(
    UNIT_KEY_FORMAT,
    _("标识只能包含字母、数字、点、冒号、下划线和连字符，且以字母或数字开头。"),
    code="unit_key",
)


def validate_credit_code(value: str) -> None:
    if not value:
        return
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem, code="credit_code")
