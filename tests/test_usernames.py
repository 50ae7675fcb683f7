"""What a username may be (``chat.usernames``): lookalike skeletons, and a letter or
digit."""

from __future__ import annotations

import pytest

from chat.usernames import has_letter_or_digit, skeleton


@pytest.mark.parametrize(
    "lookalike",
    ["alice", "\u0430lice", "ALICE", "AIice", "a1ice", "\uff41lice"],
    ids=["itself", "cyrillic-a", "upper-case", "capital-i-for-l", "digit-one-for-l", "full-width"],
)
def test_skeleton_of_a_lookalike_of_alice_is_alices(lookalike):
    assert skeleton(lookalike) == skeleton("alice")


def test_skeleton_of_bob_with_zeros_is_bobs():
    assert skeleton("B0B") == skeleton("bob")


def test_skeleton_of_a_composed_letter_is_that_of_its_decomposed_spelling():
    assert skeleton("zo\u00eb") == skeleton("zoe\u0308")


@pytest.mark.parametrize(
    ("first", "second"),
    [("bob", "rob"), ("ace", "ac7"), ("zoe", "zo\u00eb")],
    ids=["other-letter", "digit-not-like-a-letter", "diaeresis"],
)
def test_skeleton_tells_apart_names_a_reader_would_not_mix_up(first, second):
    assert skeleton(first) != skeleton(second)


def test_skeleton_leaves_multi_letter_lookalikes_apart():
    # A documented limit: "rn" for "m" would need more than one character per character.
    assert skeleton("rn") != skeleton("m")


@pytest.mark.parametrize("username", ["a", "7", "\u00e9", ".a.", "bob_"])
def test_has_letter_or_digit_is_true_with_one_letter_or_digit(username):
    assert has_letter_or_digit(username) is True


@pytest.mark.parametrize("username", ["", ".", "..", "-_", "@+."])
def test_has_letter_or_digit_is_false_for_punctuation_only(username):
    assert has_letter_or_digit(username) is False
