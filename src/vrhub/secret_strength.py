"""How guessable a secret is, by measure: an estimate of its entropy in bits.

No list of bad words: the estimate looks only at the secret itself.

- **Description length**: the secret is read left to right as an LZ77-style parse; a
  stretch that repeats something earlier costs only its position and length, a character
  that continues an arithmetic run (``abcd``, ``1234``, ``9876``) costs one bit, and any
  other character costs log2 of the alphabet its character classes span (lower case 26,
  upper case 26, digits 10, punctuation 33, anything else 100).
- **Symbol frequencies**: when the characters carry under 2.5 bits each (the Shannon
  entropy of their frequencies, Miller-Madow corrected for short samples: fewer than about
  six symbols used evenly, or a few used over and over), the secret is worth no more than
  its length times that. Random keys never come near: 5,000 draws of 32 hex digits all
  carry more than 3.1 bits a character.

The smaller of the two is the estimate. A key from ``vrhub secret-key`` (64 url-safe
characters) measures over 300 bits, 32 random hex digits (128 bits) at least 130;
40 x ``x`` and 32 zeros measure 0, ``password123password123password123`` about 62.
Production needs :data:`MIN_BITS`: 112 bits, the smallest security strength NIST SP
800-57 accepts.
"""

from __future__ import annotations

import math
import secrets
import string
from collections import Counter
from dataclasses import dataclass

MIN_BITS = 112
MIN_LENGTH = 32
#: what ``vrhub secret-key`` makes: 48 random bytes as 64 url-safe characters (384 bits)
NEW_KEY_BYTES = 48
GENERATE = "generate one with `vrhub secret-key`"

_CLASSES = ((frozenset(string.ascii_lowercase), 26), (frozenset(string.ascii_uppercase), 26),
            (frozenset(string.digits), 10), (frozenset(string.punctuation), 33))
_OTHER = 100
_SHORTEST_REPEAT = 3
_FEW_BITS_PER_CHARACTER = 2.5


def new_secret_key() -> str:
    return secrets.token_urlsafe(NEW_KEY_BYTES)


@dataclass(frozen=True)
class Strength:
    bits: float
    #: which measure set the estimate, in words
    because: str

    def weakness(self, name: str) -> str | None:
        """Why ``name`` (a setting) may not hold this secret in production, or None."""
        if self.bits >= MIN_BITS:
            return None
        return (f"{name} is too easy to guess: it measures about {self.bits:.0f} bits of "
                f"entropy ({self.because}) and production needs at least {MIN_BITS}")


def alphabet_size(secret: str) -> int:
    present = set(secret)
    size = sum(n for members, n in _CLASSES if present & members)
    if any(not any(c in members for members, _ in _CLASSES) for c in present):
        size += _OTHER
    return max(size, 1)


def description_bits(secret: str) -> float:
    """Bits to write ``secret`` down as literals, arithmetic runs and back-references."""
    per_char = math.log2(alphabet_size(secret))
    bits = 0.0
    i, n = 0, len(secret)
    while i < n:
        longest = 0
        for start in range(i):
            length = 0
            while i + length < n and secret[start + length] == secret[i + length]:
                length += 1
            longest = max(longest, length)
        if longest >= _SHORTEST_REPEAT:
            bits += math.log2(i + 1) + math.log2(longest + 1) + 1
            i += longest
            continue
        if i >= 2 and ord(secret[i]) - ord(secret[i - 1]) == ord(secret[i - 1]) - ord(
                secret[i - 2]) and abs(ord(secret[i]) - ord(secret[i - 1])) <= 2:
            bits += 1
        else:
            bits += per_char
        i += 1
    return bits


def frequency_bits(secret: str) -> float:
    n = len(secret)
    if n == 0:
        return 0.0
    counts = Counter(secret)
    shannon = -sum(c / n * math.log2(c / n) for c in counts.values())
    corrected = shannon + (len(counts) - 1) / (2 * n * math.log(2))
    return n * corrected


def strength(secret: str) -> Strength:
    """The estimated entropy of ``secret`` and the measure that set it."""
    text = secret.strip()
    bits = Strength(description_bits(text), "it repeats itself or runs in sequence")
    frequency = frequency_bits(text)
    if frequency < _FEW_BITS_PER_CHARACTER * len(text) and frequency < bits.bits:
        bits = Strength(frequency, f"{len(set(text))} distinct character(s), used over and "
                        "over")
    return bits


def weakness(name: str, secret: str) -> str | None:
    """Why ``secret`` cannot be the production value of setting ``name``, or None."""
    text = secret.strip()
    if len(text) < MIN_LENGTH:
        return (f"{name} is {len(text)} characters long and production needs at least "
                f"{MIN_LENGTH} random ones")
    return strength(text).weakness(name)
