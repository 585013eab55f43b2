"""Settings shared by every environment, read from the environment (see README)."""

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a key kept out of the repository, stable across restarts.
    from django.core.management.utils import get_random_secret_key

    _key_file = BASE_DIR / "var" / "dev_secret_key"
    if not _key_file.exists():
        _key_file.parent.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "core.admin_site.PortalAdminConfig",  # django.contrib.admin, with proper French titles
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our static files (no CDN)
    "accounts",
    "core",
    "campaigns",
    "associations",
    "inventory",
    "donations",
    "certificates",
    "support",
    "impact",
    "portal",
    "demo",
    "api",
]

MIDDLEWARE = [
    "core.logging.RequestLogMiddleware",
    "core.middleware.RefuseTraceMiddleware",
    "core.middleware.RetryAfterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.FrenchFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffSessionMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# Behind PgBouncer in transaction pooling mode, a server-side cursor (``.iterator()`` outside a transaction)
# would outlive the server connection it was declared on: DISABLE_SERVER_SIDE_CURSORS=1 (see README).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
# Persistent connections are checked before each request reuses them: a connection dropped by a
# PostgreSQL restart, a failover or an idle timeout is replaced instead of answering 500.
DATABASES["default"].setdefault(
    "CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=bool(DATABASES["default"]["CONN_MAX_AGE"]))
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (django-allauth): the email is the login, and it must be confirmed.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Changing one's address (page « Mon compte »): the new one replaces the old once confirmed by its link.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Dons de PC] "
# A password reset asked for an unknown address sends nothing (no email to a stranger's inbox).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Throttling (allauth, counted in the shared cache): five wrong passwords for one account from one client
# lock that client out of that account for 15 minutes (accounts/adapters.py: the key is account + client
# address), so nobody can lock a staff member out from elsewhere; a spread attack on one account, from
# many clients, locks the account itself only behind the higher "login_failed_account" threshold.
# One address cannot flood sign-up or password reset. A refused request gets the plain
# "Trop de demandes" page (templates/429.html, with Retry-After) or an error on the login form.
ACCOUNT_RATE_LIMITS = {
    "login": env("RATE_LIMIT_LOGIN", default="30/m/ip"),
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/15m/key"),
    "login_failed_account": env("RATE_LIMIT_LOGIN_FAILED_ACCOUNT", default="50/h/key"),
    "signup": env("RATE_LIMIT_SIGNUP", default="10/h/ip"),
    "reset_password": env("RATE_LIMIT_RESET_PASSWORD", default="10/h/ip,3/h/key"),
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
LOGIN_URL = "account_login"
# Second factor (allauth.mfa): an authenticator app (TOTP) with recovery codes. Required for every staff
# account and superuser (accounts/middleware.py sends them to set it up before any admin page), offered to
# associations from their space. MFA_REQUIRED_FOR_STAFF exists for a development machine only: it stays on
# in production and in the real-stack job.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Dons de PC")
MFA_TOTP_TOLERANCE = 1  # the code of the previous or next 30 s also passes: a phone's clock drifts
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)
# A staff session (admin) ends after this many minutes without a request.
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
LOGIN_REDIRECT_URL = "associations:space"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]  # hours as « 9h30 » in French, « 9:30 AM » in English

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"  # never served publicly: files go through views that check access

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Any S3-compatible storage (AWS, Scaleway, OVHcloud, Garage, MinIO...), so that several web and worker
    # hosts share the files. The bucket stays private: every object is written with the "private" ACL and
    # the portal serves files only through its access-checked views (it reads them with its own keys);
    # a signed URL, if code ever asks for one, expires after AWS_QUERYSTRING_EXPIRE seconds.
    # Keys: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the host's role when they are unset (boto3's chain).
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None),  # "path" for most self-hosted servers
            "signature_version": env("AWS_S3_SIGNATURE_VERSION", default="s3v4"),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "location": env("AWS_LOCATION", default=""),  # a prefix inside the bucket
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=60),
            # As on a local disk, a name already taken gets a suffix: a render that is dropped and deleted
            # (certificates/services/rendering.py) can never remove the live file that happens to have the same bytes.
            "file_overwrite": False,
        },
    }
    if STORAGES["default"]["OPTIONS"]["addressing_style"] not in (None, "auto", "path", "virtual"):
        raise ImproperlyConfigured("AWS_S3_ADDRESSING_STYLE must be auto, path or virtual.")

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
MAX_DOCUMENT_SIZE = 5 * 1024 * 1024
# What one account may create: associations it registers (it becomes their member), and supporting
# documents stored for the applications of its associations (a replaced document does not count).
MAX_ASSOCIATIONS_PER_ACCOUNT = env.int("MAX_ASSOCIATIONS_PER_ACCOUNT", default=5)
MAX_DOCUMENTS_PER_ACCOUNT = env.int("MAX_DOCUMENTS_PER_ACCOUNT", default=30)
# Joining an association registered by someone else: requests waiting per account, invitations waiting per
# association, and how long an invitation link stays valid.
MAX_PENDING_JOIN_REQUESTS_PER_ACCOUNT = env.int("MAX_PENDING_JOIN_REQUESTS_PER_ACCOUNT", default=3)
MAX_OPEN_INVITATIONS_PER_ASSOCIATION = env.int("MAX_OPEN_INVITATIONS_PER_ASSOCIATION", default=20)
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)
INVITATION_RESEND_SECONDS = env.int("INVITATION_RESEND_SECONDS", default=600)  # before the same address again

# Email: EMAIL_URL such as smtp+tls://user:password@smtp.example.org:587 ; console otherwise.
_email = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(_email)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Dons de PC <no-reply@dons-pc.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Redis: Celery broker and shared cache when REDIS_URL is set; eager tasks and local cache otherwise.
REDIS_URL = env("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Eager mode needs no broker; an in-memory one named with a host keeps kombu from warning "No hostname".
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = TIME_ZONE
# The sweeps that re-queue lost renders (certificates, donor documents, addenda) run this often.
# CERTIFICATES_SWEEP_SECONDS: shorter only for the end-to-end stack test, which waits for beat to send it.
_RENDER_SWEEP_SECONDS = env.float("CERTIFICATES_SWEEP_SECONDS", default=120.0)
CELERY_BEAT_SCHEDULE: dict = {
    # Re-queue handover certificates whose render was lost (broker down at commit, worker killed).
    "certificates-sweep": {"task": "certificates.tasks.sweep_handovers", "schedule": _RENDER_SWEEP_SECONDS},
    # Donor documents (traceability reports, reuse attestations) whose render was lost: same schedule.
    "donor-documents-sweep": {"task": "impact.tasks.sweep_donor_documents", "schedule": _RENDER_SWEEP_SECONDS},
    # Certificates' addenda (after-sales replacements) whose render, or signed render, was lost: same schedule.
    "addenda-sweep": {"task": "support.tasks.sweep_addenda", "schedule": _RENDER_SWEEP_SECONDS},
    # Emails of the outbox whose task was lost (Redis down, worker killed) or whose send failed (core/outbox.py).
    "outbox-sweep": {"task": "core.tasks.sweep_outbox", "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=60.0)},
    # In-kind gift receipts issued whose PDF render was lost (broker down at commit, worker killed).
    "receipts-sweep": {"task": "impact.tasks.sweep_receipts", "schedule": 300.0},
    # Impact reports owed by equipped associations, and reminders before / after they are due (idempotent).
    "impact-report-reminders": {"task": "impact.tasks.send_report_reminders", "schedule": 3600.0},
    # Handover appointments: a reminder two days before, once per appointment (recorded, idempotent).
    "appointment-reminders": {"task": "donations.tasks.send_appointment_reminders", "schedule": 3600.0},
    # Personal data kept no longer than the retention settings below (accounts/privacy.py).
    "personal-data-retention": {"task": "accounts.tasks.apply_retention", "schedule": 86400.0},
    # Files kept for a form refused for another field's error, never sent again (core/uploads.py).
    "held-uploads-sweep": {"task": "core.tasks.sweep_held_uploads", "schedule": 3600.0},
    # Temporary files of the stock import: previews never confirmed, refused rows' CSV (inventory/import_files.py).
    "import-files-sweep": {"task": "inventory.tasks.sweep_import_files", "schedule": 3600.0},
}

# The outbox of emails: a fresh email is left this long to the worker before the sweep sends it; then
# each failed attempt doubles the wait, up to the maximum. Sent emails are kept (visible in the admin) for
# OUTBOX_KEEP_SENT_DAYS, then deleted with their personal data.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=30)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # the outbox holds its row lock while the server answers

# Certificates: a render queued this long ago and still waiting for a worker, or started this long ago and
# not finished (its worker died), is queued again by the sweep. The desk shows how long each one waits.
CERTIFICATES_PENDING_STUCK_SECONDS = env.int("CERTIFICATES_PENDING_STUCK_SECONDS", default=180)
CERTIFICATES_RENDERING_STUCK_SECONDS = env.int("CERTIFICATES_RENDERING_STUCK_SECONDS", default=300)

# Retention of personal data (days), shown on the privacy page. Signed certificates and wipe records are
# kept as evidence of the donations; applications are kept for the campaign's follow-up.
RETENTION_UNCONFIRMED_ACCOUNT_DAYS = env.int("RETENTION_UNCONFIRMED_ACCOUNT_DAYS", default=30)
RETENTION_INACTIVE_ACCOUNT_DAYS = env.int("RETENTION_INACTIVE_ACCOUNT_DAYS", default=3 * 365)
RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS = env.int("RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS", default=365)
# The campaign team's address given to associations ("écrivez-nous"), until a campaign sets its own.
CAMPAIGN_CONTACT_EMAIL = env("CAMPAIGN_CONTACT_EMAIL", default="contact@dons-pc.example")
# Files chosen on a form that was refused (another field's error) are kept this long for the next try.
HELD_UPLOAD_HOURS = env.int("HELD_UPLOAD_HOURS", default=6)
# The stock import's temporary files (the upload kept for its preview, the CSV of refused rows) are deleted
# by the hourly sweep this long after they were written.
IMPORT_FILES_KEEP_HOURS = env.int("IMPORT_FILES_KEEP_HOURS", default=24)
PRIVACY_CONTACT_EMAIL = env("PRIVACY_CONTACT_EMAIL", default="donnees-personnelles@dons-pc.example")
# Whom the public verification page names when a certificate is unknown (possibly forged).
CERTIFICATES_CONTACT_EMAIL = env("CERTIFICATES_CONTACT_EMAIL", default="attestations@dons-pc.example")
# /verify/: per client address, the QR code pages and the typed lookups (numbers are sequential).
CERTIFICATES_VERIFY_RATE = env("RATE_LIMIT_CERTIFICATE_VERIFY", default="30/m")
CERTIFICATES_LOOKUP_RATE = env("RATE_LIMIT_CERTIFICATE_LOOKUP", default="10/m")
# Offers of computers sent from one address (/donate/): each one is a row for staff to examine and an email.
DONOR_OFFER_RATE = env("RATE_LIMIT_DONOR_OFFER", default="5/h")

# The REST API (api app): tokens per donor or stock partner, rate limited in the cache, bodies capped.
API_TOKEN_RATE = env("API_TOKEN_RATE", default="600/m")  # per token
API_ANON_RATE = env("API_ANON_RATE", default="120/m")  # per client address, public endpoints
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_UNITS = env.int("API_MAX_UNITS", default=1000)  # units or wipes per request
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiTokenThrottle", "api.throttling.ApiAnonThrottle"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API – Dons d'ordinateurs",
    "DESCRIPTION": (
        "Public : les campagnes et leurs chiffres. Jeton de donateur : ses engagements, ses lots et leur avancement. "
        "Jeton de partenaire de reconditionnement : les unités de ses lots et leurs effacements. "
        "Le jeton, créé par l'équipe dans l'administration, va dans l'en-tête « Authorization: Bearer dpc_… ». "
        'Listes paginées (?page=, ?page_size=). Erreurs : {"detail": …, "errors": [{"field", "message"}]}.\n\n'
        "Public: campaigns and their figures. Donor token: its pledges, lots and their progress. Stock partner "
        "token: the units of its lots and their wipes. Messages are in French; send the language cookie "
        "(django_language=en) for English."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ComputerStatusEnum": "inventory.models.ComputerStatus",
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
    },
}

if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down: a cache miss and a per-process counter, never an error (core/cache.py).
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="portal"),
            "OPTIONS": {"retry_seconds": env.float("CACHE_RETRY_SECONDS", default=5.0)},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

RATELIMIT_VIEW = "core.views.ratelimited"
# Every 429 answer says when to come back (core/middleware.py), in seconds.
RATE_LIMIT_RETRY_AFTER_SECONDS = env.int("RATE_LIMIT_RETRY_AFTER_SECONDS", default=60)
# Behind a reverse proxy (nginx, a load balancer), set TRUSTED_PROXY_COUNT to the number of proxies that
# append to X-Forwarded-For, so that rate limits count each client, not the proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "core.client_ip.client_ip"

# Content Security Policy (django-csp): every script and style comes from our own static files.
# Inline <script> is refused; inline styles stay allowed for the admin and the PDF templates.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
# Messages live in the session, not in a cookie of their own: some name the person's email address.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs: JSON lines in production (LOG_FORMAT=json), readable text in development (core/logging.py).
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.logging.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per request from RequestLogMiddleware; Django's own lines would repeat 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "portal.request": {"level": env("REQUEST_LOG_LEVEL", default="INFO")},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING too: same JSON lines
