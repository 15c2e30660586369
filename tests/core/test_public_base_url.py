"""PUBLIC_BASE_URL (media URLs, OAuth redirects) follows the address bin/run serves (HOST, PORT)
unless it is set."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def public_base_url(**env) -> str:
    base = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "PUBLIC_BASE_URL", "DJANGO_SETTINGS_MODULE")}
    run = subprocess.run(
        [sys.executable, "-c", "from backend import settings; print(settings.PUBLIC_BASE_URL)"],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60, check=True,
    )
    return run.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"HOST": "shop.local", "PORT": "8001"}, "http://shop.local:8001"),
        ({"HOST": "::1"}, "http://[::1]:8000"),
        ({"PORT": "8080", "PUBLIC_BASE_URL": "https://api.example.com/"}, "https://api.example.com"),
    ],
)
def test_public_base_url_follows_the_served_address(env, expected):
    assert public_base_url(**env) == expected
