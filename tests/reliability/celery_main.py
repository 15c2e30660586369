"""`python -m tests.reliability.celery_main -A backend worker ...`: the celery command, plus the
test-only flaky platform registered (prefork children inherit it)."""
import sys

from celery.__main__ import main

import tests.reliability.flaky_platform  # noqa: F401  (registers the adapter)

if __name__ == "__main__":
    sys.exit(main())
