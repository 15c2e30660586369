"""The fake platform server fixtures, shared with the API and service tests of the social app."""
from tests.social.platforms.conftest import fake, platforms  # noqa: F401
