"""Django validators of the codes of DESIGN §2, checking model fields with ``units.rules``."""

from typing import Any

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


# The largest attachment a document may have, unless settings.DOCUMENT_MAX_BYTES says otherwise.
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def document_max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "DOCUMENT_MAX_BYTES", DOCUMENT_MAX_BYTES))


def validate_pdf(file: Any) -> None:
    """Refuse an attachment that is not a PDF (it must start with ``%PDF-``) or is larger than
    ``DOCUMENT_MAX_BYTES``."""
    limit = document_max_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("文件过大：%(size)s 字节，上限为 %(limit)s 字节。") % {"size": size, "limit": limit},
            code="document_too_large",
        )
    file.seek(0)
    head = file.read(len(PDF_MAGIC))
    file.seek(0)
    if isinstance(head, str):
        head = head.encode("latin-1", "replace")
    if head != PDF_MAGIC:
        raise ValidationError(
            _("文件“%(name)s”不是 PDF 文件（PDF 文件以 %%PDF- 开头）。")
            % {"name": getattr(file, "name", "") or ""},
            code="document_not_pdf",
        )
