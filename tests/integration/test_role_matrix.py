"""Every route of the app x every role (none, USER, OPERATOR, AUDITOR, ADMIN) against tests/role_table.py.

Requests carry dummy input (path parameters `dummy`, body `{}`), so "allowed" means only that no guard refused:
not 401/403 (the handler may well answer 404 or 422). A public route may still answer 401 for its own reason (the
refresh cookie), but never with a bearer challenge, which is how the guards refuse."""

from __future__ import annotations

import re

import pytest

from tests.role_table import PUBLIC, ROLE_TABLE, ROLES, SIGNED_IN

pytestmark = pytest.mark.integration
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def app_routes(app) -> set[tuple[str, str]]:
    return {(method, route.path) for route in app.routes for method in getattr(route, "methods", ())
            if method != "OPTIONS"}


def refused_by_guard(response) -> bool:
    bearer_challenge = response.headers.get("www-authenticate", "").lower().startswith("bearer")
    return response.status_code == 403 or (response.status_code == 401 and bearer_challenge)


def expected(access, role: str | None) -> int | None:
    """401/403 when the guard must refuse, None when it must let the caller through."""
    if access == PUBLIC:
        return None
    if role is None:
        return 401
    return None if access == SIGNED_IN or role in access else 403


async def test_every_route_has_a_row_and_every_row_a_route(platform):
    routes = app_routes(platform.app)
    assert sorted(routes - set(ROLE_TABLE)) == [], "routes without a row in tests/role_table.py"
    assert sorted(set(ROLE_TABLE) - routes) == [], "rows in tests/role_table.py for routes that do not exist"


async def test_every_route_answers_every_role_as_the_table_says(platform, auth):
    headers = {None: {}, **{role: await auth.headers(role) for role in ROLES}}
    failures = []
    for method, path in sorted(app_routes(platform.app) & set(ROLE_TABLE)):  # rows missing: the test above
        url = re.sub(r"\{[^}]+\}", "dummy", path)
        access = ROLE_TABLE[(method, path)]
        for role, role_headers in headers.items():
            body = {"json": {}} if method in WRITES else {}
            response = await platform.client.request(method, url, headers=role_headers, **body)
            want = expected(access, role)
            if want is None and (refused_by_guard(response) if access == PUBLIC
                                 else response.status_code in (401, 403)):
                failures.append(f"{method} {path} as {role}: refused with {response.status_code}")
            elif want is not None and response.status_code != want:
                failures.append(f"{method} {path} as {role}: {response.status_code}, expected {want}")
    assert failures == []
