"""Shared fixtures: the demo tree and named personas on it.

Personas (see sampledata/organisation.py for the tree):
- tianhe_handler: handler at 天河支公司 (GDGZTH), under 广州中心支公司
- gz_handler: handler at 广州中心支公司 (GDGZ)
- gz_manager: manager at 广州中心支公司 (GDGZ)
- gd_manager: manager at 广东分公司 (GD)
- gd_reviewer: reviewer at 广东分公司 (GD)
- xihu_handler: handler at 西湖支公司 (ZJHZXH), a sibling province's branch
- senior: senior manager at head office
- ho_compliance: compliance officer at head office
- zj_viewer: viewer at 浙江分公司 (ZJ)
- outsider: staff account with no membership
"""

from __future__ import annotations

import copy
import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from organisations.models import Institution, Membership
from organisations.services import institution_create, membership_grant
from sampledata.organisation import TREE
from tests.factories import UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# made by fixtures in that thread are safe (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests (test_*_property.py): few examples each, so they add seconds,
# not minutes, on two cores; no example database written into the checkout;
# CI runs the same examples every time ("ci" is derandomized). A longer hunt:
# HYPOTHESIS_PROFILE=deep.
_HYPOTHESIS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
    ],
}
hypothesis_settings.register_profile("dev", max_examples=20, **_HYPOTHESIS)
hypothesis_settings.register_profile(
    "ci", max_examples=20, derandomize=True, **_HYPOTHESIS
)
hypothesis_settings.register_profile("deep", max_examples=500, **_HYPOTHESIS)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
) -> None:
    """One PostgreSQL test database per pytest process, so runs side by side
    (several developers, CI steps) never drop each other's database."""
    from django.conf import settings

    for alias in settings.DATABASES.values():
        if alias["ENGINE"].endswith("postgresql"):
            alias.setdefault("TEST", {})["NAME"] = f"test_{alias['NAME']}_{os.getpid()}"
    # A second connection to the same test database, as DATABASE_REPLICA_URL
    # would give. Only the replica tests (tests/test_replica.py,
    # tests/reporting/test_replica_reads.py) install the router and read
    # through it; pyproject sets DATABASE_REPLICA_URL empty, so by default no
    # router is installed and nothing touches this alias.
    replica = copy.deepcopy(settings.DATABASES["default"])
    replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": "default"}
    settings.DATABASES.setdefault("replica", replica)


# MEDIA_ROOT when DJANGO_MEDIA_ROOT is unset (config/settings.py).
CHECKOUT_MEDIA = Path(__file__).resolve().parents[1] / "media"

# Data migrations whose rows every test may rely on (code lists, calendar, root causes).
SEED_MIGRATIONS = [
    "complaints.migrations.0002_initial_code_lists",
    "complaints.migrations.0003_seed_calendar",
    "complaints.migrations.0020_code_synonyms",
    "reporting.migrations.0002_initial_root_causes",
    "reporting.migrations.0005_initial_regulator_lines",
]


def _uses_transactions(request: Any) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


def _load_reference_data() -> None:
    ContentType.objects.clear_cache()  # the flush recreated content types
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).load(django_apps, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: Any, nextitem: Any) -> Any:
    """After a transactional test's flush, put the reference rows back at once:
    under pytest-xdist a worker runs its files in the order given, so ordinary
    tests can follow a transactional one (pytest-django's "transactional
    last" holds only within one process's own ordering)."""
    yield
    if nextitem is None:  # the session's end: the test database is gone
        return
    marker = item.get_closest_marker("django_db")
    transactional = (marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )
    if not transactional:
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        _load_reference_data()


@pytest.fixture(autouse=True)
def _reference_data(request: Any) -> None:
    """A transactional test ends with a flush that also empties the tables the data
    migrations filled; put those rows back (idempotent) before each such test."""
    if not _uses_transactions(request):
        return
    request.getfixturevalue("transactional_db")
    ContentType.objects.clear_cache()  # the flush recreated content types
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).load(django_apps, None)


@pytest.fixture(autouse=True)
def _english_by_default(settings: Any) -> None:
    """Tests assert on message constants in English; the product's default
    (zh-hans) and its Chinese text are asserted by tests that ask for Chinese
    (Accept-Language, the browser's zh-CN locale, translation.override)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # Tests run without collectstatic; the manifest storage would 500 every page.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_outside_the_checkout(settings: Any, request: Any) -> None:
    """Attachments and import uploads never land in the checkout's media/
    (a test or module that chose its own MEDIA_ROOT keeps it)."""
    if Path(settings.MEDIA_ROOT) == CHECKOUT_MEDIA:
        settings.MEDIA_ROOT = request.getfixturevalue("tmp_path") / "media"


@pytest.fixture
def tree(db: Any) -> dict[str, Institution]:
    nodes: dict[str, Institution] = {}
    for code, name, level, parent_code, region in TREE:
        nodes[code] = institution_create(
            code=code,
            name=name,
            level=level,
            parent=nodes[parent_code] if parent_code else None,
            region=region,
        )
    return nodes


@pytest.fixture
def make_member(tree: dict[str, Institution]) -> Callable[..., Any]:
    def make(username: str, role: str, code: str, **fields: Any) -> Any:
        user = UserFactory(username=username, **fields)
        membership_grant(user=user, institution=tree[code], role=role)
        return user

    return make


R = Membership.Role


@pytest.fixture
def tianhe_handler(make_member: Callable[..., Any]) -> Any:
    return make_member("tianhe_handler", R.HANDLER, "GDGZTH")


@pytest.fixture
def gz_handler(make_member: Callable[..., Any]) -> Any:
    return make_member("gz_handler", R.HANDLER, "GDGZ")


@pytest.fixture
def gz_manager(make_member: Callable[..., Any]) -> Any:
    return make_member("gz_manager", R.MANAGER, "GDGZ")


@pytest.fixture
def gd_manager(make_member: Callable[..., Any]) -> Any:
    return make_member("gd_manager", R.MANAGER, "GD")


@pytest.fixture
def gd_reviewer(make_member: Callable[..., Any]) -> Any:
    return make_member("gd_reviewer", R.REVIEWER, "GD")


@pytest.fixture
def xihu_handler(make_member: Callable[..., Any]) -> Any:
    return make_member("xihu_handler", R.HANDLER, "ZJHZXH")


@pytest.fixture
def senior(make_member: Callable[..., Any]) -> Any:
    return make_member("senior", R.SENIOR_MANAGER, "HO")


@pytest.fixture
def ho_compliance(make_member: Callable[..., Any]) -> Any:
    return make_member("ho_compliance", R.COMPLIANCE, "HO")


@pytest.fixture
def zj_viewer(make_member: Callable[..., Any]) -> Any:
    return make_member("zj_viewer", R.VIEWER, "ZJ")


@pytest.fixture
def outsider(db: Any) -> Any:
    return UserFactory(username="outsider")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: the header's counts and saved views
    are kept there per user id, and ids repeat from test to test."""
    from django.core.cache import cache

    cache.clear()
