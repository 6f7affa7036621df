"""What each route answers, one response model per resource: the return annotations the OpenAPI document is
generated from, and the shape every answer is validated into before it is sent."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SerializerFunctionWrapHandler, model_serializer
from pydantic.alias_generators import to_camel

from gateway.schemas import Schema


class Sparse(Schema):
    """A response model whose `omitted_when_none` fields (optional, not required in the document) are left out of
    the answer when they have no value, rather than sent as null."""

    omitted_when_none: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        body: dict[str, Any] = handler(self)
        names = self.omitted_when_none | {to_camel(name) for name in self.omitted_when_none}
        return {key: value for key, value in body.items() if value is not None or key not in names}
