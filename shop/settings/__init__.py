"""Settings, read only from the environment.

With nothing set they give the embedded default: a SQLite file under var/,
Celery tasks executed in-process and database-backed search. One module per
integration; this package stitches them together in order.
"""

from shop.settings.base import *  # noqa: F403
from shop.settings.cache import *  # noqa: F403
from shop.settings.database import *  # noqa: F403
from shop.settings.graphql import *  # noqa: F403
from shop.settings.oscar import *  # noqa: F403
from shop.settings.payments import *  # noqa: F403
from shop.settings.search import *  # noqa: F403
from shop.settings.tasks import *  # noqa: F403
from shop.settings.webhooks import *  # noqa: F403
