"""An ICB analyst's boroughs and ED sites come from their ICBs' membership as it is when
the principal is handed out; without a source, London's ONS lookup and no sites."""

from __future__ import annotations

from vrhub.access.icb_scope import ICBMembership
from vrhub.access.principal import Principal
from vrhub.access.roles import Role

HACKNEY, NEWHAM, LAMBETH = "E09000012", "E09000025", "E09000022"
NORTH_EAST = {"E09000001", "E09000002", "E09000012", "E09000016", "E09000025", "E09000026",
              "E09000030", "E09000031"}  # City, Barking, Hackney, Havering, Newham,
#                                          Redbridge, Tower Hamlets, Waltham Forest


def analyst(*icbs: str) -> Principal:
    return Principal("icb@example.org", Role.ICB_ANALYST, icbs=frozenset(icbs))


def test_without_a_source_an_icb_holds_its_london_boroughs_and_no_sites() -> None:
    expanded = ICBMembership().expand(analyst("QMF"))
    assert expanded.boroughs == NORTH_EAST
    assert expanded.sites == frozenset()
    assert expanded.icbs == {"QMF"}


def test_two_icbs_hold_the_boroughs_of_both() -> None:
    expanded = ICBMembership().expand(analyst("QMF", "QKK"))
    assert HACKNEY in expanded.boroughs and LAMBETH in expanded.boroughs
    assert len(expanded.boroughs) == 8 + 6


def test_a_source_gives_sites_and_replaces_the_boroughs_of_the_icbs_it_names() -> None:
    calls: list[int] = []

    def source() -> dict[str, tuple[list[str], list[str]]]:
        calls.append(1)
        return {"QMF": ([HACKNEY, NEWHAM], ["RQXM1", "R1HKH"])}

    membership = ICBMembership()
    membership.use(source)
    expanded = membership.expand(analyst("QMF", "QKK"))
    assert expanded.sites == {"RQXM1", "R1HKH"}
    assert NEWHAM in expanded.boroughs and "E09000030" not in expanded.boroughs
    assert LAMBETH in expanded.boroughs  # QKK still from the lookup
    membership.expand(analyst("QMF"))
    assert len(calls) == 2  # read again every time: a reloaded site list counts at once


def test_an_unknown_icb_widens_nothing_and_a_principal_without_icbs_is_untouched() -> None:
    assert ICBMembership().expand(analyst("QXX")).boroughs == frozenset()
    borough = Principal("b@example.org", Role.BOROUGH_ANALYST, boroughs=frozenset({HACKNEY}))
    assert ICBMembership(lambda: {"QMF": ([NEWHAM], ["RQXM1"])}).expand(borough) is borough
