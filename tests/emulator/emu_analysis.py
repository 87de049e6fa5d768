"""The analysis APIs moto lacks, answered from the same fixture as Cost Explorer:
CE ListCostAllocationTags and GetCostComparisonDrivers, Cost Optimization Hub
ListRecommendations, and Billing GetCredits.

Fixture keys (all optional):
  "linked_account": true          the caller is a member account: cost allocation tags and
                                  credits are refused as AWS refuses them
  "cost_allocation_tags": [{"TagKey", "Type", "Status"}]
  "coh": {"enrolled": bool, "recommendations": [Recommendation as the API answers it]}
  "credits": [CreditData as the API answers it]
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import emu_ce
from emu_ce import CeError, dsum, fmt, parse_day, validation

CE_OPERATIONS = {"ListCostAllocationTags", "GetCostComparisonDrivers"}
LINKED_TAGS = (
    "Failed to list Cost Allocation Tags: Linked account doesn't have access to cost allocation tags."
)
NOT_ENROLLED = "AWS account is not enrolled for recommendations."
BILLING_NOT_ACTIVATED = "IAM user access not activated"
# Record types and the driver type GetCostComparisonDrivers names them by.
DRIVER_TYPES = {"Usage": "USAGE_CHANGE", "Credit": "CREDIT", "Refund": "REFUND", "Tax": "TAX", "Support fee": "SUPPORT_FEE"}


def _first_of_month(d: dt.date) -> bool:
    return d.day == 1


def _one_month(start: dt.date, end: dt.date) -> bool:
    return _first_of_month(start) and end == emu_ce._next_month(start)


def _period(req: dict[str, Any], name: str) -> tuple[dt.date, dt.date]:
    p = req.get(name)
    if not isinstance(p, dict):
        raise validation(f"{name} is required")
    start, end = parse_day(p.get("Start"), "Start"), parse_day(p.get("End"), "End")
    if not _one_month(start, end):
        raise validation(
            f"{name}: the interval must start and end on the first day of a month, with a duration of exactly one month"
        )
    return start, end


class CeExtras:
    def __init__(self, fixture: emu_ce.Fixture) -> None:
        self.f = fixture
        self.raw = fixture.raw

    def dispatch(self, op: str, req: dict[str, Any]) -> dict[str, Any]:
        if op == "ListCostAllocationTags":
            return self.list_cost_allocation_tags(req)
        return self.get_cost_comparison_drivers(req)

    def list_cost_allocation_tags(self, req: dict[str, Any]) -> dict[str, Any]:
        if self.raw.get("linked_account"):
            raise CeError("AccessDeniedException", LINKED_TAGS)
        tags = list(self.raw.get("cost_allocation_tags") or [])
        status = req.get("Status")
        if status:
            tags = [t for t in tags if t.get("Status") == status]
        return {"CostAllocationTags": tags}

    def get_cost_comparison_drivers(self, req: dict[str, Any]) -> dict[str, Any]:
        base = _period(req, "BaselineTimePeriod")
        comp = _period(req, "ComparisonTimePeriod")
        today = self.f.current_day()
        # AWS's own client refuses months that are not complete; so does the emulator.
        for start, end in (base, comp):
            if end > today.replace(day=1):
                raise validation("Comparison periods can only include complete months")
        metric = req.get("MetricForComparison")
        if not metric:
            raise validation("MetricForComparison is required")
        kind = emu_ce._metric_kind(metric)
        flt = req.get("Filter")
        if flt is not None:
            emu_ce.validate_expression(flt)

        def items(period: tuple[dt.date, dt.date]) -> list[emu_ce.Item]:
            return [i for i in self.f.items if period[0] <= i.date < period[1] and emu_ce.matches(flt, i)]

        def value(b: Decimal, c: Decimal) -> dict[str, Any]:
            return {
                "BaselineTimePeriodAmount": fmt(b),
                "ComparisonTimePeriodAmount": fmt(c),
                "Difference": fmt(c - b),
                "Unit": "USD",
            }

        before, after = items(base), items(comp)
        services = sorted({i.service for i in before + after})
        out = []
        for s in services:
            b_items = [i for i in before if i.service == s]
            c_items = [i for i in after if i.service == s]
            drivers = []
            for rt in sorted({i.record_type for i in b_items + c_items}):
                b = dsum(i.metric(kind) for i in b_items if i.record_type == rt)
                c = dsum(i.metric(kind) for i in c_items if i.record_type == rt)
                if b != c:
                    drivers.append({
                        "Type": DRIVER_TYPES.get(rt, rt.upper().replace(" ", "_")),
                        "Name": f"{s} {rt}",
                        "Metrics": {metric: value(b, c)},
                    })
            b = dsum(i.metric(kind) for i in b_items)
            c = dsum(i.metric(kind) for i in c_items)
            out.append({
                "CostSelector": {"Dimensions": {"Key": "SERVICE", "Values": [s]}},
                "Metrics": {metric: value(b, c)},
                "CostDrivers": drivers,
            })
        out.sort(key=lambda d: (-abs(Decimal(d["Metrics"][metric]["Difference"])), d["CostSelector"]["Dimensions"]["Values"][0]))
        size = req.get("MaxResults") or 10
        if not isinstance(size, int) or not 1 <= size <= 10:
            raise validation("MaxResults must be between 1 and 10")
        offset = emu_ce.read_token("GetCostComparisonDrivers", req)
        resp: dict[str, Any] = {"CostComparisonDrivers": out[offset : offset + size]}
        if offset + size < len(out):
            resp["NextPageToken"] = emu_ce.make_token("GetCostComparisonDrivers", req, offset + size)
        return resp


class CostOptimizationHub:
    def __init__(self, fixture: emu_ce.Fixture) -> None:
        self.coh = fixture.raw.get("coh") or {}

    def dispatch(self, op: str, req: dict[str, Any]) -> dict[str, Any]:
        if op == "ListRecommendations":
            if not self.coh.get("enrolled", False):
                raise CeError("AccessDeniedException", NOT_ENROLLED)
            items = list(self.coh.get("recommendations") or [])
            size = req.get("maxResults") or 100
            offset = int(req.get("nextToken") or 0)
            resp: dict[str, Any] = {"items": items[offset : offset + size]}
            if offset + size < len(items):
                resp["nextToken"] = str(offset + size)
            return resp
        if op == "GetPreferences":
            if not self.coh.get("enrolled", False):
                raise CeError("AccessDeniedException", NOT_ENROLLED)
            return {"savingsEstimationMode": "AfterDiscounts", "memberAccountDiscountVisibility": "All"}
        raise CeError("UnknownOperationException", f"Operation {op} is not implemented by the awsdash emulator")


class Billing:
    def __init__(self, fixture: emu_ce.Fixture) -> None:
        self.raw = fixture.raw
        self.today = fixture.current_day()

    def dispatch(self, op: str, req: dict[str, Any]) -> dict[str, Any]:
        if op != "GetCredits":
            raise CeError("UnknownOperationException", f"Operation {op} is not implemented by the awsdash emulator")
        if self.raw.get("linked_account"):
            raise CeError("AccessDeniedException", BILLING_NOT_ACTIVATED)
        if not isinstance(req.get("accountId"), str):
            raise validation("accountId is required")
        start = req.get("startDate")
        if not isinstance(start, (int, float)):
            raise validation("startDate is required")
        oldest = dt.datetime.combine(self.today - dt.timedelta(days=366), dt.time(), dt.timezone.utc).timestamp()
        if start < oldest:
            raise validation("startDate must be no more than 1 year ago")
        return {"credits": list(self.raw.get("credits") or [])}
