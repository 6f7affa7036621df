"""Login, refresh-token rotation with theft detection, logout, /auth/me, and role changes reaching tokens."""

from __future__ import annotations

import asyncio

import jwt
import pytest

from tests.integration.conftest import PASSWORD, refresh_cookie_of

pytestmark = pytest.mark.integration


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


async def refresh(platform, token: str):
    return await platform.client.post("/auth/refresh", headers={"Cookie": f"refresh_token={token}"})


async def test_login_right_after_registration_answers_token_user_and_cookie_only(platform):
    registered = await platform.client.post("/auth/users", json={"email": "Fresh@Example.com", "password": PASSWORD})
    login = await platform.client.post("/auth/login", json={"email": "fresh@EXAMPLE.com", "password": PASSWORD})
    assert login.status_code == 200, login.text
    body = login.json()
    assert set(body) == {"accessToken", "tokenType", "expiresIn", "user"}
    assert body["tokenType"] == "Bearer" and body["expiresIn"] == 900
    user = body["user"]
    assert user["id"] == registered.json()["id"] and user["roles"] == ["USER"] and user["lastLoginAt"]
    assert set(user) == {"id", "email", "roles", "createdAt", "lastLoginAt"}
    cookie = login.headers["set-cookie"]
    token = refresh_cookie_of(login)
    assert cookie.startswith(f"refresh_token={token}; ") and token not in login.text
    assert {"HttpOnly", "SameSite=Strict", "Path=/auth", "Secure"} <= {p.strip() for p in cookie.split(";")}
    assert login.headers["cache-control"] == "no-store" and int(login.headers["Ledger-Position"]) >= 2
    header, payload = jwt.get_unverified_header(body["accessToken"]), claims(body["accessToken"])
    assert header["alg"] == "EdDSA" and header["kid"] and header["typ"] == "at+jwt"
    assert payload["sub"] == user["id"] and payload["roles"] == ["USER"] and payload["exp"] - payload["iat"] == 900
    assert {"iss", "aud", "nbf"} <= set(payload)


async def test_cookie_secure_flag_can_be_turned_off_for_plain_http(platform, auth, monkeypatch):
    services = platform.app.state.auth
    monkeypatch.setattr(services, "settings", type(services.settings)(cookie_secure=False))
    user = await auth.user()
    response = await refresh(platform, user.refresh_token)
    assert "Secure" not in response.headers["set-cookie"]


async def test_me_reads_the_users_read_model_of_the_caller(platform, auth):
    user = await auth.user("OPERATOR")
    login = await platform.client.post("/auth/login", json={"email": user.email, "password": user.password})
    me = await platform.client.get(f"/auth/me?minPosition={login.headers['Ledger-Position']}", headers=user.headers)
    assert me.status_code == 200
    assert me.json() == {**login.json()["user"]}
    assert (await platform.client.get("/auth/me")).status_code == 401


async def test_refresh_rotates_the_cookie_and_the_old_one_stops_working(platform, auth):
    user = await auth.user()
    first = await refresh(platform, user.refresh_token)
    assert first.status_code == 200, first.text
    newer = refresh_cookie_of(first)
    assert newer != user.refresh_token and first.json()["tokenType"] == "Bearer"
    second = await refresh(platform, newer)
    assert second.status_code == 200
    assert claims(second.json()["accessToken"])["sub"] == user.id


async def test_reusing_a_rotated_token_revokes_the_whole_family(platform, auth):
    user = await auth.user()
    rotated = await refresh(platform, user.refresh_token)
    newest = refresh_cookie_of(rotated)
    reuse = await refresh(platform, user.refresh_token)  # the thief (or the victim) presents the old one
    assert reuse.status_code == 401
    assert reuse.headers["content-type"].startswith("application/problem+json")
    assert "refresh_token=;" in reuse.headers["set-cookie"] and "Max-Age=0" in reuse.headers["set-cookie"]
    assert (await refresh(platform, newest)).status_code == 401  # the newest token of that family is dead too
    other_session = await platform.client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert (await refresh(platform, refresh_cookie_of(other_session))).status_code == 200  # other families live


async def test_two_refreshes_with_one_token_at_once_succeed_at_most_once(platform, auth):
    for _ in range(3):
        user = await auth.user()
        responses = await asyncio.gather(*(refresh(platform, user.refresh_token) for _ in range(4)))
        assert sum(r.status_code == 200 for r in responses) <= 1
        assert all(r.status_code in (200, 401) for r in responses)


async def test_logout_revokes_the_session_and_clears_the_cookie(platform, auth):
    user = await auth.user()
    rotated = refresh_cookie_of(await refresh(platform, user.refresh_token))
    out = await platform.client.post("/auth/logout", headers={"Cookie": f"refresh_token={rotated}"})
    assert out.status_code == 204
    assert "refresh_token=;" in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    assert (await refresh(platform, rotated)).status_code == 401
    assert (await platform.client.post("/auth/logout")).status_code == 204  # no cookie: nothing to do
    assert (await platform.client.post("/auth/refresh")).status_code == 401


async def test_admin_changes_roles_and_the_next_refresh_carries_them(platform, auth):
    admin, target = await auth.user("ADMIN"), await auth.user()
    patched = await platform.client.patch(f"/auth/users/{target.id}/roles", json={"roles": ["OPERATOR", "USER"]},
                                          headers=admin.headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["roles"] == ["OPERATOR", "USER"] and patched.json()["id"] == target.id
    assert claims(target.token)["roles"] == ["USER"]  # the old token keeps its roles until it expires
    refreshed = await refresh(platform, target.refresh_token)
    assert claims(refreshed.json()["accessToken"])["roles"] == ["OPERATOR", "USER"]
    put = await platform.client.put(f"/auth/users/{target.id}/roles", json={"roles": ["AUDITOR"]},
                                    headers=admin.headers)
    assert put.status_code == 200 and put.json()["roles"] == ["AUDITOR"]
    fetched = await platform.client.get(f"/auth/users/{target.id}?minPosition={put.headers['Ledger-Position']}",
                                        headers=admin.headers)
    assert fetched.status_code == 200 and fetched.json()["roles"] == ["AUDITOR"]
    by_email = await platform.client.get("/auth/users/email", params={"email": target.email.upper()},
                                         headers=admin.headers)
    assert by_email.status_code == 200 and by_email.json()["id"] == target.id


async def test_only_an_admin_changes_roles(platform, auth):
    operator, target = await auth.user("OPERATOR"), await auth.user()
    refused = await platform.client.patch(f"/auth/users/{target.id}/roles", json={"roles": ["ADMIN"]},
                                          headers=operator.headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    self_promotion = await platform.client.put(f"/auth/users/{target.id}/roles", json={"roles": ["ADMIN"]},
                                               headers=target.headers)
    assert self_promotion.status_code == 403


@pytest.mark.parametrize(("body", "status", "path"), [
    ({"roles": []}, 422, "/roles"),
    ({"roles": ["WIZARD"]}, 422, "/roles/0"),
    ({"roles": "ADMIN"}, 422, "/roles"),
    ({}, 422, "/roles"),
])
async def test_bad_role_changes_are_422_with_a_path(platform, auth, body, status, path):
    admin, target = await auth.user("ADMIN"), await auth.user()
    response = await platform.client.patch(f"/auth/users/{target.id}/roles", json=body, headers=admin.headers)
    assert response.status_code == status, response.text
    assert path in [e["path"] for e in response.json()["errors"]]


async def test_role_change_of_unknown_user_is_404_and_an_admin_keeps_its_own_admin_role(platform, auth):
    admin = await auth.user("ADMIN")
    unknown = await platform.client.patch("/auth/users/nobody/roles", json={"roles": ["USER"]}, headers=admin.headers)
    assert unknown.status_code == 404
    demote_self = await platform.client.patch(f"/auth/users/{admin.id}/roles", json={"roles": ["USER"]},
                                              headers=admin.headers)
    assert demote_self.status_code == 409
    assert (await platform.client.get("/auth/users/nobody", headers=admin.headers)).status_code == 404


async def test_role_change_with_idempotency_key_is_applied_once(platform, auth):
    admin, target = await auth.user("ADMIN"), await auth.user()
    headers = {**admin.headers, "Idempotency-Key": "roles-1"}
    first = await platform.client.patch(f"/auth/users/{target.id}/roles", json={"roles": ["OPERATOR"]},
                                        headers=headers)
    again = await platform.client.patch(f"/auth/users/{target.id}/roles", json={"roles": ["OPERATOR"]},
                                        headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()


async def test_idempotency_keys_of_cookie_sessions_never_cross_sessions(platform, auth):
    alice, bob = await auth.user(), await auth.user()
    key = {"Idempotency-Key": "same-key"}
    first = await platform.client.post("/auth/refresh", headers={"Cookie": f"refresh_token={alice.refresh_token}",
                                                                 **key})
    retry = await platform.client.post("/auth/refresh", headers={"Cookie": f"refresh_token={alice.refresh_token}",
                                                                 **key})
    # Answers carrying tokens are never stored (SPEC), so the retry is a second use of the rotated token.
    assert first.status_code == 200 and retry.status_code == 401
    assert "Idempotent-Replayed" not in retry.headers
    other = await platform.client.post("/auth/refresh", headers={"Cookie": f"refresh_token={bob.refresh_token}",
                                                                 **key})
    assert other.status_code == 200 and "Idempotent-Replayed" not in other.headers
    assert claims(other.json()["accessToken"])["sub"] == bob.id


async def test_the_auth_routes_are_documented_with_their_problems(platform):
    schema = (await platform.client.get("/docs/openapi.json")).json()
    login = schema["paths"]["/auth/login"]["post"]
    assert login["operationId"] == "log_in"
    assert "application/problem+json" in login["responses"]["429"]["content"]
    assert login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("TokenOut")
    for path, method in [("/auth/refresh", "post"), ("/auth/logout", "post"), ("/auth/me", "get"),
                         ("/auth/users/email", "get"), ("/auth/users/{id}", "get"),
                         ("/auth/users/{id}/roles", "patch"), ("/auth/users/{id}/roles", "put")]:
        assert schema["paths"][path][method]["operationId"], (path, method)
    assert schema["paths"]["/auth/me"]["get"]["security"] == [{"bearer": []}]
