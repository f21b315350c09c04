"""Privacy as code: the identifier guard that every free-text value passes before storage.

ISTV and ECDS assault records carry no patient identifiers by design, but free text typed at
reception leaks them ("lives at 12 Acacia Ave E8 1AA", "Mr Smith's flat", an NHS number
pasted into the wrong box). :mod:`vrhub.privacy.identifiers` finds and redacts them.
"""
