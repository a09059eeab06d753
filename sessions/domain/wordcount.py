"""How a word cloud counts and sizes words (no database, no services: the selectors and the
services both read it).

Words are counted by a key: the text as the one typing rule cleans it (NFC, see
dpup_workshop.text), case-folded, spaces collapsed. Case folding keeps diacritics, so
"Whānau" and "whānau" count together while "whanau" stays a word of its own: a macron changes
a te reo Māori word, and the cloud must not merge them silently. Each word is shown in the
spelling most people used.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

WORD_MAX = 40  # characters in one word or phrase, counted after cleaning
SIZES = 5  # how many sizes the cloud draws words in


def word_key(word: str) -> str:
    """What a word is counted as: case-folded, macrons and other marks kept."""
    return " ".join(word.casefold().split())


@dataclass(frozen=True)
class CloudWord:
    key: str
    text: str  # the most common spelling
    count: int  # people who sent it
    size: int  # 1 (fewest) to SIZES (most)


def cloud(hidden_words: list[str], rows: list[list[str]]) -> tuple[list[CloudWord], list[str]]:
    """The cloud drawn from everyone's words (`rows`, one list per person): the words shown,
    most sent first, and the hidden ones someone still holds (their shown spelling), for the
    team."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for words in rows:
        for word in words:
            key = word_key(word)
            counts[key] += 1
            spellings.setdefault(key, Counter())[word] += 1
    hidden = set(hidden_words)
    shown = [(key, n) for key, n in counts.items() if key not in hidden]
    # Most sent first; ties in the order of the words themselves, so the cloud holds still.
    shown.sort(key=lambda pair: (-pair[1], pair[0]))
    top = shown[0][1] if shown else 1
    words = [
        CloudWord(
            key=key,
            text=spellings[key].most_common(1)[0][0],
            count=n,
            size=1 + round((SIZES - 1) * (n - 1) / (top - 1)) if top > 1 else 1,
        )
        for key, n in shown
    ]
    # A hidden word nobody holds any more (they deleted their data) is not shown at all.
    hidden_shown = [spellings[key].most_common(1)[0][0] for key in hidden_words if key in spellings]
    return words, hidden_shown
