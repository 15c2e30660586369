"""Counting a caption the way each platform counts it, and finding its hashtags and mentions."""
from __future__ import annotations

import re

from twitter_text import parse_tweet

# A hashtag is '#' followed by letters, marks (Devanagari and Tamil vowel signs), digits or '_'.
HASHTAG_RE = re.compile(r"(?<![\w&])#([^\W_]|_)[\w\u0900-\u0dff]*", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{1,30}", re.UNICODE)
# What may follow the '#' of a hashtag the shop types (with or without the '#').
HASHTAG_BODY = re.compile(r"^[^\W_]?[\w\u0900-\u0dff]*$", re.UNICODE)


class InvalidHashtag(ValueError):
    pass


def normalise_hashtag(value: str) -> str:
    """`value` as a hashtag: '#' added when missing; InvalidHashtag if it is not one."""
    tag = value.strip().lstrip("#")
    if not tag or not HASHTAG_BODY.match(tag):
        raise InvalidHashtag(f"'{value}' is not a hashtag: use letters, digits or _ with no spaces.")
    return f"#{tag}"


def normalise_hashtags(values: list[str]) -> list[str]:
    """The one normalisation of a post's hashtags (scheduling and preflight): each with its '#',
    duplicates (ignoring case) dropped, first spelling kept. Raises InvalidHashtag."""
    seen: dict[str, str] = {}
    for value in values:
        tag = normalise_hashtag(value)
        seen.setdefault(tag.lower(), tag)
    return list(seen.values())


def caption_length(text: str, counting: str = "chars") -> int:
    """Length of `text` under a platform's counting rule (see Requirements.caption_counting).

    - "chars": Unicode code points (Instagram, Facebook, TikTok, LinkedIn, WhatsApp).
    - "twitter": X's weighted length (URLs count 23, emoji and CJK count 2).
    - "utf16": UTF-16 code units.
    """
    if counting == "twitter":
        return parse_tweet(text).weightedLength
    if counting == "utf16":
        return len(text.encode("utf-16-le")) // 2
    if counting == "chars":
        return len(text)
    raise ValueError(f"Unknown counting rule: {counting!r}")


def find_hashtags(text: str) -> list[str]:
    return [match.group(0) for match in HASHTAG_RE.finditer(text)]


def find_mentions(text: str) -> list[str]:
    return [match.group(0) for match in MENTION_RE.finditer(text)]


def compose(caption: str, hashtags: list[str]) -> str:
    """The text a platform receives: the caption, then the hashtags not already in it."""
    present = {tag.lower() for tag in find_hashtags(caption)}
    extra = [tag for tag in hashtags if tag.lower() not in present]
    if not extra:
        return caption
    return f"{caption.rstrip()}\n\n{' '.join(extra)}" if caption.strip() else " ".join(extra)
