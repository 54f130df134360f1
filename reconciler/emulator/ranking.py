"""Lexical relevance for the emulator's searches: Okapi BM25 over word tokens.

The real services rank by meaning (embeddings, hybrid with keywords); the
emulator approximates that lexically, which is enough to find a tool by a word
of its name or description and to rank the better match first.
"""

from __future__ import annotations

import math
import re
from collections import Counter

K1 = 1.2  # term-frequency saturation (the usual BM25 constants)
B = 0.75  # document-length normalisation
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Function words carry no topic: left in, "tools for refunds" would match every "... for a city".
STOPWORDS = frozenset(
    "a an and any are as at be by can do does for from how i in is it me my of on or that the this to what which with".split()
)


def words(text: str) -> list[str]:
    """Lower-case topic words; snake_case and camelCase identifiers split into theirs, plurals folded."""
    return [_singular(word) for word in map(str.lower, WORD.findall(text)) if word not in STOPWORDS]


def bm25(query: str, documents: list[str]) -> list[float]:
    """One score per document, 0 for a document that shares no word with the query."""
    bags = [Counter(words(document)) for document in documents]
    if not bags:
        return []
    average_length = sum(sum(bag.values()) for bag in bags) / len(bags) or 1.0
    terms = set(words(query))
    holding = {term: sum(1 for bag in bags if term in bag) for term in terms}
    idf = {term: math.log(1 + (len(bags) - count + 0.5) / (count + 0.5)) for term, count in holding.items()}
    scores = []
    for bag in bags:
        norm = K1 * (1 - B + B * sum(bag.values()) / average_length)
        scores.append(sum(idf[term] * bag[term] * (K1 + 1) / (bag[term] + norm) for term in terms if bag[term]))
    return scores


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
