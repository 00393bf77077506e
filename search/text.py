"""Text normalisation shared by the SQL backend, concept recognition and query parsing.

Elasticsearch analyses text itself (hunspell ru/kk/en + our stop words). The SQL
backend has no morphology, so documents and queries are reduced to stems here, in
Python, the same way on both sides: lower case, ``ё`` → ``е``, stop words dropped,
Russian words through the Snowball stemmer and Kazakh words through a small
suffix stripper (Kazakh is agglutinative: the stem is what is left after plural,
possessive and case endings).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import snowballstemmer

HERE = Path(__file__).parent
WORD_RE = re.compile(r"[0-9a-zа-яёәғқңөұүһі]+(?:[-+#.][0-9a-zа-яёәғқңөұүһі]+)*", re.IGNORECASE)
# The same words in text already lower-cased by normalise(): without IGNORECASE the matcher
# compares characters directly (about 20 % cheaper; it runs on every word a rebuild indexes).
_LOWER_WORD_RE = re.compile(WORD_RE.pattern)
KAZAKH_LETTERS = set("әғқңөұүһі")
EN_STOP_WORDS = frozenset(
    "a an and are as at be by for from in is it of on or the to with".split()
)

# Kazakh endings, longest first; a stem keeps at least three letters.
KK_SUFFIXES = tuple(
    sorted(
        {
            # plural
            "лар", "лер", "дар", "дер", "тар", "тер",
            # possessive
            "ымыз", "іміз", "мыз", "міз", "ларың", "лерің", "ыңыз", "іңіз", "ңыз", "ңіз",
            "ым", "ім", "ың", "ің", "сы", "сі", "ы", "і",
            # case endings
            "ның", "нің", "дың", "дің", "тың", "тің",
            "ға", "ге", "қа", "ке", "на", "не",
            "ны", "ні", "ды", "ді", "ты", "ті",
            "нда", "нде", "да", "де", "та", "те",
            "нан", "нен", "дан", "ден", "тан", "тен",
            "мен", "бен", "пен",
            # derivational endings of agent nouns that people type both ways
            "шы", "ші",
        },
        key=len,
        reverse=True,
    )
)


def _read_words(name: str) -> frozenset[str]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower().replace("ё", "е") for w in lines if w.strip() and not w.startswith("#"))


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return _read_words("stopwords_ru.txt") | _read_words("stopwords_kk.txt") | EN_STOP_WORDS


def stop_word_list(lang: str) -> list[str]:
    """The list as Elasticsearch's ``stop`` filter takes it (inline, so any node works)."""
    if lang == "en":
        return sorted(EN_STOP_WORDS)
    return sorted(_read_words(f"stopwords_{lang}.txt"))


_RU = snowballstemmer.stemmer("russian")
_EN = snowballstemmer.stemmer("english")


def normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """Lower-cased words in order, without stop words."""
    stops = stop_words()
    return [w for w in _LOWER_WORD_RE.findall(normalise(text or "")) if w not in stops]


# The endings by length, longest first: one set lookup per length instead of an endswith per ending.
KK_SUFFIXES_BY_LENGTH = tuple(
    (n, frozenset(s for s in KK_SUFFIXES if len(s) == n)) for n in sorted({len(s) for s in KK_SUFFIXES}, reverse=True)
)


def _kk_stem(word: str) -> str:
    # Strip at most three endings (e.g. жүргізу-ші-лер-ге), keeping a stem of 3+ letters; the
    # longest matching ending goes first.
    for _ in range(3):
        for n, suffixes in KK_SUFFIXES_BY_LENGTH:
            if len(word) - n >= 3 and word[-n:] in suffixes:
                word = word[:-n]
                break
        else:
            break
    return word


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if any(ch in KAZAKH_LETTERS for ch in word):
        return _kk_stem(word)
    if word.isascii():
        return _EN.stemWord(word) if word.isalpha() else word
    if re.fullmatch(r"[а-яе]+", word):
        # Russian, or Kazakh typed without its special letters: Kazakh endings are stripped
        # around the Russian stemmer, so "мастер", "мастера" and "мастерлер" meet.
        # Repeated until stable, so a stem is its own stem (query and document forms meet).
        for _ in range(3):
            stemmed = _kk_stem(_RU.stemWord(_kk_stem(word)))
            if stemmed == word:
                break
            word = stemmed
        return word
    return word


class _IndexStems(dict):
    """word -> its stem, or None for a stop word: the indexing side's cache.

    A rebuild stems every word of every document; the vocabulary is small next to that, so
    nearly every word is a dict hit taken from C (``map(cache.__getitem__, …)``) instead of a
    stop-word test and a cached-function call per word. Bounded: emptied when it grows past
    ``LIMIT`` (free text brings numbers and typos without end)."""

    LIMIT = 500_000

    def __missing__(self, word: str) -> str | None:
        if len(self) >= self.LIMIT:
            self.clear()
        value = None if word in stop_words() else stem(word)
        self[word] = value
        return value


_INDEX_STEMS = _IndexStems()


def stems(text: str) -> list[str]:
    """Stems of the words of ``text`` in order, stop words left out."""
    return [s for s in map(_INDEX_STEMS.__getitem__, _LOWER_WORD_RE.findall(normalise(text or ""))) if s is not None]


def stem_text(*parts: str | None) -> str:
    """The body the SQL backend indexes: stems separated by spaces, parts kept apart."""
    return " | ".join(" ".join(stems(p)) for p in parts if p)
