from tests.complaints.conftest import persona, register  # noqa: F401
