"""`POST /conditions/preview`: how many users a rule would admit now over a period, with a sample and the
explanation of each, read from the `user_facts` read model (nothing is written)."""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from domain.promotion import check_period
from domain.stored_condition import read_condition
from gateway.controllers.base import BearerController
from gateway.docs import BODY, GUARDED, READ, WRITE, problem_responses
from gateway.guards import requires_operator
from gateway.promotion_schemas import PreviewIn
from gateway.readmodels import ReadModels
from gateway.resources.conditions import PreviewOut
from projections.eligibility import preview


class ConditionController(BearerController):
    path = "/conditions"
    tags = ["conditions"]

    @post("/preview", guards=[requires_operator], operation_id="preview_condition", status_code=200,
          summary="Count the users a condition admits over a period, with a sample (OPERATOR/ADMIN)",
          response_description="Eligible users and a sample",
          responses=problem_responses(*GUARDED, *BODY, *WRITE, *READ))
    async def preview_condition(self, data: JSONBody[PreviewIn], read_models: NamedDependency[ReadModels],
                                min_position: NamedDependency[int | None]) -> PreviewOut:
        condition = read_condition(data.condition, "/condition")  # a DomainError is a problem (gateway/problems.py)
        check_period(data.period_start, data.period_end)
        facts = await read_models.collection("user_facts", min_position)
        result = await preview(facts, condition, data.period_start, data.period_end, data.sample_size)
        return PreviewOut.model_validate(result.to_json())
