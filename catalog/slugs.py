"""Slugs for Chinese names: their pinyin, so URLs stay readable ASCII."""

from django.utils.text import slugify


def pinyin_slugify(value: str, allow_unicode: bool = False) -> str:
    """Return an ASCII slug of value, spelling Chinese characters in pinyin.

    Oscar passes allow_unicode; pinyin makes it moot, so it is ignored.
    """
    # Imported here: pypinyin loads its phrase dictionary on import, a
    # quarter of a second every process would pay, slug or not.
    from pypinyin import lazy_pinyin

    return slugify(" ".join(lazy_pinyin(str(value))))
