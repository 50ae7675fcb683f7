"""The people directory's rules (``chat.people.directory``): contains, prefix first, who
can be written to, and a page in two queries however many people there are."""

from __future__ import annotations

import pytest

from chat.people import directory

pytestmark = pytest.mark.django_db


def usernames(found) -> list[str]:
    return [person.user.get_username() for person in found.people]


def test_a_name_is_found_by_any_part_of_it_prefix_matches_first(alice, make_user):
    make_user("joanna")
    make_user("annabel")

    assert usernames(directory.directory(alice, "ANN")) == ["annabel", "joanna"]


def test_an_empty_query_lists_everyone_by_username(alice, bob):
    assert usernames(directory.directory(alice, "   ")) == ["alice", "bob"]


def test_only_active_people_other_than_me_can_be_written_to(alice, bob, mallory):
    mallory.is_active = False
    mallory.save()

    found = {p.user.get_username(): p for p in directory.directory(alice, "").people}

    assert found["bob"].message_url == "/p/bob/"
    assert found["alice"].message_url is None and found["alice"].is_me
    assert found["mallory"].message_url is None and found["mallory"].deactivated


def test_a_page_is_two_queries_however_many_people(alice, make_user, django_assert_num_queries):
    for n in range(12):
        make_user(f"person{n}")

    with django_assert_num_queries(2):
        found = directory.directory(alice, "person")
        [person.is_bot for person in found.people]

    assert len(found.people) == 12
