"""Cache: CACHE_URL, process memory when unset.

The partner API's rate limit counts requests here, so production with more
than one web process needs a shared cache such as Redis.
"""

from shop.settings.env import env

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
