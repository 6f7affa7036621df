"""One page of a read model (SPEC "Lists"): `{items, total, page, limit}`, each item rendered by its read model.

`total` is exact: folded by the projection where a filter's count grows with the whole collection
(projections/counts.py), else counted per request, with an aggregation `$count`, not `count_documents`: pymongo sends
`count_documents` as a `$group`/`$sum`, which the MongoDB stand-in evaluates in Python (~30 µs per matching
document, 58 ms at 5,000), while `[$match, $count]` runs as one SQL count (0.7 ms for an indexed equality at 5,000
documents, 1.5 ms at 20,000; a range over an indexed integer 1.7 ms at 5,000). Real MongoDB answers both the same;
tests/integration/test_mongo_compat.py checks the stand-in does.

Filters are written so the stand-in can answer them in SQL (`all_of`): conditions side by side in one document,
not under an explicit `$and`, which sends the whole query, sort and limit to its Python fallback (50 ms at 5,000
documents, however few are wanted). A `$or` is the exception: the stand-in ignores a field beside a top-level
`$or`, so a listing with an "either" filter asks for each side on its own (`page_of_union`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projections.base import Collection

Sort = Sequence[tuple[str, int]]
Query = dict[str, Any]
Render = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Paging:
    page: int
    limit: int

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.limit


def all_of(conditions: Sequence[Query]) -> Query:
    """The conditions together, side by side in one document (each names its own fields; `$or` is not allowed)."""
    query: Query = {}
    for condition in conditions:
        assert not query.keys() & condition.keys(), "a field filtered twice"
        assert "$or" not in condition, "ask for each side of an $or on its own (page_of_union)"
        query.update(condition)
    return query


async def count(coll: Collection, query: Query) -> int:
    """How many documents match `query`, counted by the store as one `$count` (see the module docstring)."""
    found = await (await coll.aggregate([{"$match": query}, {"$count": "n"}])).to_list()
    return int(found[0]["n"]) if found else 0  # MongoDB answers no document when nothing matched


async def page_of(coll: Collection, query: Query, sort: Sort, paging: Paging, render: Render,
                  total: Awaitable[int | None] | None = None) -> dict[str, Any]:
    """One page of `query` in `sort` order (end the sort with a unique key so pages never overlap). `total`, when
    given, reads the folded count of `query` (projections/counts.py) instead of counting, unless it answers None."""
    return await page_of_union(coll, [query], sort, paging, render, total)


async def page_of_union(coll: Collection, queries: Sequence[Query], sort: Sort, paging: Paging, render: Render,
                        total: Awaitable[int | None] | None = None) -> dict[str, Any]:
    """One page of the documents matching any of `queries`, which must be disjoint (no document matches two): each
    is read up to the end of the page, in `sort` order, and the reads are merged; the total is the sum of counts."""
    wanted = paging.skip + paging.limit
    if len(queries) == 1:  # the count and the page at once
        counting = count(coll, queries[0]) if total is None else total
        folded, docs = await asyncio.gather(
            counting, _sorted(coll, queries[0], sort).skip(paging.skip).limit(paging.limit).to_list())
        found = folded if folded is not None else await count(coll, queries[0])
    else:
        assert total is None, "a folded total counts one query"
        totals = await asyncio.gather(*(count(coll, query) for query in queries))
        heads = await asyncio.gather(*(_sorted(coll, query, sort).limit(wanted).to_list()
                                       for query, n in zip(queries, totals, strict=True) if n))
        found, docs = sum(totals), in_order([doc for head in heads for doc in head], sort)[paging.skip:wanted]
    return {"items": [render(doc) for doc in docs], "total": found, "page": paging.page, "limit": paging.limit}


def _sorted(coll: Collection, query: Query, sort: Sort) -> Any:
    return coll.find(query).sort(list(sort))


def in_order(docs: list[dict[str, Any]], sort: Sort) -> list[dict[str, Any]]:
    """`docs` in `sort` order, as the store sorts them (every sort key present in every document)."""
    for field, direction in reversed(sort):  # stable sorts, least significant key first
        docs = sorted(docs, key=lambda doc: doc[field], reverse=direction < 0)
    return docs
