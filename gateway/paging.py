"""Paged listings (SPEC "Lists"): `{items, total, page, limit}`, `page` from 1, `limit` 1..100 (default 20).

A dependency, so every listing declares the same two query parameters and a bad value is the same 400."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final

from litestar.di import Provide
from litestar.params import QueryParameter

from projections.base import Collection

MAX_LIMIT: Final = 100
MAX_PAGE: Final = 1_000_000


@dataclass(frozen=True)
class Paging:
    page: int
    limit: int

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.limit


async def provide_paging(
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="page number, from 1")] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="items per page, at most 100")] = 20,
) -> Paging:
    return Paging(page, limit)


PAGING: Final = {"paging": Provide(provide_paging)}


async def page_of(coll: Collection, query: dict[str, Any], sort: Sequence[tuple[str, int]], paging: Paging,
                  view: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """One page of `query` in `sort` order (end the sort with a unique key so pages never overlap)."""
    total = await coll.count_documents(query)
    docs = await coll.find(query).sort(list(sort)).skip(paging.skip).limit(paging.limit).to_list()
    return {"items": [view(doc) for doc in docs], "total": total, "page": paging.page, "limit": paging.limit}
