import itertools

import pytest

from backend.scheduling.models import ScheduledPost
from backend.scheduling.transitions import TRANSITIONS, InvalidTransition, transition, transition_where

pytestmark = pytest.mark.django_db
S = ScheduledPost.Status

ALLOWED = {
    (S.DRAFT, S.PENDING), (S.DRAFT, S.SCHEDULED), (S.DRAFT, S.CANCELLED),
    (S.PENDING, S.SCHEDULED), (S.PENDING, S.CANCELLED),
    (S.SCHEDULED, S.PUBLISHING), (S.SCHEDULED, S.PENDING), (S.SCHEDULED, S.CANCELLED), (S.SCHEDULED, S.FAILED),
    (S.PUBLISHING, S.POSTED), (S.PUBLISHING, S.FAILED), (S.PUBLISHING, S.SCHEDULED),
    (S.FAILED, S.SCHEDULED), (S.FAILED, S.CANCELLED),
}


@pytest.mark.parametrize("current, to", list(itertools.product(S.values, S.values)))
def test_every_pair_is_allowed_or_refused_as_the_table_says(current, to):
    post = ScheduledPost(status=current)
    if (current, to) in ALLOWED:
        transition(post, to=to)
        assert post.status == to
    else:
        with pytest.raises(InvalidTransition):
            transition(post, to=to)
        assert post.status == current


def test_table_is_exactly_the_documented_one():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


def test_compare_and_swap_has_one_winner(make_post):
    post = make_post()
    assert transition_where(post_id=post.pk, current=S.SCHEDULED, to=S.PUBLISHING) is True
    assert transition_where(post_id=post.pk, current=S.SCHEDULED, to=S.PUBLISHING) is False
    post.refresh_from_db()
    assert post.status == S.PUBLISHING
    with pytest.raises(InvalidTransition):
        transition_where(post_id=post.pk, current=S.POSTED, to=S.SCHEDULED)
