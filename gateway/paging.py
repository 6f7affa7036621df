"""Paged listings (SPEC "Lists"): `page` from 1, `limit` 1..100 (default 20); the page itself is the read model's
(projections/paging.py).

A dependency, so every listing declares the same two query parameters and a bad value is the same 400."""

from __future__ import annotations

from typing import Annotated, Final

from litestar.di import Provide
from litestar.params import QueryParameter

from projections.paging import Paging

MAX_LIMIT: Final = 100
MAX_PAGE: Final = 1_000_000
__all__ = ["PAGING", "Paging"]


async def provide_paging(
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="page number, from 1")] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="items per page, at most 100")] = 20,
) -> Paging:
    return Paging(page, limit)


PAGING: Final = {"paging": Provide(provide_paging)}
