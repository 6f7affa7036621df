"""A user, and the login/refresh answer that carries one, as the API answers them."""

from __future__ import annotations

from pydantic import Field

from gateway.schemas import EXAMPLE_ID, EXAMPLE_TIME, Schema


class UserOut(Schema):
    id: str = Field(examples=[EXAMPLE_ID])
    email: str = Field(examples=["player@example.com"])
    roles: list[str] = Field(examples=[["USER"]])
    created_at: str | None = Field(examples=[EXAMPLE_TIME])
    last_login_at: str | None = Field(description="null until the first login", examples=[EXAMPLE_TIME])


class TokenOut(Schema):
    """Login and refresh answer; the refresh token travels only in the `refresh_token` cookie."""

    access_token: str = Field(description="EdDSA-signed JWT; send it as `Authorization: Bearer <token>`",
                              examples=["eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIzZjljIn0.c2lnbmF0dXJl"])
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(description="seconds until the access token expires", examples=[900])
    user: UserOut
