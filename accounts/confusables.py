"""Folding text to a "skeleton" so that look-alike spellings of a word compare equal.

Used by ``accounts.validators.clean_display_name`` to refuse names that read as a reserved word
("Moderator", "WYA!? Safety Team") however they are spelled: full-width or styled letters
(NFKC), case (casefold), accents (combining marks dropped), Cyrillic and Greek letters that look
Latin, digits and symbols used as letters, and "rn" for "m". This is deliberately a small map of
the common look-alikes, not the whole Unicode confusables table: it only has to catch the
spellings people use to pass as staff, and a false positive costs one retry with another name.
"""

import re
import unicodedata

# "!" and "|" stand for "l"/"i" only inside a word ("Adm!n"); elsewhere they are punctuation.
_INNER_BAR = re.compile(r"(?<=\w)[!|](?=\w)")
# One look-alike → the Latin letter it imitates. ``i``, ``l``, ``1``, ``|`` and ``!`` all fold
# to ``l`` (they are indistinguishable in many fonts), so reserved words are folded the same way.
LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "г": "r", "д": "a", "е": "e", "ё": "e", "з": "3", "и": "n",
        "й": "n", "к": "k", "л": "n", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s", "і": "l", "ї": "l",
        "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "l", "κ": "k",
        "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "τ": "t", "υ": "u", "χ": "x",
        "ω": "w", "ς": "c",
        # Digits and symbols used as letters
        "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
        "@": "a", "$": "s", "€": "e", "£": "l",
        # Latin letters that read alike
        "i": "l", "ı": "l", "ł": "l", "ø": "o", "đ": "d", "ß": "ss",
    }
)  # fmt: skip


def skeleton_words(text: str) -> list[str]:
    """``"W.Y.A!? Ѕafety  Теam"`` → ``["wya", "safety", "team"]`` (in skeleton letters).

    NFKC, casefold, combining marks dropped, look-alikes mapped, "rn" read as "m"; every run of
    characters that are not letters or digits separates words; single letters separated by dots
    or spaces ("M o d") are joined back into one word, since that spelling is still read as one.
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _INNER_BAR.sub("l", text).translate(LOOKALIKES).replace("rn", "m")
    words = "".join(c if c.isalnum() else " " for c in text).split()
    return _join_spelled_out(words)


def _join_spelled_out(words: list[str]) -> list[str]:
    joined: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1:
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
        joined.append(word)
    if run:
        joined.append(run)
    return joined
