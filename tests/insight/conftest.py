from tests.complaints.conftest import code, persona, register

__all__ = ["code", "persona", "register"]
