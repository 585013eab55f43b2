"""Settings for benchmarks and the load test: production's, on plain HTTP over loopback.

`DJANGO_SETTINGS_MODULE=bench.settings`. Same middleware, templates, cache and database options as
production; only what needs TLS is relaxed (the load test talks to gunicorn on 127.0.0.1 without a
proxy), and the URLconf adds the minimal view every figure is compared with.
"""

import os

os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from config.settings.production import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# The load test sends everything from 127.0.0.1, so the per-IP limits of the verification page and of allauth's
# login would turn most of its requests into 429s. `bench/load_test.py` raises them through these variables, for
# this settings module only; unset, the production limits apply.
if os.environ.get("BENCH_VERIFY_RATE"):
    CERTIFICATES_VERIFY_RATE = os.environ["BENCH_VERIFY_RATE"]
if os.environ.get("BENCH_LOGIN_RATE"):
    ACCOUNT_RATE_LIMITS = {"login": os.environ["BENCH_LOGIN_RATE"], "login_failed": os.environ["BENCH_LOGIN_RATE"]}
