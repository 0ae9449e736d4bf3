"""Pure rules of the registry (DESIGN §2): what an attribute value may be, what a unified social
credit code must satisfy, how keys are spelled and what shape each type of event has.

Nothing here reads or writes the database; services, selectors, forms and the workbook importer
call these rules so that each lives once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Iterable
from itertools import count
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Category, EventType, Funding, Rank, UnitKind, unknown_code_message

# ---------------------------------------------------------------------------------------------
# Formats of keys and codes (the validators of ``units.validators`` check fields with them)
# ---------------------------------------------------------------------------------------------

DIVISION_CODE_FORMAT = r"^[0-9]{6}$"
UNIT_KEY_FORMAT = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"

# ---------------------------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# ---------------------------------------------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3**i mod 31, the weight of position i


def credit_code_check_character(first17: str) -> str:
    """The check character of GB 32100-2015 for the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Return a sentence saying what is wrong with a unified social credit code, or None."""
    if len(code) != 18:
        return _("统一社会信用代码应为18位，实际为%(n)d位。") % {"n": len(code)}
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return _(
            "统一社会信用代码含有不允许的字符：%(chars)s（不得使用 I、O、Z、S、V 和小写字母）。"
        ) % {"chars": "".join(bad)}
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return _("统一社会信用代码校验位错误：最后一位应为 %(expected)s，实际为 %(actual)s。") % {
            "expected": expected,
            "actual": code[17],
        }
    return None


# The first two characters of a credit code that fit each kind of unit (DESIGN §2): registered
# by the organization offices (registration authority 1) as a government body (type 1) or a
# mass organisation (type 3, e.g. 总工会, 妇联) for a department, as a public institution (2).
CREDIT_CODE_PREFIXES: dict[str, tuple[str, ...]] = {
    UnitKind.DEPARTMENT: ("11", "13"),
    UnitKind.INSTITUTION: ("12",),
}
# What the first character says when it is not 1 (GB 32100-2015, annex A), for the message.
_OTHER_AUTHORITIES = {
    "5": gettext_lazy("民政部门登记的社会组织"),
    "9": gettext_lazy("市场监管（工商）部门登记的企业等"),
}
# What the second character says under the organization offices.
_OFFICE_TYPES = {
    "1": gettext_lazy("机关"),
    "2": gettext_lazy("事业单位"),
    "3": gettext_lazy("群众团体"),
    "9": gettext_lazy("其他"),
}


def credit_code_kind_problem(code: str, kind: str) -> str | None:
    """Return a sentence saying why a (valid) credit code does not fit a kind of unit, or None.

    The registration authority (first character) must be the organization offices, and the
    type (second character) that of the kind: ``CREDIT_CODE_PREFIXES``."""
    prefixes = CREDIT_CODE_PREFIXES.get(kind)
    if not prefixes or not code or code[:2] in prefixes:
        return None
    given = {
        "code": code,
        "kind": UnitKind(kind).label,
        "prefixes": _("或").join(prefixes),
    }
    if code[0] != "1":
        other = _OTHER_AUTHORITIES.get(code[0])
        return _(
            "统一社会信用代码 %(code)s 不是机构编制部门登记的代码：第1位（登记管理部门）是 "
            "%(digit)s%(whose)s，而%(kind)s的代码应以 %(prefixes)s 开头。"
        ) % {**given, "digit": code[0], "whose": f"（{other}）" if other else ""}
    label = _OFFICE_TYPES.get(code[1])
    return _(
        "统一社会信用代码 %(code)s 的第2位（机构类别）是 %(digit)s%(what)s，不符合%(kind)s："
        "%(kind)s的代码应以 %(prefixes)s 开头。"
    ) % {**given, "digit": code[1], "what": f"（{label}）" if label else ""}


# ---------------------------------------------------------------------------------------------
# Document numbers (文号)
# ---------------------------------------------------------------------------------------------

# The brackets a document number puts its year in, as NFKC leaves them (full-width [] and ()
# become half-width, small and vertical forms become 〔〕 and 【】): each is compared as 〔〕.
_NUMBER_BRACKETS = str.maketrans(
    {**dict.fromkeys("〔[【(〖〘", "〔"), **dict.fromkeys("〕]】)〗〙", "〕")}
)


def decision_number_key(number: str) -> str:
    """The one form in which document numbers are compared (a decision's number is unique):
    full- and half-width forms alike, the year's brackets (〔〕 [] 【】 () in any width) as 〔〕,
    no spaces. ``包编发[2020]12号`` and ``包编发（2020） 12号`` are both ``包编发〔2020〕12号``."""
    text = unicodedata.normalize("NFKC", number or "").translate(_NUMBER_BRACKETS)
    return "".join(text.split())


# ---------------------------------------------------------------------------------------------
# Attributes of a version (the JSON stored on events, participants and registrations)
# ---------------------------------------------------------------------------------------------

# Attributes of a version, in the order of the workbook's columns.
ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "name",
    "short_name",
    "credit_code",
    "jurisdiction",
    "parent",
    "category",
    "rank",
    "funding",
    "sector",
    "business_functions",
    "market_replaceable",
    "pending_wind_down",
    "functions",
    "internal_bodies",
)
# The same attributes as columns of UnitVersion (references by their foreign-key ids).
VERSION_COLUMNS: tuple[str, ...] = tuple(
    f"{name}_id" if name in ("jurisdiction", "parent") else name for name in ATTRIBUTE_FIELDS
)
TEXT_FIELDS = ("name", "short_name", "sector", "functions")
BOOLEAN_FIELDS = ("business_functions", "market_replaceable", "pending_wind_down")
CODE_FIELDS: dict[str, Any] = {"category": Category, "rank": Rank, "funding": Funding}
# The names of the code fields (the versions' verbose names, and the importer's messages).
CODE_FIELD_LABELS: dict[str, Any] = {
    "category": gettext_lazy("事业单位类别"),
    "rank": gettext_lazy("机构规格"),
    "funding": gettext_lazy("经费形式"),
}
# The codes as sets: ``TextChoices.values`` rebuilds its list (and labels) on every access.
CODE_VALUES: dict[str, frozenset[str]] = {k: frozenset(v.values) for k, v in CODE_FIELDS.items()}
REQUIRED_AT_BIRTH = ("name", "jurisdiction")
DEFAULTS: dict[str, Any] = {
    "name": "",
    "short_name": "",
    "credit_code": "",
    "jurisdiction": None,
    "parent": None,
    "category": "",
    "rank": "",
    "funding": "",
    "sector": "",
    "business_functions": False,
    "market_replaceable": False,
    "pending_wind_down": False,
    "functions": "",
    "internal_bodies": 0,
}
MAX_LENGTHS = {"name": 200, "short_name": 100, "sector": 100}


class _Refused(Exception):
    """An attribute value refused, with the sentence saying why."""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    if not isinstance(value, bool):
        raise _Refused(
            _("“%(name)s”应为 true 或 false，而不是“%(value)s”。") % {"name": name, "value": value}
        )
    return value


def _count(name: str, value: Any) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise _Refused(_("内设机构数应为非负整数，而不是“%(value)s”。") % {"value": value})
    return number


def _code(name: str, value: Any) -> str:
    text = _text(value)
    if text and text not in CODE_VALUES[name]:
        raise _Refused(unknown_code_message(CODE_FIELDS[name], CODE_FIELD_LABELS[name], name, text))
    return text


def _credit_code(name: str, value: Any) -> str:
    text = _text(value)
    problem = credit_code_problem(text) if text else None
    if problem:
        raise _Refused(problem)
    return text


def _jurisdiction(name: str, value: Any) -> str:
    text = _text(value)
    if not text:
        raise _Refused(_("行政区划不能为空。"))
    return text


def _parent(name: str, value: Any) -> str | None:
    return None if value in (None, "") else (str(value).strip() or None)


def _free_text(name: str, value: Any) -> str:
    text = str(value) if name == "functions" and value is not None else _text(value)
    limit = MAX_LENGTHS.get(name)
    if limit and len(text) > limit:
        raise _Refused(_("“%(name)s”最长 %(limit)d 个字符。") % {"name": name, "limit": limit})
    return text


# How each attribute is cleaned: one function per kind of value.
_CLEANERS: dict[str, Callable[[str, Any], Any]] = {
    **dict.fromkeys(BOOLEAN_FIELDS, _boolean),
    "internal_bodies": _count,
    **dict.fromkeys(CODE_FIELDS, _code),
    "credit_code": _credit_code,
    "jurisdiction": _jurisdiction,
    "parent": _parent,
    **dict.fromkeys(TEXT_FIELDS, _free_text),
}


def _missing(values: dict[str, Any], *, birth: bool) -> list[dict]:
    """Attributes a unit cannot be without: at birth those it must have, later a name."""
    if birth:
        return [
            {"column": name, "message": _("新机构必须填写“%(name)s”。") % {"name": name}}
            for name in REQUIRED_AT_BIRTH
            if not values.get(name)
        ]
    if "name" in values and not values["name"]:
        return [{"column": "name", "message": _("名称不能为空。")}]
    return []


def clean_attributes(
    raw: dict[str, Any], *, birth: bool, kind: str | None = None
) -> tuple[dict[str, Any], list[dict]]:
    """Normalize attribute values as stored in JSON; return (values, problems).

    References stay symbolic: ``jurisdiction`` is a division code, ``parent`` a unit key
    (``None`` removes the supervising unit). ``birth`` requires the attributes every unit must
    have when it starts. ``kind``, the kind of the unit the values are for, when known: a
    credit code must fit it (``credit_code_kind_problem``).
    """
    values: dict[str, Any] = {}
    problems: list[dict] = []
    for name, value in raw.items():
        cleaner = _CLEANERS.get(name)
        if cleaner is None:
            problems.append(
                {"column": name, "message": _("未知的属性“%(name)s”。") % {"name": name}}
            )
            continue
        try:
            values[name] = cleaner(name, value)
        except _Refused as refused:
            problems.append({"column": name, "message": str(refused)})
    if kind and (misfit := credit_code_kind_problem(values.get("credit_code") or "", kind)):
        problems.append({"column": "credit_code", "message": misfit})
    return values, problems + _missing(values, birth=birth)


# ---------------------------------------------------------------------------------------------
# The shape of an event (DESIGN §2 table)
# ---------------------------------------------------------------------------------------------

UNIT_KINDS = frozenset(UnitKind.values)

# (min sources, max sources, min targets, max targets, targets new?)
CARDINALITY: dict[str, tuple[int, int | None, int, int | None, bool | None]] = {
    EventType.ESTABLISH: (0, 0, 1, 1, True),
    EventType.ABOLISH: (1, None, 0, 0, None),
    EventType.TRANSFORM: (1, 1, 0, 0, None),
    EventType.MERGE: (2, None, 1, 1, True),
    EventType.ABSORB: (1, None, 1, 1, False),
    EventType.SPLIT: (1, 1, 2, None, True),
    EventType.CHANGE: (1, 1, 0, 0, None),
}
TYPES_WITH_ATTRIBUTES = {EventType.CHANGE, EventType.ABSORB}


def _keys(keys: list[str]) -> str:
    """The units of a cardinality message: "（a、b）", or nothing when there are none."""
    return "（" + "、".join(keys) + "）" if keys else ""


def _outside(n: int, least: int, most: int | None) -> str | None:
    """How many were expected ("1", "≥2", "1–3") when ``n`` lies outside [least, most]."""
    if least <= n and (most is None or n <= most):
        return None
    if least == most:
        return str(least)
    return f"≥{least}" if most is None else f"{least}–{most}"


def event_structure_problems(
    *,
    key: str,
    type_: str,
    sources: list[str],
    existing_targets: list[str],
    new_targets: list[str],
    attributes: dict,
) -> list[dict]:
    """Cardinality and shape of one event (DESIGN §2 table), each problem naming the event."""
    problems: list[dict] = []

    def bad(message: str, unit: str | None = None) -> None:
        prefix = _("事项 %(event)s：") % {"event": key}
        problems.append({"event": key, "unit": unit, "message": prefix + message})

    if type_ not in CARDINALITY:
        bad(_("未知的事项类型“%(type)s”。") % {"type": type_})
        return problems
    label = EventType(type_).label
    min_s, max_s, min_t, max_t, targets_new = CARDINALITY[type_]
    targets = existing_targets + new_targets
    for side, low, high, message in (
        (
            sources,
            min_s,
            max_s,
            _("%(label)s事项需要 %(expected)s 个来源机构，实际 %(n)d 个%(units)s。"),
        ),
        (
            targets,
            min_t,
            max_t,
            _("%(label)s事项需要 %(expected)s 个目标机构，实际 %(n)d 个%(units)s。"),
        ),
    ):
        expected = _outside(len(side), low, high)
        if expected:
            bad(
                message
                % {"label": label, "expected": expected, "n": len(side), "units": _keys(side)},
                ", ".join(side) or None,
            )
    if targets_new is True:
        for unit in existing_targets:
            bad(
                _("%(label)s事项的目标必须是新设机构，%(unit)s 已经存在。")
                % {"label": label, "unit": unit},
                unit,
            )
    if targets_new is False:
        for unit in new_targets:
            bad(_("并入事项的目标必须是已有机构，%(unit)s 是新设的。") % {"unit": unit}, unit)
    for unit in sorted(set(sources) & set(targets)):
        bad(_("机构 %(unit)s 不能并入或合并到自己。") % {"unit": unit}, unit)
    if len(set(sources)) != len(sources):
        bad(_("来源机构重复。"))
    if type_ in TYPES_WITH_ATTRIBUTES:
        if type_ == EventType.CHANGE and not attributes:
            bad(_("变更事项必须至少设定一个属性。"))
    elif attributes:
        bad(_("%(label)s事项不能设定属性（只有变更和并入可以）。") % {"label": label})
    return problems


# ---------------------------------------------------------------------------------------------
# What counts as an institution (DESIGN §4)
# ---------------------------------------------------------------------------------------------


def is_counted_institution(kind: str, category: str, pending_wind_down: bool) -> bool:
    """A version counts as an institution unless it is a department, or a business institution
    pending wind-down (待消化). ``units.selectors.counted_institutions`` is the same rule as a
    queryset."""
    return kind == UnitKind.INSTITUTION and not (
        category == Category.BUSINESS and pending_wind_down
    )


# ---------------------------------------------------------------------------------------------
# Keys given to an event or a new unit entered without one
# ---------------------------------------------------------------------------------------------

_DIGITS = "0123456789"
_STEM_LENGTH = 40


def decision_key_stem(number: str, decision_id: int | None) -> str:
    """What the keys generated for a decision's events start with: the groups of digits of its
    document number joined by hyphens (``包编发〔2020〕12号`` → ``2020-12``), or ``d`` and its
    id when the number holds no digit."""
    groups: list[str] = []
    current = ""
    for char in number or "":
        if char in _DIGITS:
            current += char
        elif current:
            groups.append(current)
            current = ""
    if current:
        groups.append(current)
    stem = "-".join(groups)[:_STEM_LENGTH].strip("-")
    return stem or f"d{decision_id}"


def _free(candidates: Iterable[str], taken: Container[str]) -> str:
    return next(key for key in candidates if key not in taken)


def generated_event_key(stem: str, type_: str, position: int, taken: Container[str]) -> str:
    """The key of the ``position``-th event (from 1) of a decision, entered without one:
    ``2020-12-merge-1``, else the next position whose key is not ``taken``."""
    return _free((f"{stem}-{type_ or 'event'}-{n}" for n in count(position)), taken)


def generated_unit_key(event_key: str, slot: int, taken: Container[str]) -> str:
    """The key of the unit an event creates in ``slot`` (from 1), entered without one:
    ``2020-12-merge-1-new1``, else ``…-new1-2``, ``…-new1-3`` … whichever is not ``taken``."""
    base = f"{event_key[: 100 - len(f'-new{slot}') - 4]}-new{slot}"
    return _free((base if n == 1 else f"{base}-{n}" for n in count(1)), taken)


# ---------------------------------------------------------------------------------------------
# Search (DESIGN §6): texts in one normal form, and their character n-grams
# ---------------------------------------------------------------------------------------------


def search_normal(text: str) -> str:
    """A text as search compares it: full-width forms folded (NFKC), Latin letters in lower
    case, runs of white space as one space."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def search_text(lines: Iterable[str]) -> str:
    """The searchable texts of a unit's tier in one field: each normalised text on a line of
    its own, the field opening and closing with a line break (so that a whole text is found as
    "\n" + text + "\n")."""
    kept = sorted({line for line in (search_normal(t) for t in lines) if line})
    return "\n" + "\n".join(kept) + "\n" if kept else "\n"


def search_grams(text: str) -> set[str]:
    """The n-grams that index a search text: every character (one-character fragments) and every
    pair of neighbouring characters inside a line, none holding white space."""
    grams: set[str] = set()
    for line in text.split("\n"):
        grams.update(c for c in line if not c.isspace())
        grams.update(
            a + b for a, b in zip(line, line[1:], strict=False) if not (a.isspace() or b.isspace())
        )
    return grams


def quoted_lexemes(grams: Iterable[str]) -> str:
    """N-grams as the quoted lexemes of a text-search vector (``'住建' '建局'``), in order."""
    return " ".join("'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in sorted(grams))


def lexemes_of(text: str) -> set[str]:
    """The n-grams of quoted lexemes, as ``quoted_lexemes`` writes them and PostgreSQL gives
    them back."""
    return {
        m.group(1).replace("''", "'").replace("\\\\", "\\")
        for m in re.finditer(r"'((?:[^'\\]|''|\\.)*)'", text)
    }


def query_grams(fragment: str) -> list[str]:
    """The n-grams every text holding a normalised fragment holds: each pair of neighbouring
    characters of it, or its characters when it has no such pair (one character, or characters
    between spaces); empty for white space alone."""
    characters = {c for c in fragment if not c.isspace()}
    pairs = search_grams(fragment) - characters
    return sorted(pairs or characters)
