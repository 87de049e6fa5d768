"""Budgets writes moto lacks: UpdateBudget, over moto's own stored budgets.

Faithful to AWS where it matters to awsdash: NewBudget *replaces* the stored budget, so a
field the client leaves out is gone (as on AWS, where an update without CostFilters wipes
them); notifications and subscribers are separate objects and survive; output-only fields
(CalculatedSpend, LastUpdatedTime, HealthStatus) are not taken from the request.
"""

from __future__ import annotations

from typing import Any

from moto.budgets.models import budgets_backends
from moto.core.utils import unix_time

OPERATIONS = {"UpdateBudget"}

OUTPUT_ONLY = ("CalculatedSpend", "LastUpdatedTime", "HealthStatus")


class BudgetsError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.status = 400
        self.code = code
        self.message = message


def _invalid(message: str) -> BudgetsError:
    return BudgetsError("InvalidParameterException", message)


def update_budget(request: Any, signing_account: str) -> dict[str, Any]:
    if not isinstance(request, dict):
        raise _invalid("request must be a JSON object")
    account = request.get("AccountId")
    new = request.get("NewBudget")
    if not isinstance(account, str) or not isinstance(new, dict):
        raise _invalid("AccountId and NewBudget are required")
    name = new.get("BudgetName")
    for field in ("BudgetName", "TimeUnit", "BudgetType"):
        if not isinstance(new.get(field), str):
            raise _invalid(f"NewBudget.{field} is required")
    if ("BudgetLimit" in new) == ("PlannedBudgetLimits" in new):
        raise _invalid("exactly one of BudgetLimit and PlannedBudgetLimits must be given")
    if ("CostFilters" in new or "CostTypes" in new) and ("FilterExpression" in new or "Metrics" in new):
        raise _invalid("CostFilters/CostTypes cannot be mixed with FilterExpression/Metrics")
    stored = budgets_backends[signing_account]["aws"].budgets[account]
    if name not in stored:
        raise BudgetsError(
            "NotFoundException",
            f"Unable to update budget: {name} - the budget doesn't exist.",
        )
    budget = {k: v for k, v in new.items() if k not in OUTPUT_ONLY}
    budget["LastUpdatedTime"] = unix_time()
    stored[name].budget = budget
    return {}
