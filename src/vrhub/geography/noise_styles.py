"""Styles of noisy location descriptions, for measuring the geocoder on strings it was not
tuned on.

A *style* is one family of edits that ED reception staff make when they type a location,
applied to a clean police.uk street name ("Alexandra Road"). Each style draws its own
variants at random, so a style is not one fixed rewrite but a family:

======================  =====================================================================
style                   what it does (examples from "Alexandra Road", Hornsey, Haringey)
======================  =====================================================================
``area``                ward or borough appended: "Alexandra Road, Hornsey", "Alexandra
                        Road haringey", "Alexandra Road - Hornsey, Haringey"
``case``                capitals and lower case: "alexandra road", "ALEXANDRA ROAD",
                        "alexandra Road"
``typo``                one or two typing slips in any word, street types included:
                        "Alexnadra Road", "Alexandra Raod", "Alezandra Roadd"
``street_type``         street type dropped or shortened: "Alexandra", "Alexandra Rd",
                        "Alexandra rd.", "Alexandra RD"
``number``              house numbers and flat prefixes: "12 Alexandra Road", "Flat 3, 45
                        Alexandra Road", "23a Alexandra Road"
``reorder``             the area first, or the parts of the description swapped: "Hornsey,
                        Alexandra Road", "Haringey - Alexandra Road"
``squash``              spaces and punctuation missing or added: "AlexandraRoad",
                        "Alexandra-Road", "Alexandra Road." and apostrophes dropped
``postcode_district``   the postcode district of the nearest ED appended or the borough's:
                        "Alexandra Road N8", "Alexandra Road, N8"
``junction``            "junction of Alexandra Road and Church Lane", "Alexandra Road /
                        Church Lane", "corner of Alexandra Road & Church Lane", with a
                        street recorded near the point
``landmark``            a landmark-ish prefix: "outside Tesco, Alexandra Road", "bus stop on
                        Alexandra Road", "park by Alexandra Road", "o/s no 12 Alexandra Road"
``compound``            two to four of street_type, typo, case and area on the same string:
                        "alexnadra rd, hornsey", "ALEXANDRA RAOD HARINGEY"
``mixed``               one to three of: typo, abbreviation, prefix, shop, area, dropped
                        type, station, case (:func:`vrhub.geography.labelled.add_noise`)
======================  =====================================================================

:func:`apply_style` makes a noisy copy of a clean labelled set in one style; the ``noise``
column names the variant applied to each row. Everything is seeded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from vrhub.errors import UserError
from vrhub.geography.labelled import SHOPS, SHORT_TYPES, add_noise
from vrhub.geography.text import STREET_TYPES

Row = dict[str, object]
Edit = Callable[[str, Row, np.random.Generator], tuple[str, str]]

_KEYBOARD = {
    "a": "qsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}

#: Postcode districts by borough name: the districts that cover most of each borough.
POSTCODE_DISTRICTS: dict[str, tuple[str, ...]] = {
    "City of London": ("EC1", "EC2", "EC3", "EC4"),
    "Barking and Dagenham": ("IG11", "RM8", "RM9", "RM10"),
    "Barnet": ("N2", "N3", "N12", "N20", "NW4", "NW7", "NW9", "NW11", "EN4", "EN5"),
    "Bexley": ("DA5", "DA6", "DA7", "DA8", "DA14", "DA15", "DA16"),
    "Brent": ("NW2", "NW6", "NW10", "HA0", "HA9"),
    "Bromley": ("BR1", "BR2", "BR3", "BR4", "BR5", "BR6", "BR7"),
    "Camden": ("NW1", "NW3", "NW5", "WC1", "N6", "N19"),
    "Croydon": ("CR0", "CR2", "CR5", "CR7", "CR8", "SE25"),
    "Ealing": ("W3", "W5", "W7", "W13", "UB1", "UB2", "UB6"),
    "Enfield": ("EN1", "EN2", "EN3", "N9", "N13", "N18", "N21"),
    "Greenwich": ("SE2", "SE3", "SE7", "SE9", "SE10", "SE18", "SE28"),
    "Hackney": ("E2", "E5", "E8", "E9", "N1", "N16"),
    "Hammersmith and Fulham": ("W6", "W12", "W14", "SW6"),
    "Haringey": ("N4", "N8", "N10", "N15", "N17", "N22"),
    "Harrow": ("HA1", "HA2", "HA3", "HA5", "HA7"),
    "Havering": ("RM1", "RM2", "RM3", "RM7", "RM11", "RM12", "RM13", "RM14"),
    "Hillingdon": ("UB3", "UB4", "UB7", "UB8", "UB10", "HA4", "HA6"),
    "Hounslow": ("TW3", "TW4", "TW5", "TW7", "TW8", "W4"),
    "Islington": ("N1", "N5", "N7", "N19", "EC1"),
    "Kensington and Chelsea": ("W8", "W10", "W11", "SW3", "SW5", "SW7", "SW10"),
    "Kingston upon Thames": ("KT1", "KT2", "KT3", "KT5", "KT6", "KT9"),
    "Lambeth": ("SE1", "SE11", "SE24", "SE27", "SW2", "SW4", "SW8", "SW9", "SW16"),
    "Lewisham": ("SE4", "SE6", "SE8", "SE12", "SE13", "SE14", "SE23", "SE26"),
    "Merton": ("SW19", "SW20", "CR4", "SM4"),
    "Newham": ("E6", "E7", "E12", "E13", "E15", "E16"),
    "Redbridge": ("IG1", "IG2", "IG3", "IG4", "IG5", "IG6", "IG8", "E18"),
    "Richmond upon Thames": ("TW1", "TW2", "TW9", "TW10", "TW11", "TW12", "SW13", "SW14"),
    "Southwark": ("SE1", "SE5", "SE15", "SE16", "SE17", "SE21", "SE22"),
    "Sutton": ("SM1", "SM2", "SM3", "SM5", "SM6"),
    "Tower Hamlets": ("E1", "E1W", "E2", "E3", "E14"),
    "Waltham Forest": ("E4", "E10", "E11", "E17"),
    "Wandsworth": ("SW11", "SW12", "SW15", "SW17", "SW18"),
    "Westminster": ("W1", "W2", "W9", "SW1", "NW8", "WC2"),
}

_FULL_TYPES = {"Rd": "Road", "St": "Street", "Ave": "Avenue", "Ln": "Lane"}
_LANDMARKS = (
    "outside {shop}, {s}", "bus stop on {s}", "bus stop outside {shop}, {s}",
    "park by {s}", "o/s no {n} {s}", "in the alley off {s}", "car park behind {s}",
    "opp {shop} on {s}", "near the flats on {s}", "the estate off {s}",
    "petrol station on {s}", "outside the school, {s}", "on the bridge, {s}",
)


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return str(options[int(rng.integers(0, len(options)))])


def _words(text: str) -> list[str]:
    return text.split()


def _area(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    ward, borough = str(row.get("ward_name") or ""), str(row.get("borough_name") or "")
    variant = int(rng.integers(0, 5))
    area = ward if variant in (0, 2) else borough
    if variant == 4 and ward and borough:
        return f"{text} - {ward}, {borough}", "ward+borough"
    if not area:
        return text, "none"
    if variant == 2 or rng.random() < 0.3:
        area = area.lower()
    sep = ", " if variant < 2 else " "
    return f"{text}{sep}{area}", ("ward" if variant in (0, 2) else "borough")


def _case(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    variant = int(rng.integers(0, 4))
    if variant == 0:
        return text.lower(), "lower"
    if variant == 1:
        return text.upper(), "upper"
    if variant == 2:
        words = _words(text)
        return " ".join(w.lower() if rng.random() < 0.5 else w.upper() for w in words), "mixed"
    words = _words(text)
    return " ".join(w.lower() if i == 0 else w for i, w in enumerate(words)), "first_lower"


def _typo_word(word: str, rng: np.random.Generator) -> str:
    if len(word) < 3:
        return word
    pos = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(0, 5))
    ch = word[pos].lower()
    if kind == 0:  # delete
        return word[:pos] + word[pos + 1:]
    if kind == 1:  # swap neighbours
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2:]
    if kind == 2:  # a neighbouring key
        near = _KEYBOARD.get(ch, "e")
        return word[:pos] + _pick(rng, list(near)) + word[pos + 1:]
    if kind == 3:  # a doubled letter
        return word[:pos] + word[pos] + word[pos:]
    near = _KEYBOARD.get(ch, "e")  # an extra neighbouring key
    return word[:pos] + _pick(rng, list(near)) + word[pos:]


def _typo(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    words = _words(text)
    usable = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    if not usable:
        return text, "none"
    slips = 1 if len(usable) == 1 or rng.random() < 0.7 else 2
    chosen = rng.choice(usable, size=min(slips, len(usable)), replace=False)
    kinds = []
    for i in chosen:
        kinds.append("type" if words[int(i)].lower() in STREET_TYPES else "name")
        words[int(i)] = _typo_word(words[int(i)], rng)
    return " ".join(words), "+".join(sorted(kinds))


def _street_type(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    words = _words(text)
    if len(words) < 2 or words[-1].lower() not in STREET_TYPES:
        return text, "none"
    if rng.random() < 0.4:
        return " ".join(words[:-1]), "dropped"
    short = SHORT_TYPES.get(words[-1])
    if not short:
        return " ".join(words[:-1]), "dropped"
    abbreviation = _pick(rng, short)
    if rng.random() < 0.3:
        abbreviation = abbreviation.lower() + ("." if rng.random() < 0.5 else "")
    return " ".join([*words[:-1], abbreviation]), "abbreviated"


def _number(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    n = int(rng.integers(1, 240))
    variant = int(rng.integers(0, 5))
    if variant == 0:
        return f"{n} {text}", "number"
    if variant == 1:
        return f"{n}{_pick(rng, ('a', 'b', 'c'))} {text}", "number_letter"
    if variant == 2:
        return f"Flat {int(rng.integers(1, 30))}, {n} {text}", "flat"
    if variant == 3:
        return f"flat {int(rng.integers(1, 30))} {n} {text}", "flat"
    return f"{int(rng.integers(1, 30))}/{n} {text}", "slash"


def _reorder(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    ward, borough = str(row.get("ward_name") or ""), str(row.get("borough_name") or "")
    which = "ward" if rng.random() < 0.5 else "borough"
    area = ward if which == "ward" else borough
    if not area:
        return text, "none"
    sep = _pick(rng, (", ", " - ", " "))
    return f"{area}{sep}{text}", f"{which}_first"


def _squash(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    words = _words(text)
    variant = int(rng.integers(0, 4))
    if variant == 0 and len(words) > 1:
        i = int(rng.integers(0, len(words) - 1))
        return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2:]]), "joined"
    if variant == 1 and len(words) > 1:
        return "-".join(words), "hyphens"
    if variant == 2:
        return text.replace("'", "").replace(".", "") + _pick(rng, (".", ",", " .", ";")), \
            "punctuation"
    return text.replace("'", "").replace(" ", "  "), "spaces"


def _postcode_district(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    districts = POSTCODE_DISTRICTS.get(str(row.get("borough_name") or ""))
    if not districts:
        return text, "none"
    district = _pick(rng, districts)
    lower = rng.random() < 0.3
    comma = rng.random() < 0.5
    return (f"{text}{', ' if comma else ' '}{district.lower() if lower else district}",
            f"{'comma' if comma else 'space'}{'_lower' if lower else ''}")


def _junction(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    other = row.get("nearby_street")
    if not isinstance(other, str) or not other or other == text:
        return text, "none"
    patterns = {"junction_of": "junction of {a} and {b}", "slash": "{a} / {b}",
                "corner_of": "corner of {a} & {b}", "jct_jw": "jct {a} j/w {b}",
                "junction_with": "{a} junction with {b}"}
    kind = _pick(rng, list(patterns))
    return patterns[kind].format(a=text, b=other), kind


def _landmark(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    pattern = _pick(rng, _LANDMARKS)
    return pattern.format(s=text, shop=_pick(rng, SHOPS), n=int(rng.integers(1, 200))), \
        pattern.split(" ")[0]


STYLES: dict[str, Edit] = {
    "area": _area, "case": _case, "typo": _typo, "street_type": _street_type,
    "number": _number, "reorder": _reorder, "squash": _squash,
    "postcode_district": _postcode_district, "junction": _junction, "landmark": _landmark,
}
"""Every style but ``mixed`` (which :func:`vrhub.geography.labelled.add_noise` makes)."""

COMPOUND = ("street_type", "typo", "case", "area")
"""The styles ``compound`` chains, in this order."""

ALL_STYLES = (*STYLES, "compound", "mixed")


def _compound(text: str, row: Row, rng: np.random.Generator) -> tuple[str, str]:
    chosen = [s for s in COMPOUND if rng.random() < 0.6]
    while len(chosen) < 2:
        extra = _pick(rng, [s for s in COMPOUND if s not in chosen])
        chosen = [s for s in COMPOUND if s in {*chosen, extra}]
    for style in chosen:
        text, _kind = STYLES[style](text, row, rng)
    return text, "+".join(chosen)


def nearby_streets(clean: pd.DataFrame, pool: pd.DataFrame, *, metres: float = 80.0
                   ) -> pd.Series:
    """For each clean row, another street name recorded within ``metres`` of its point in
    ``pool`` (columns description, easting, northing), or None: the second street of a
    junction. The nearest such name is taken."""
    from scipy.spatial import cKDTree

    streets = pool[pool["description"].str.split().str[-1].str.lower().isin(
        STREET_TYPES)].drop_duplicates(["description", "easting", "northing"])
    if not len(streets):
        return pd.Series([None] * len(clean), index=clean.index, dtype=object)
    tree = cKDTree(streets[["easting", "northing"]].to_numpy(float))
    names = streets["description"].to_numpy(object)
    k = min(12, len(streets))
    dist, idx = tree.query(clean[["easting", "northing"]].to_numpy(float), k=k)
    dist, idx = dist.reshape(len(clean), k), idx.reshape(len(clean), k)
    out = []
    for own, ds, ixs in zip(clean["description"], dist, idx, strict=True):
        found = None
        for d, i in zip(ds, ixs, strict=True):
            if d <= metres and names[i] != own:
                found = str(names[i])
                break
        out.append(found)
    return pd.Series(out, index=clean.index, dtype=object)


def apply_style(clean: pd.DataFrame, style: str, *, seed: int,
                stations: pd.DataFrame | None = None) -> pd.DataFrame:
    """A noisy copy of ``clean`` in one ``style`` (see the module docstring): columns of
    ``clean`` plus ``clean_description``, ``style`` and ``noise`` (the variant applied, or
    'none' where the style could not apply, e.g. no street type to drop). ``junction``
    needs a ``nearby_street`` column (:func:`nearby_streets`)."""
    if style == "mixed":
        out = add_noise(clean, seed=seed, stations=stations)
        out["style"] = style
        return out
    edit = _compound if style == "compound" else STYLES.get(style)
    if edit is None:
        raise UserError(f"unknown noise style {style!r}",
                        hint="choose one of: " + ", ".join(ALL_STYLES))
    rng = np.random.default_rng(seed)
    texts, kinds = [], []
    for record in clean.to_dict("records"):
        row: Row = {str(k): v for k, v in record.items()}
        text, kind = edit(str(row["description"]), row, rng)
        texts.append(text)
        kinds.append(kind)
    out = clean.copy()
    out["clean_description"] = clean["description"]
    out["description"] = texts
    out["style"] = style
    out["noise"] = kinds
    return out
