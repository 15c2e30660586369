from tests.scheduling.conftest import make_post  # noqa: F401  (posts in each status)
