"""Slugs for Chinese names: their pinyin, so URLs stay readable ASCII."""

from django.utils.text import slugify
from pypinyin import lazy_pinyin


def pinyin_slugify(value: str) -> str:
    """Return an ASCII slug of value, spelling Chinese characters in pinyin."""
    return slugify(" ".join(lazy_pinyin(str(value))))
