"""Area codes: their shape by level, their parent, and jurisdiction prefixes.

County: the 6-digit GB/T 2260 code. Township: 12 digits, county + 3 digits + 000.
Village: 12 digits, its township's first 9 + 3 digits (not 000). Group: 15
digits, its village's 12 + 3 digits (not 000).
"""

from __future__ import annotations

from fangyi.identity import IdentityError

LEVEL_DEPTH = {"county": 0, "township": 1, "village": 2, "group": 3}


class AreaCodeError(IdentityError):
    pass


def level_of(code: str) -> str:
    if not code.isdigit():
        raise AreaCodeError(f"area code {code!r} must be digits only")
    if len(code) == 6:
        return "county"
    if len(code) == 12:
        if code[6:9] == "000":
            raise AreaCodeError(f"area code {code}: township digits (7–9) cannot be 000")
        return "township" if code[9:] == "000" else "village"
    if len(code) == 15:
        if code[6:9] == "000" or code[9:12] == "000" or code[12:] == "000":
            raise AreaCodeError(f"area code {code}: a group code is a village code plus 3 digits, not 000")
        return "group"
    raise AreaCodeError(f"area code {code!r} must have 6 (county), 12 (township, village) or 15 (group) digits")


def parent_of(code: str) -> str | None:
    level = level_of(code)
    if level == "county":
        return None
    if level == "township":
        return code[:6]
    if level == "village":
        return code[:9] + "000"
    return code[:12]


def prefix(code: str) -> str:
    """Every area at or below ``code`` has a code starting with this prefix."""
    return code[:9] if level_of(code) == "township" else code


def within(code: str, jurisdiction: str) -> bool:
    return code.startswith(prefix(jurisdiction))
