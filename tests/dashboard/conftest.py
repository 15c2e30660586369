from tests.scheduling.conftest import make_post  # noqa: F401  (posts in each status)
from tests.social.platforms.conftest import fake, platforms  # noqa: F401  (the fake platform server)
