import pytest

from backend.accounts.models import Role


@pytest.fixture
def editor(member, org):
    return member(org, Role.EDITOR)


@pytest.fixture
def viewer(member, org):
    return member(org, Role.VIEWER)


@pytest.fixture
def admin(member, org):
    return member(org, Role.ADMIN)


@pytest.fixture
def make_post(sandbox, owner):
    from datetime import timedelta

    from django.utils import timezone

    from backend.scheduling.models import ScheduledPost

    def make(status=ScheduledPost.Status.SCHEDULED, *, account=None, due_in=timedelta(hours=1), **fields) -> ScheduledPost:
        account = account or sandbox
        when = timezone.now() + due_in
        return ScheduledPost.objects.create(
            organization_id=account.organization_id,
            social_account=account,
            platform=account.platform,
            caption=fields.pop("caption", "Fresh cotton kurtis"),
            scheduled_time=when,
            next_attempt_at=when,
            status=status,
            created_by=owner,
            **fields,
        )

    return make


from tests.social.platforms.conftest import fake, platforms  # noqa: E402,F401  (the fake platform server)
