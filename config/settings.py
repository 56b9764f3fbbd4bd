"""Settings for the complaint back office, read from the environment.

SQLite is the zero-setup default; production sets DATABASE_URL to PostgreSQL.
Every variable is listed in .env.example.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

# --- Core -------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# Commands that never sign or serve anything run on a fresh checkout without a key
# (e.g. `manage.py makemigrations --check`); everything else needs one.
_OFFLINE_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}
if not SECRET_KEY:
    offline = len(sys.argv) > 1 and sys.argv[1] in _OFFLINE_COMMANDS
    if not (DEBUG or offline):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is not true."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The stock admin with a two-factor-aware login (organisations.admin_site).
    "organisations.admin_config.ComplaintAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "import_export",
    "django_fsm",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "organisations",
    "complaints",
    "reporting",
    "intake",
    "insight",
    "sampledata",
]

MIDDLEWARE = [
    # First: a request that writes (or POSTs) reads the primary to its end.
    "config.routers.PinPrimaryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "organisations.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "organisations.middleware.TwoFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
# A read replica of the primary for the dashboards and the regulator's workbook
# (config/routers.py): every write, and every other read, stays on `default`.
# Lower case: not a setting, so the debug page never shows its password.
_replica_url = env.str("DATABASE_REPLICA_URL", default="")
if _replica_url:
    DATABASES["replica"] = env.db_url_config(_replica_url)
    # Tests have no replica: the alias reads the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        # Serialise writers instead of failing with "database is locked"
        # mid-transaction.
        _db.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    else:
        _db["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
        # Session settings for PostgreSQL (BENCHMARKS.md, a million complaints):
        # - jit=off: the reporting queries cost more than jit_above_cost, and
        #   compiling them took 1.6 s of the regulator workbook's 2.6 s query;
        # - work_mem=16MB: with the default 4 MB the planner expects a lossy
        #   bitmap and reads the whole table for a quarter's figures (450 ms
        #   instead of 100 ms), and the dashboards' sorts spill to disk;
        # - random_page_cost=1.1 (SSD storage, PostgreSQL's own advice for it):
        #   with the default 4 the planner read all million complaints for a
        #   quarter's figures instead of the 82,000 its indexes point to
        #   (1.48 s instead of 0.56 s for the compliance dashboard's query).
        _session = env.str(
            "DATABASE_SESSION_OPTIONS",
            default="-c jit=off -c work_mem=16MB -c random_page_cost=1.1",
        )
        if _session:  # empty behind a pooler that refuses startup options
            _db.setdefault("OPTIONS", {}).setdefault("options", _session)

# --- Authentication and permissions ------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username+address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's model permissions, read in one query instead of two.
    "organisations.backends.ModelPermissionBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian "AnonymousUser" row in auth_user: anonymous visitors get nothing.
ANONYMOUS_USER_NAME = None
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("DJANGO_PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "organisations.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
]
LOGIN_URL = "admin:login"
# Where a sign-in lands when its `next` is refused (another host, a scheme):
# the workbench, not Django's default /accounts/profile/ (a 404 here).
LOGIN_REDIRECT_URL = "admin:index"

# Login throttling (django-axes): failures are counted per username and address
# together, so one attacker cannot lock a colleague out from elsewhere.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "organisations.admin_site.lockout_response"
# The same reading of X-Forwarded-For as the intake API (INTAKE_TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "config.security.login_client_address"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
AXES_VERBOSE = False  # no banner on every command; lockouts are still logged

# Two-factor sign-in (django-otp, TOTP): optional per user unless forced for staff.
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Complaint desk")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# A sub-branch may hang directly under head office only where the insurer says so.
INSTITUTION_ALLOW_LEVEL_SKIP = env.bool("INSTITUTION_ALLOW_LEVEL_SKIP", default=False)

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Attachments are evidence: kept outside STATIC and served only by a
# permission-checked view, never by a public media URL.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# django-import-export keeps an upload between its preview and confirmation
# requests: in the shared media storage, not in one app server's /tmp.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("DJANGO_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="complaints@localhost"
)
# Well under send_notifications' 10-minute stale-claim window, so a hung SMTP
# server cannot make two workers send the same notice.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)

# --- Security (production defaults; DEBUG relaxes them for local work) ------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
# Absolute session lifetime from login, and the idle time after which a session
# ends (organisations.middleware.SessionTimeoutMiddleware).
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_IDLE_TIMEOUT = env.int("DJANGO_SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script or style anywhere: templates load static files only
# (config.security.SecurityHeadersMiddleware sends these two headers).
# An empty variable keeps the default: a header is never switched off by accident.
CONTENT_SECURITY_POLICY = env.str("DJANGO_CONTENT_SECURITY_POLICY", default="") or (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = env.str("DJANGO_PERMISSIONS_POLICY", default="") or (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
)

# --- History ----------------------------------------------------------------
# Reverting a version would write a protected FSM status around the lifecycle;
# the admin also refuses the POST (see complaints.admin).
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every step of every letter's PDF at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}

# --- Complaint handling -------------------------------------------------------
# Stricter internal target beside the legal deadline (receipt day counted as day 1,
# no roll-forward; DOMAIN.md §4); alerts go by the earlier of the two.
COMPLAINT_INTERNAL_TARGET = env.bool("COMPLAINT_INTERNAL_TARGET", default=True)
# Possible duplicates are looked for among complaints received this many days back.
COMPLAINT_DUPLICATE_LOOKBACK_DAYS = env.int(
    "COMPLAINT_DUPLICATE_LOOKBACK_DAYS", default=365
)
COMPLAINT_ATTACHMENT_MAX_MB = env.int("COMPLAINT_ATTACHMENT_MAX_MB", default=20)
# The largest spreadsheet an import accepts.
# Import limits (complaints.exchange.spreadsheets; README "Spreadsheets"): a file past
# one is refused before it is parsed, or as soon as reading reaches the limit.
COMPLAINT_IMPORT_MAX_MB = env.int("COMPLAINT_IMPORT_MAX_MB", default=10)
COMPLAINT_IMPORT_MAX_UNPACKED_MB = env.int(
    "COMPLAINT_IMPORT_MAX_UNPACKED_MB", default=200
)
COMPLAINT_IMPORT_MAX_ROWS = env.int("COMPLAINT_IMPORT_MAX_ROWS", default=50_000)
COMPLAINT_IMPORT_MAX_CELL_CHARS = env.int(
    "COMPLAINT_IMPORT_MAX_CELL_CHARS", default=10_000
)
# A file of more data rows than this is read, checked and imported by the task
# worker (`manage.py db_worker`), with its progress on the import's page.
COMPLAINT_IMPORT_INLINE_ROWS = env.int("COMPLAINT_IMPORT_INLINE_ROWS", default=1_000)

# Where export_regulator_statistics writes its workbooks (without --output).
COMPLAINT_REPORTS_DIR = env.path("DJANGO_REPORTS_DIR", default=BASE_DIR / "reports")
# Where backup_data writes (README "Backups"): outside the checkout in
# production, on another disk or mounted store.
COMPLAINT_BACKUP_DIR = env.path("DJANGO_BACKUP_DIR", default=BASE_DIR / "backups")

# Background tasks (django-tasks): the queue is a table of this database, so the
# worker needs no other service (README "Background tasks").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
COMPLAINT_ATTACHMENT_EXTENSIONS = env.list(
    "COMPLAINT_ATTACHMENT_EXTENSIONS",
    default=[
        ".pdf",
        ".jpg",
        ".jpeg",
        ".png",
        ".docx",
        ".xlsx",
        ".txt",
        ".eml",
        ".mp3",
        ".wav",
        ".m4a",
        ".zip",
    ],
)
# SMS gateway for notices: a dotted path to a class with send(phone, text).
COMPLAINT_SMS_BACKEND = env.str(
    "COMPLAINT_SMS_BACKEND", default="complaints.messaging.sms.LoggingSmsBackend"
)
# Years a closed complaint keeps its personal data before `anonymise_expired`
# replaces it. DOMAIN.md §6: "default 5 years from closure (?)", the period
# the Measures require is unconfirmed, so it is a setting.
COMPLAINT_RETENTION_YEARS = env.int("COMPLAINT_RETENTION_YEARS", default=5)
# The satisfaction callback (回访, DOMAIN.md §5) is due this many working days
# after a case closes; the deadline sweep reminds the handler from that day.
# The rules set no period: 5 is the product's default; 0 schedules none.
COMPLAINT_CALLBACK_WORKING_DAYS = env.int("COMPLAINT_CALLBACK_WORKING_DAYS", default=5)
# The regulator's normalised rates (reporting.basis; DOMAIN.md §7): what kind
# of insurer this is (property, life, health: 万人次 is published for life and
# health insurers only), which premium (original: 原保险保费收入, scale: 规模保费)
# and which policy count (new: written in the period, in_force: at its end)
# the rates divide by. The regulator does not publish its choice: set yours.
COMPLAINT_INSURER_TYPE = env.str("COMPLAINT_INSURER_TYPE", default="property")

# Where the dashboards and the workbook read their additive figures: the KPI
# rollup (reporting.rollup, kept current at every write) or the complaints.
# Off: at a million complaints the day-grained rollup read slower than the
# complaints (BENCHMARKS.md, 2026-12-04). The rollup is kept either way, so
# turning it on needs no rebuild.
REPORTING_KPI_ROLLUP = env.bool("REPORTING_KPI_ROLLUP", default=False)
# Statements PREPAREd once per database session (config.prepared: the KPI
# ledger's INSERT, the case page's file): off behind a pooler that does not
# keep sessions. REPORTING_LEDGER_PREPARED is its earlier name.
DATABASE_PREPARED_STATEMENTS = env.bool(
    "DATABASE_PREPARED_STATEMENTS",
    default=env.bool("REPORTING_LEDGER_PREPARED", default=True),
)

# Complaint rings (insight.rings, issue 18 point 6): how far back a search reads and
# how many tied complaints make a ring. Our choice, not a regulation.
INSIGHT_RING_WINDOW_DAYS = env.int("INSIGHT_RING_WINDOW_DAYS", default=365)
INSIGHT_RING_MIN_SIZE = env.int("INSIGHT_RING_MIN_SIZE", default=3)
# Escalation risk (insight.escalation) at or above which a complaint is listed on
# the managers' landing page; our choice.
INSIGHT_ESCALATION_ALERT = env.float("INSIGHT_ESCALATION_ALERT", default=0.7)
COMPLAINT_PREMIUM_BASIS = env.str("COMPLAINT_PREMIUM_BASIS", default="original")
COMPLAINT_POLICY_BASIS = env.str("COMPLAINT_POLICY_BASIS", default="new")

# --- Intake API ---------------------------------------------------------------
# Channel clients authenticate with their own tokens (intake.authentication);
# nothing else is accepted on /api/.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "intake.authentication.ChannelTokenAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "intake.parsers.SafeJSONParser",
        "intake.parsers.SafeMultiPartParser",
    ],
    "EXCEPTION_HANDLER": "intake.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Complaint intake API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The complainant's and the agent's document types share one list.
    "ENUM_NAME_OVERRIDES": {"IdTypeEnum": "complaints.models.Complaint.IdType"},
}
# Requests per minute per channel client, and the largest request body accepted.
INTAKE_RATE_LIMIT_PER_MINUTE = env.int("INTAKE_RATE_LIMIT_PER_MINUTE", default=120)
INTAKE_STATUS_LOOKUP_PER_MINUTE = env.int("INTAKE_STATUS_LOOKUP_PER_MINUTE", default=10)
# The status lookup's lockout per complaint number (intake.lookup_guard): free
# failures, then a lock doubling from the base up to the cap (seconds).
LOOKUP_FREE_FAILURES = env.int("LOOKUP_FREE_FAILURES", default=5)
LOOKUP_LOCK_SECONDS = env.int("LOOKUP_LOCK_SECONDS", default=60)
LOOKUP_LOCK_MAX_SECONDS = env.int("LOOKUP_LOCK_MAX_SECONDS", default=86_400)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int(
    "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440
)
# Proxies in front of the app whose X-Forwarded-For is trusted for the status
# lookup's per-address limit (0: use the socket address).
INTAKE_TRUSTED_PROXY_COUNT = env.int("INTAKE_TRUSTED_PROXY_COUNT", default=0)
# Mailbox read by `fetch_mail` for e-mail complaints (imaps://user:pass@host:993/INBOX).
INTAKE_IMAP_URL = env.str("INTAKE_IMAP_URL", default="")

# --- Insight: surge alerts, rectification effectiveness, branch comparison -------
# (issue 18 points 1, 2, 4; insight.surge, insight.effectiveness, insight.outliers)
# Weekly surge test: weeks of history, false discovery rate (Benjamini–Hochberg),
# least complaints in the week for an alert; the rates divide by policies or
# premium (on the COMPLAINT_*_BASIS above).
INSIGHT_SURGE_HISTORY_WEEKS = env.int("INSIGHT_SURGE_HISTORY_WEEKS", default=26)
INSIGHT_SURGE_FDR = env.float("INSIGHT_SURGE_FDR", default=0.05)
INSIGHT_SURGE_MIN_COUNT = env.int("INSIGHT_SURGE_MIN_COUNT", default=3)
INSIGHT_RATE_DENOMINATOR = env.str("INSIGHT_RATE_DENOMINATOR", default="policies")
# Rectification effectiveness: days before and after the completion compared,
# the test's level, and the due date of a rectification opened from an alert.
INSIGHT_RECTIFICATION_WINDOW_DAYS = env.int(
    "INSIGHT_RECTIFICATION_WINDOW_DAYS", default=90
)
INSIGHT_RECTIFICATION_ALPHA = env.float("INSIGHT_RECTIFICATION_ALPHA", default=0.05)
INSIGHT_RECTIFICATION_DUE_DAYS = env.int("INSIGHT_RECTIFICATION_DUE_DAYS", default=30)
# Branch comparison: days of decisions, least cases each side, false discovery rate.
INSIGHT_OUTLIER_DAYS = env.int("INSIGHT_OUTLIER_DAYS", default=365)
INSIGHT_OUTLIER_MIN_CASES = env.int("INSIGHT_OUTLIER_MIN_CASES", default=10)
INSIGHT_OUTLIER_FDR = env.float("INSIGHT_OUTLIER_FDR", default=0.05)
# Which day places a complaint in a week or window: "decided" (the cause is
# recorded with the decision) or "received" (if causes are coded at registration).
INSIGHT_SERIES_DATE = env.str("INSIGHT_SERIES_DATE", default="decided")
