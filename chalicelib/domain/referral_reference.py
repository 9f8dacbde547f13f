"""A referral's short reference, as people say and type it (`FCS-7K3Q-9D`), and how a typed one is compared.

Pure Python.
"""

from __future__ import annotations

import re

# A referral's short reference, as people say and type it: `FCS-7K3Q-9D`. Crockford's base 32
# (no I, L, O or U), from the first 30 bits of the referral's random id. Two ids can share those
# bits, so intake claims the reference with a conditional put and draws another id when it is taken.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_REFERENCE_TYPOS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def human_reference(referral_id: str) -> str:
    """`4f1c2a9e...` -> `FCS-9X1J-AF`: the same id always gives the same reference."""
    number = int(referral_id[:8], 16) >> 2
    chars = "".join(_REFERENCE_ALPHABET[(number >> shift) & 31] for shift in range(25, -1, -5))
    return f"FCS-{chars[:4]}-{chars[4:]}"


def reference_key(text: str) -> str:
    """What someone typed, as a reference to compare: `fcs 9x1j af` and `FCS-9X1J-AF` -> `9X1JAF`."""
    plain = re.sub(r"[^0-9A-Z]", "", text.upper())
    return plain.removeprefix("FCS").translate(_REFERENCE_TYPOS)
