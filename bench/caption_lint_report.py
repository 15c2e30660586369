"""Run the caption linter over a grid of caption requests and print findings per rule.

    bin/test is not needed: DJANGO_SETTINGS_MODULE=backend.test_settings .venv/bin/python bench/caption_lint_report.py
    ROOT=/path/to/other/checkout ... bench/caption_lint_report.py   # lint another checkout's captions

The linter itself (caption_lint.py and lexicon.py of *this* checkout) is loaded by path, so the
same rules measure an older tree's captions ("before") and this one's ("after"). The grid is
3 languages x 4 tones x 5 platforms x 5 occasions x 6 products x 4 field sets = 7,200 requests,
5 variants each, through caption_generate (hashtags and platform fitting included).
"""
from __future__ import annotations

import collections
import itertools
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ.get("ROOT", HERE))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.test_settings")


def _load_linter():
    package = Path(tempfile.mkdtemp()) / "postloom_lint"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("caption_lint.py", "lexicon.py"):
        (package / name).write_text((HERE / "backend" / "ai_services" / name).read_text())
    sys.path.insert(0, str(package.parent))
    import postloom_lint.caption_lint as lint  # noqa: E402

    return lint


LANGUAGES = ("en", "hi", "ta")
TONES = ("friendly", "festive", "premium", "playful")
PLATFORMS = (None, "instagram", "whatsapp", "linkedin", "twitter")
OCCASIONS = (None, "diwali", "pongal", "wedding", "दिवाली")
PRODUCTS = (("Banarasi Silk Saree", "Saree"), ("Cotton Kurta", "Kurta"), ("Bridal Lehenga", "Lehenga"),
            ("सूती कुर्ता", None), ("காஞ்சிபுரம் பட்டுப் புடவை", None), ("Bandhani Dupatta Set", None))
FIELDS = ({}, {"price": 1799}, {"price": 1799, "fabric": "Silk", "color": "Yellow"},
          {"price": 1799, "offer": "28% off", "fabric": "Silk", "color": "Yellow"})
HASHTAG_COUNTS = {"linkedin": 3, "whatsapp": 0}


def main() -> None:
    lint = _load_linter()
    import django

    django.setup()
    from backend.ai_services.captions import caption_generate

    per_rule: collections.Counter = collections.Counter()
    flagged = total = too_many_tags = requests = 0
    for lang, tone, platform, occasion, (product, category), fields in itertools.product(
            LANGUAGES, TONES, PLATFORMS, OCCASIONS, PRODUCTS, FIELDS):
        requests += 1
        result = caption_generate(product_name=product, category=category, occasion=occasion, language=lang,
                                  tone=tone, platform=platform, variants=5, provider="offline", **fields)
        if platform in HASHTAG_COUNTS and len(result.hashtags) > HASHTAG_COUNTS[platform]:
            too_many_tags += 1
        given = " ".join(str(v) for v in [product, category, occasion, *fields.values()] if v)
        for caption in result.captions:
            total += 1
            found = lint.lint_caption(caption, language=lang, product_name=product, category=category, given=given,
                                      hashtags=result.hashtags)
            rules = {f.rule for f in found}
            if rules:
                flagged += 1
            per_rule.update(rules)
    print(f"tree: {ROOT}")
    print(f"requests: {requests}, captions: {total}, captions with a finding: {flagged}")
    for rule in ("tamil_detached_suffix", "hindi_direct_before_postposition", "hindi_gender", "english_festival_key",
                 "mixed_script_hashtag", "invented_claim", "rupee_as_rs"):
        print(f"  {rule:<34} {per_rule[rule]:>6}")
    print(f"  {'too_many_hashtags (linkedin>3, whatsapp>0)':<34} {too_many_tags:>6} requests")


if __name__ == "__main__":
    main()
