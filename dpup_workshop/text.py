"""One rule for text a person types, on the websocket and in forms.

- Valid Unicode only: a lone surrogate (which JSON can carry as an escape, but no database,
  page or log can hold) is refused as invalid, not stored.
- Unicode NFC, so "ā" typed as "a" plus a combining macron is stored, counted, compared and
  shown as the one character it is.
- No bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C): they
  can make a name or a line display as something other than what it says. Right-to-left text
  itself is kept; pages isolate what people typed (`<bdi>`, `unicode-bidi: plaintext`).
- No other invisible characters: control characters (except line breaks where the text may
  have several lines), format characters (zero-width space, soft hyphen, tag characters, the
  byte-order mark...) and the Hangul fillers that show as a blank. Joiners (U+200C, U+200D)
  stay: scripts and emoji need them.
- Whitespace: one line collapses runs of spaces; several lines keep their breaks (at most
  one empty line in a row) and lose trailing spaces.

Length limits are for the caller, counted on what `clean` returns.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that show as nothing (or as a blank) but are not whitespace: fillers a name can
# hide behind. Format characters (Unicode category Cf: bidi controls, zero-width space, soft
# hyphen, tag characters, the byte-order mark...) are dropped too, except the joiners.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u034f")
_JOINERS = frozenset("\u200c\u200d")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")
_SPACES = re.compile(r"[^\S\n]+")
_EMPTY_LINES = re.compile(r"\n{3,}")


def _shown(ch: str) -> bool:
    if ch in "\n\t" or ch in _JOINERS:
        return True
    if ch in _FILLERS:
        return False
    return unicodedata.category(ch) not in ("Cc", "Cf")


class InvalidText(ValueError):
    """The text is not valid Unicode (it holds a lone surrogate)."""

    message = "That text has characters that can't be stored: please type it again."


def is_valid_unicode(value: str) -> bool:
    """False for a string holding a lone surrogate (JSON's "\\ud800", for one)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean(value: str, *, multiline: bool = False) -> str:
    """`value` as it may be stored and shown (see the module's rule). InvalidText if it holds
    a lone surrogate."""
    if not is_valid_unicode(value):
        raise InvalidText(InvalidText.message)
    value = unicodedata.normalize("NFC", value)
    value = _LINE_BREAKS.sub("\n", value)
    if not value.isascii() or not value.isprintable():
        value = "".join(ch for ch in value if _shown(ch))
    if not multiline:
        return " ".join(value.split())
    lines = [_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    return _EMPTY_LINES.sub("\n\n", "\n".join(lines)).strip()


def strings_in(value):
    """Every string in a decoded JSON value, keys included, however deep (walked without
    recursion: a message nested a thousand deep is read like any other)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def json_is_valid_unicode(value) -> bool:
    """Whether every string in a decoded JSON value (keys included) is valid Unicode."""
    return all(is_valid_unicode(text) for text in strings_in(value))
