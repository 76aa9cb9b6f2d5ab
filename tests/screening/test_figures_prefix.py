"""A round's residents are found by ranges of the area code whose bounds are digits: a bound
like '43042410:' sorts before the digits under ICU and glibc collations, and found nobody."""

from fangyi.screening.figures import _next_prefix


def test_the_upper_bound_of_a_code_prefix_is_counted_with_carries() -> None:
    assert _next_prefix("430424101") == "430424102"
    assert _next_prefix("4304241099") == "43042411"
    assert _next_prefix("4309") == "431"
    assert _next_prefix("999") is None
