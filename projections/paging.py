"""One page of a read model (SPEC "Lists"): `{items, total, page, limit}`, each item rendered by its read model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projections.base import Collection

Sort = Sequence[tuple[str, int]]


@dataclass(frozen=True)
class Paging:
    page: int
    limit: int

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.limit


async def page_of(coll: Collection, query: dict[str, Any], sort: Sort, paging: Paging,
                  render: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """One page of `query` in `sort` order (end the sort with a unique key so pages never overlap)."""
    total = await coll.count_documents(query)
    docs = await coll.find(query).sort(list(sort)).skip(paging.skip).limit(paging.limit).to_list()
    return {"items": [render(doc) for doc in docs], "total": total, "page": paging.page, "limit": paging.limit}
