"""Database: DATABASE_URL, a SQLite file under var/ when unset."""

from shop.settings.env import VAR_DIR, env

VAR_DIR.mkdir(exist_ok=True)

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests (and the test server's threads) write at once; wait
    # for the lock instead of failing at once with "database is locked".
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["timeout"] = 20
    # Take the write lock when a transaction starts, so two writers queue
    # instead of one failing at once when it tries to upgrade its lock.
    options["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
