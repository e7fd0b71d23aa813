"""Text fields that every store and export can keep: no control characters, no lone surrogates.

PostgreSQL cannot store NUL (in text or JSON), openpyxl refuses control characters in cells (an
export would fail long after the text was accepted), and a lone surrogate is no character. Tab
and line breaks stay: long texts have paragraphs.
"""

import re

from pydantic import AfterValidator

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """Return the text, or refuse it (ValueError) when it holds a control character."""
    found = CONTROL.search(text)
    if found:
        raise ValueError(f"may not contain the control character U+{ord(found[0]):04X}")
    return text


Printable = AfterValidator(printable)
