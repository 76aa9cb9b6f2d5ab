"""Identity documents and phone numbers: validation, what they tell, and masking.

Resident identity numbers follow GB 11643-1999: six digits of the area of
registration, eight of birth date, three of sequence (odd for men) and an
ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"
_RESIDENT = re.compile(r"^\d{17}[\dX]$")
_DOCUMENT = re.compile(r"^[PO]:[A-Z0-9\-]{4,30}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Province-level codes of GB/T 2260 (11 Beijing … 65 Xinjiang; 71, 81, 82).
_PROVINCES = frozenset(
    [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
        "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
        "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
    ]
)


def _today() -> date:
    # The deployment's local day: a baby born today in Shanghai is not from the future.
    from fangyi.timeutil import today

    return today()


class IdentityError(ValueError):
    """The reason a document or phone number was refused, in words for the user."""


@dataclass(frozen=True)
class Identity:
    id_number: str
    doc_kind: str  # resident | passport | other
    birth_date: date | None = None
    sex: str | None = None  # M | F


def check_character(first17: str) -> str:
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def parse_id_number(raw: str) -> Identity:
    """Normalise and check a document number; raise IdentityError with the reason."""
    text = raw.strip().upper().replace(" ", "")
    if not text:
        raise IdentityError("identity number is empty")
    if text[:2] in ("P:", "O:"):
        if not _DOCUMENT.match(text):
            raise IdentityError(f"document number {raw!r} is not of the form P:XXXX or O:XXXX")
        return Identity(text, "passport" if text[0] == "P" else "other")
    if len(text) != 18:
        raise IdentityError(f"identity number must have 18 characters, not {len(text)}")
    if not _RESIDENT.match(text):
        raise IdentityError("identity number must be 17 digits and a digit or X")
    if text[:2] not in _PROVINCES:
        raise IdentityError(f"identity number starts with {text[:2]}, which is no province code")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdentityError(f"identity number carries an impossible birth date {text[6:14]}") from None
    if born.year < 1890 or born > _today():
        raise IdentityError(f"identity number carries an impossible birth date {born.isoformat()}")
    expected = check_character(text[:17])
    if text[17] != expected:
        raise IdentityError(f"identity number checksum fails: last character should be {expected}")
    return Identity(text, "resident", born, "M" if int(text[16]) % 2 else "F")


def make_id_number(area: str, born: date, sequence: int, sex: str) -> str:
    """A valid resident number (for the demo county and tests)."""
    seq = sequence % 500 * 2 + (1 if sex == "M" else 0)
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


SEX_WORDS = {"M": "M", "F": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}


def parse_sex(raw: str) -> str:
    value = SEX_WORDS.get(raw.strip().upper())
    if value is None:
        raise IdentityError(f"sex {raw!r} is not M/F or 男/女")
    return value


def parse_phone(raw: str) -> str:
    text = re.sub(r"[\s\-]", "", raw)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not _MOBILE.match(text):
        raise IdentityError(f"phone {raw!r} is not a mainland mobile number (11 digits starting 13–19)")
    return text


def mask_id_number(value: str) -> str:
    if len(value) == 18 and value[:2] not in ("P:", "O:"):
        return value[:6] + "*" * 8 + value[-4:]
    if len(value) > 6:
        return value[:3] + "*" * (len(value) - 5) + value[-2:]
    return "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    return "*" * max(len(value) - 2, 0) + value[-2:]
