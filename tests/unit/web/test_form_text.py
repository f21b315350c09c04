"""A refusal as a form shows it: the problem as a sentence, then how to fix it."""

from __future__ import annotations

from vrhub.errors import UserError
from vrhub.web.form_text import sentence


def test_a_refusal_reads_as_two_sentences() -> None:
    assert sentence(UserError("the postcode is unknown", hint="check it")) == (
        "The postcode is unknown. Check it")
    assert sentence(UserError("no score")) == "No score"
