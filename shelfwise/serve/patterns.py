"""Regular expressions the OpenAPI document states, written with Python's notion of white space.

The server strips values with `str.strip()`, which also removes the separators U+001C-U+001F and
U+0085 that a JSON Schema (ECMA-262) `\\s` does not match, and keeps U+FEFF, which `\\s` does.
So the document spells the set out: what its patterns allow is what the server accepts.
"""

from __future__ import annotations

SPACE = r"\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
BLANKS = rf"[{SPACE}]*"
NOT_BLANK = rf"[^{SPACE}]"
