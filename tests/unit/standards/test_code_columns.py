"""Column declarations take the pattern of their code's value type
(:mod:`vrhub.standards.codes`), so a code is checked one way at the edge and in a table."""

from __future__ import annotations

import pytest

from vrhub.errors import CodeError
from vrhub.standards.codes import GSSCode, LocalAuthorityCode, LSOACode, ODSCode, WardCode
from vrhub.standards.registry import all_tables

TYPE_OF_COLUMN = {"lsoa_code": LSOACode, "lsoa11_code": LSOACode, "lsoa21_code": LSOACode,
                  "ward_code": WardCode, "site_code": ODSCode, "provider_code": ODSCode,
                  "district_code": LocalAuthorityCode}


def test_code_columns_take_their_type_s_pattern() -> None:
    seen = 0
    for table in all_tables():
        for column in table.columns:
            code = TYPE_OF_COLUMN.get(column.name)
            if code is None or column.pattern is None:
                continue
            seen += 1
            assert column.pattern == code.expression, (table.name, column.name)
    assert seen >= 20  # the declarations are really found


@pytest.mark.parametrize(("code", "good", "bad"), [
    (LSOACode, "E01000001", "E05000001"), (WardCode, "E05009288", "E01000001"),
    (LocalAuthorityCode, "W06000015", "W07000001"), (ODSCode, "RJ122", "RJ"),
    (GSSCode, "S12000036", "X12000036")])
def test_a_code_type_checks_its_pattern(code: type[str], good: str, bad: str) -> None:
    assert code(good.lower()) == good  # written upper case
    with pytest.raises(CodeError, match=rf"{bad!r} is not an? "):
        code(bad)
