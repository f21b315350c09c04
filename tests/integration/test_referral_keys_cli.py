"""``vrhub referrals new-key`` (vrhub.cli.referrals): a fresh key each time, one the
referral sealer accepts."""

from __future__ import annotations

import pytest

from vrhub.cli import referrals
from vrhub.errors import ConfigError
from vrhub.pathways.sealing import Sealer


def test_each_new_key_is_fresh_and_seals_what_it_alone_opens(run) -> None:  # type: ignore[no-untyped-def]
    keys = []
    for _ in range(2):
        code, out, err = run("referrals", referrals.new_key.name)
        assert code == 0, err
        keys.append(out.strip())
    first, second = keys
    assert first != second
    sealed = Sealer([first]).seal("Sam Jones")
    assert Sealer([first]).open(sealed) == "Sam Jones"
    assert Sealer([second, first]).open(sealed) == "Sam Jones"  # an older key still opens
    with pytest.raises(ConfigError, match="cannot be opened with the referral keys"):
        Sealer([second]).open(sealed)
