"""Typed answers of the routes: a command's reply validated into its resource's response model (so the wire is what
the document says) with `Ledger-Position`, and the read side's 404."""

from __future__ import annotations

from typing import TypeVar

from litestar import Response
from pydantic import BaseModel

from commands.messages import CommandReply
from gateway.bus import position_headers
from gateway.problems import NotFound

M = TypeVar("M", bound=BaseModel)


def written(model: type[M], reply: CommandReply, status: int = 200) -> Response[M]:
    return Response(model.model_validate(reply.result or {}), status_code=status,
                    headers=position_headers(reply.position))


def not_found(what: str, min_position: int | None) -> NotFound:
    """404 for a read; without `minPosition` the thing may just not be folded yet, and the detail says how to wait."""
    return NotFound(f"{what} not found" + ("" if min_position else "; pass ?minPosition= to read your own writes"))
