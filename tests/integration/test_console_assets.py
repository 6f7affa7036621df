"""The operator console is static files in the gateway's package, served at /console/ under a policy that allows
only its own scripts and styles and calls to this origin (no CDN, no inline code)."""

from __future__ import annotations

import re

import pytest

from gateway.edge import CONSOLE_POLICY

pytestmark = pytest.mark.integration


async def test_console_page_and_its_assets_are_served_with_the_console_policy(platform):
    page = await platform.client.get("/console/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONSOLE_POLICY
    assets = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', page.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets), page.text
    for asset in assets:
        answer = await platform.client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.headers["content-security-policy"] == CONSOLE_POLICY
    assert "http" not in " ".join(re.findall(r'(?:src|href)="([^"]+)"', page.text))  # nothing from elsewhere


async def test_an_unknown_console_file_is_404(platform):
    assert (await platform.client.get("/console/assets/nope.js")).status_code == 404
