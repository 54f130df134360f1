"""BM25 ranking, the emulator's lexical stand-in for semantic search."""

from __future__ import annotations

from reconciler.emulator.ranking import bm25, words


def test_words_split_identifiers_fold_plurals_and_drop_function_words() -> None:
    assert words("get_forecast listOrders HTTPServer") == ["get", "forecast", "list", "order", "http", "server"]
    assert words("Queries for the parcels of a city") == ["query", "parcel", "city"]


def test_a_document_without_a_query_word_scores_zero() -> None:
    tides, refund = bm25("tides", ["Tide tables for harbours", "Refund an order"])
    assert tides > 0 and refund == 0.0
    assert bm25("anything", []) == []


def test_rarer_words_count_more_and_repetition_saturates() -> None:
    common, rare, both = bm25("order refund", ["order status", "refund money", "order refund", "order history"])[:3]
    assert rare > common and both > rare
    once, thrice = bm25("radar", ["radar image feed", "radar radar radar"])
    assert thrice > once and thrice < 3 * once


def test_a_shorter_document_with_the_same_match_ranks_higher() -> None:
    short, long = bm25("radar", ["radar images", "radar images, satellite images, lightning maps and wind charts"])
    assert short > long
