"""Cost Explorer (AWSInsightsIndexService) computed from a seeded fixture.

Every amount is handled as ``decimal.Decimal``; floats never touch money.
See README.md next to this file for the fixture format and the forecast formula.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
from decimal import Decimal
from typing import Any

# Wide enough that sums of many 10-decimal amounts are exact.
DECIMAL_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)

DIMENSION_FIELDS = {
    "SERVICE": "service",
    "REGION": "region",
    "LINKED_ACCOUNT": "account",
    "RECORD_TYPE": "record_type",
    "USAGE_TYPE": "usage_type",
}

# Request metric name (both the CamelCase and the enum spelling) -> (canonical, kind)
COST_METRICS = ["UnblendedCost", "BlendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost"]
USAGE_METRICS = ["UsageQuantity", "NormalizedUsageAmount"]
FORECAST_METRICS = {
    "UNBLENDED_COST": "cost",
    "BLENDED_COST": "cost",
    "AMORTIZED_COST": "cost",
    "NET_UNBLENDED_COST": "cost",
    "NET_AMORTIZED_COST": "cost",
    "USAGE_QUANTITY": "usage",
    "NORMALIZED_USAGE_AMOUNT": "usage",
}
FORECAST_WINDOW_DAYS = 14
DEFAULT_PAGE_SIZE = 100
TOO_MANY_ROOTS = (
    "Expression has more than one roots. Only one root operator is allowed for each "
    "expression: And, Or, Not, Dimensions, Tags, CostCategories"
)
EXPRESSION_ROOTS = ["And", "Or", "Not", "Dimensions", "Tags", "CostCategories", "ProductAttributes"]


class CeError(Exception):
    """An AWS error answer: HTTP status, ``__type`` code and message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def validation(message: str) -> CeError:
    return CeError("ValidationException", message)


def _metric_kind(name: str) -> str:
    key = name.replace("_", "").lower()
    for m in COST_METRICS:
        if m.lower() == key:
            return "cost"
    for m in USAGE_METRICS:
        if m.lower() == key:
            return "usage"
    raise validation(f"Invalid metric: {name}")


def dsum(values: Any) -> Decimal:
    total = Decimal(0)
    for v in values:
        total = DECIMAL_CONTEXT.add(total, v)
    return total


def fmt(d: Decimal) -> str:
    """Plain decimal string, no exponent, no superfluous trailing zeros."""
    if d == 0:
        return "0"
    text = format(d.normalize(DECIMAL_CONTEXT), "f")
    return text


def parse_day(value: Any, what: str) -> dt.date:
    """Strict yyyy-MM-dd."""
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise validation(f"{what} '{value}' is not a valid date in the format yyyy-MM-dd") from None


# --------------------------------------------------------------------------- fixture


class Item:
    __slots__ = ("date", "service", "region", "account", "record_type", "usage_type", "tags", "amount", "usage")

    def __init__(self, raw: dict[str, Any]) -> None:
        self.date = dt.date.fromisoformat(raw["date"])
        self.service = str(raw.get("service", ""))
        self.region = str(raw.get("region", ""))
        self.account = str(raw.get("account", ""))
        self.record_type = str(raw.get("record_type", "Usage"))
        self.usage_type = str(raw.get("usage_type", ""))
        tags = raw.get("tags") or {}
        if not isinstance(tags, dict):
            raise ValueError("tags must be an object")
        self.tags = {str(k): str(v) for k, v in tags.items()}
        self.amount = Decimal(str(raw["amount"]))
        self.usage = Decimal(str(raw.get("usage", "0")))
        if not self.amount.is_finite() or not self.usage.is_finite():
            raise ValueError("amount/usage must be finite decimals")

    def dimension(self, key: str) -> str:
        return getattr(self, DIMENSION_FIELDS[key])

    def metric(self, kind: str) -> Decimal:
        return self.amount if kind == "cost" else self.usage


class AnomalyRecord:
    """One AWS Cost Anomaly Detection finding, as GetAnomalies answers it."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.id = str(raw.get("id", "anomaly-1"))
        self.start = dt.date.fromisoformat(raw["start"])
        self.end = dt.date.fromisoformat(raw.get("end", raw["start"]))
        self.service = raw.get("service")
        self.region = raw.get("region")
        self.actual = float(raw["actual"])
        self.expected = float(raw["expected"])
        self.score = float(raw.get("score", 10.0))
        self.monitor_arn = str(raw.get("monitor_arn", "arn:aws:ce::123456789012:anomalymonitor/services"))

    def answer(self) -> dict[str, Any]:
        impact = self.actual - self.expected
        root = {k: v for k, v in (("Service", self.service), ("Region", self.region)) if v}
        if root:
            root["Impact"] = {"Contribution": impact}
        out: dict[str, Any] = {
            "AnomalyId": self.id,
            "AnomalyStartDate": self.start.isoformat(),
            "AnomalyEndDate": self.end.isoformat(),
            "DimensionValue": self.service or "",
            "RootCauses": [root] if root else [],
            "AnomalyScore": {"MaxScore": self.score, "CurrentScore": self.score},
            "Impact": {
                "MaxImpact": impact,
                "TotalImpact": impact,
                "TotalActualSpend": self.actual,
                "TotalExpectedSpend": self.expected,
            },
            "MonitorArn": self.monitor_arn,
        }
        if self.expected:
            out["Impact"]["TotalImpactPercentage"] = impact / self.expected * 100
        return out


class Fixture:
    def __init__(self, raw: dict[str, Any] | None = None) -> None:
        raw = raw or {}
        if not isinstance(raw, dict):
            raise ValueError("fixture must be a JSON object")
        # The analysis APIs (emu_analysis) read their own keys.
        self.raw = raw
        today = raw.get("today")
        self.today = dt.date.fromisoformat(today) if today else None
        self.estimated_days = int(raw.get("estimated_days", 0))
        self.page_size = int(raw.get("page_size", DEFAULT_PAGE_SIZE))
        if self.page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.forecast_unavailable = bool(raw.get("forecast_unavailable", False))
        accounts = raw.get("accounts") or {}
        self.accounts = {str(k): str(v) for k, v in accounts.items()}
        anomalies = raw.get("anomalies") or []
        if not isinstance(anomalies, list):
            raise ValueError("anomalies must be a list")
        self.anomalies = [AnomalyRecord(a) for a in anomalies]
        items = raw.get("items") or []
        if not isinstance(items, list):
            raise ValueError("items must be a list")
        self.items = []
        for n, it in enumerate(items):
            try:
                self.items.append(Item(it))
            except (KeyError, ValueError, TypeError, decimal.InvalidOperation) as e:
                raise ValueError(f"items[{n}]: {e!r}") from None

    def current_day(self) -> dt.date:
        return self.today or dt.datetime.now(dt.timezone.utc).date()

    def summary(self) -> dict[str, Any]:
        return {
            "items": len(self.items),
            "today": self.current_day().isoformat(),
            "estimated_days": self.estimated_days,
            "page_size": self.page_size,
            "forecast_unavailable": self.forecast_unavailable,
            "accounts": len(self.accounts),
        }


# --------------------------------------------------------------------------- filters


def _string_match(actual: str, wanted: list[str], options: list[str]) -> bool:
    insensitive = "CASE_INSENSITIVE" in options
    a = actual.lower() if insensitive else actual
    for w in wanted:
        w2 = w.lower() if insensitive else w
        if "STARTS_WITH" in options:
            ok = a.startswith(w2)
        elif "ENDS_WITH" in options:
            ok = a.endswith(w2)
        elif "CONTAINS" in options:
            ok = w2 in a
        else:
            ok = a == w2
        if ok:
            return True
    return False


def validate_expression(expr: Any) -> None:
    if not isinstance(expr, dict):
        raise validation("Filter expression must be an object")
    roots = [k for k in EXPRESSION_ROOTS if expr.get(k) is not None]
    if len(roots) > 1:
        raise validation(TOO_MANY_ROOTS)
    if not roots:
        raise validation("Expression has no root. One root operator is required: And, Or, Not, Dimensions, Tags, CostCategories")
    root = roots[0]
    if root in ("And", "Or"):
        subs = expr[root]
        if not isinstance(subs, list) or not subs:
            raise validation(f"{root} requires a non-empty list of expressions")
        for s in subs:
            validate_expression(s)
    elif root == "Not":
        validate_expression(expr["Not"])
    elif root == "Dimensions":
        d = expr["Dimensions"]
        if d.get("Key") not in DIMENSION_FIELDS:
            raise validation(f"Dimension {d.get('Key')} is not supported by the awsdash emulator")
    elif root == "Tags":
        pass
    else:
        raise validation(f"{root} filters are not supported by the awsdash emulator")


def matches(expr: dict[str, Any] | None, item: Item) -> bool:
    if expr is None:
        return True
    if expr.get("And") is not None:
        return all(matches(e, item) for e in expr["And"])
    if expr.get("Or") is not None:
        return any(matches(e, item) for e in expr["Or"])
    if expr.get("Not") is not None:
        return not matches(expr["Not"], item)
    if expr.get("Dimensions") is not None:
        d = expr["Dimensions"]
        return _string_match(item.dimension(d["Key"]), list(d.get("Values") or []), list(d.get("MatchOptions") or []))
    if expr.get("Tags") is not None:
        t = expr["Tags"]
        key = t.get("Key")
        values = list(t.get("Values") or [])
        options = list(t.get("MatchOptions") or [])
        if not key:
            return not item.tags
        if key not in item.tags:
            return "ABSENT" in options or "" in values or not values
        present_values = [v for v in values if v != ""]
        return _string_match(item.tags[key], present_values, options)
    return False


# --------------------------------------------------------------------------- time


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def buckets(start: dt.date, end: dt.date, granularity: str) -> list[tuple[dt.date, dt.date]]:
    out = []
    cur = start
    while cur < end:
        if granularity == "DAILY":
            nxt = cur + dt.timedelta(days=1)
        else:
            nxt = min(_next_month(cur), end)
        out.append((cur, nxt))
        cur = nxt
    return out


def parse_period(req: dict[str, Any]) -> tuple[dt.date, dt.date]:
    tp = req.get("TimePeriod")
    if not isinstance(tp, dict) or "Start" not in tp or "End" not in tp:
        raise validation("TimePeriod with Start and End is required")
    start = parse_day(tp["Start"], "Start date")
    end = parse_day(tp["End"], "End date")
    if start >= end:
        raise validation("Start date (and hour) should be before end date (and hour)")
    return start, end


def parse_granularity(req: dict[str, Any]) -> str:
    g = req.get("Granularity")
    if g is None:
        raise validation("Granularity is required")
    if g == "HOURLY":
        raise validation("Hourly granularity is not supported by the awsdash emulator")
    if g not in ("DAILY", "MONTHLY"):
        raise validation(f"Invalid Granularity: {g}")
    return g


# --------------------------------------------------------------------------- pagination


def _request_hash(op: str, req: dict[str, Any]) -> str:
    stripped = {k: v for k, v in req.items() if k != "NextPageToken"}
    canon = json.dumps([op, stripped], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def make_token(op: str, req: dict[str, Any], offset: int) -> str:
    raw = json.dumps({"o": offset, "h": _request_hash(op, req)}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def read_token(op: str, req: dict[str, Any]) -> int:
    token = req.get("NextPageToken")
    if token is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        h = str(data["h"])
        if offset < 0:
            raise ValueError
    except Exception:
        raise CeError("InvalidNextTokenException", "Invalid NextPageToken") from None
    if h != _request_hash(op, req):
        raise CeError(
            "RequestChangedException",
            "The request parameters changed between paginated calls; start again without a NextPageToken",
        )
    return offset


# --------------------------------------------------------------------------- operations


class CostExplorer:
    def __init__(self, fixture: Fixture) -> None:
        self.f = fixture

    def dispatch(self, op: str, req: dict[str, Any]) -> dict[str, Any]:
        handler = {
            "GetCostAndUsage": self.get_cost_and_usage,
            "GetCostForecast": self.get_cost_forecast,
            "GetDimensionValues": self.get_dimension_values,
            "GetTags": self.get_tags,
            "GetAnomalies": self.get_anomalies,
        }.get(op)
        if handler is None:
            raise CeError("UnknownOperationException", f"Operation {op} is not implemented by the awsdash emulator")
        if not isinstance(req, dict):
            raise CeError("SerializationException", "Request body must be a JSON object")
        return handler(req)

    # -- helpers
    def _filtered(self, req: dict[str, Any], start: dt.date, end: dt.date) -> list[Item]:
        flt = req.get("Filter")
        if flt is not None:
            validate_expression(flt)
        return [i for i in self.f.items if start <= i.date < end and matches(flt, i)]

    def _estimated(self, bend: dt.date) -> bool:
        threshold = self.f.current_day() - dt.timedelta(days=self.f.estimated_days)
        # The bucket holds a day on/after the threshold iff its exclusive end is past it.
        return bend > threshold

    def _metrics(self, metrics: list[tuple[str, str]], items: list[Item]) -> dict[str, Any]:
        out = {}
        for name, kind in metrics:
            total = dsum(i.metric(kind) for i in items)
            out[name] = {"Amount": fmt(total), "Unit": "USD" if kind == "cost" else "N/A"}
        return out

    def _page_size(self, req: dict[str, Any]) -> int:
        mr = req.get("MaxResults")
        return int(mr) if isinstance(mr, int) and mr > 0 else self.f.page_size

    # -- GetCostAndUsage
    def get_cost_and_usage(self, req: dict[str, Any]) -> dict[str, Any]:
        start, end = parse_period(req)
        granularity = parse_granularity(req)
        metric_names = req.get("Metrics")
        if not metric_names:
            raise validation("Metrics is required and must not be empty")
        metrics = [(m, _metric_kind(m)) for m in metric_names]
        group_by = req.get("GroupBy") or []
        if len(group_by) > 2:
            raise validation("You can group by up to two different dimensions or tags")
        for g in group_by:
            gtype, gkey = g.get("Type"), g.get("Key")
            if gtype == "DIMENSION":
                if gkey not in DIMENSION_FIELDS:
                    raise validation(f"Invalid group by dimension key: {gkey}")
            elif gtype == "TAG":
                if not gkey:
                    raise validation("Group by TAG requires a Key")
            else:
                raise validation(f"Invalid group Definition type: {gtype}")
        items = self._filtered(req, start, end)
        offset = read_token("GetCostAndUsage", req)

        def group_key(item: Item) -> tuple[str, ...]:
            keys = []
            for g in group_by:
                if g["Type"] == "DIMENSION":
                    keys.append(item.dimension(g["Key"]))
                else:
                    keys.append(f"{g['Key']}${item.tags.get(g['Key'], '')}")
            return tuple(keys)

        # rows: (bucket, group keys or None, items)
        rows: list[tuple[tuple[dt.date, dt.date], tuple[str, ...] | None, list[Item]]] = []
        for b in buckets(start, end, granularity):
            in_bucket = [i for i in items if b[0] <= i.date < b[1]]
            if not group_by:
                rows.append((b, None, in_bucket))
                continue
            groups: dict[tuple[str, ...], list[Item]] = {}
            for i in in_bucket:
                groups.setdefault(group_key(i), []).append(i)
            if not groups:
                rows.append((b, None, []))
            for k in sorted(groups):
                rows.append((b, k, groups[k]))

        size = self._page_size(req)
        if offset > len(rows):
            raise CeError("InvalidNextTokenException", "Invalid NextPageToken")
        page = rows[offset : offset + size]
        results: list[dict[str, Any]] = []
        accounts: set[str] = set()
        for b, key, its in page:
            if not results or results[-1]["TimePeriod"]["Start"] != b[0].isoformat():
                results.append(
                    {
                        "TimePeriod": {"Start": b[0].isoformat(), "End": b[1].isoformat()},
                        "Total": {} if group_by else self._metrics(metrics, its),
                        "Groups": [],
                        "Estimated": self._estimated(b[1]),
                    }
                )
            if key is not None:
                results[-1]["Groups"].append({"Keys": list(key), "Metrics": self._metrics(metrics, its)})
                for g, k in zip(group_by, key):
                    if g["Type"] == "DIMENSION" and g["Key"] == "LINKED_ACCOUNT":
                        accounts.add(k)
        resp: dict[str, Any] = {"ResultsByTime": results}
        if group_by:
            resp["GroupDefinitions"] = [{"Type": g["Type"], "Key": g["Key"]} for g in group_by]
        if accounts:
            resp["DimensionValueAttributes"] = [
                {"Value": a, "Attributes": {"description": self.f.accounts.get(a, a)}} for a in sorted(accounts)
            ]
        if offset + size < len(rows):
            resp["NextPageToken"] = make_token("GetCostAndUsage", req, offset + size)
        return resp

    # -- GetCostForecast
    def get_cost_forecast(self, req: dict[str, Any]) -> dict[str, Any]:
        start, end = parse_period(req)
        today = self.f.current_day()
        if start < today:
            raise validation(f"Start date must be equal to or after the current date ({today.isoformat()})")
        granularity = parse_granularity(req)
        metric = req.get("Metric")
        if metric not in FORECAST_METRICS:
            raise validation(f"Invalid Metric: {metric}")
        kind = FORECAST_METRICS[metric]
        level = req.get("PredictionIntervalLevel", 80)
        if not isinstance(level, int) or not 51 <= level <= 99:
            raise validation("PredictionIntervalLevel must be between 51 and 99")
        if self.f.forecast_unavailable:
            raise CeError("DataUnavailableException", "Insufficient amount of historical data.")
        window_start = today - dt.timedelta(days=FORECAST_WINDOW_DAYS)
        history = self._filtered(req, window_start, today)
        if not history:
            raise CeError("DataUnavailableException", "Insufficient amount of historical data.")
        window_sum = dsum(i.metric(kind) for i in history)
        q = Decimal("0.0000000001")

        def mean_for(days: int) -> Decimal:
            return DECIMAL_CONTEXT.divide(DECIMAL_CONTEXT.multiply(window_sum, Decimal(days)), Decimal(FORECAST_WINDOW_DAYS))

        def rnd(d: Decimal) -> Decimal:
            return d.quantize(q, rounding=decimal.ROUND_HALF_EVEN, context=DECIMAL_CONTEXT)

        def scale(d: Decimal, percent: int) -> Decimal:
            return DECIMAL_CONTEXT.divide(DECIMAL_CONTEXT.multiply(d, Decimal(percent)), Decimal(100))

        results = []
        for b in buckets(start, end, granularity):
            mean = mean_for((b[1] - b[0]).days)
            results.append(
                {
                    "TimePeriod": {"Start": b[0].isoformat(), "End": b[1].isoformat()},
                    "MeanValue": fmt(rnd(mean)),
                    "PredictionIntervalLowerBound": fmt(rnd(scale(mean, level))),
                    "PredictionIntervalUpperBound": fmt(rnd(scale(mean, 200 - level))),
                }
            )
        total = rnd(mean_for((end - start).days))
        return {
            "Total": {"Amount": fmt(total), "Unit": "USD" if kind == "cost" else "N/A"},
            "ForecastResultsByTime": results,
        }

    # -- GetDimensionValues
    def get_dimension_values(self, req: dict[str, Any]) -> dict[str, Any]:
        start, end = parse_period(req)
        dim = req.get("Dimension")
        if dim not in DIMENSION_FIELDS:
            raise validation(f"Dimension {dim} is not supported by the awsdash emulator")
        items = self._filtered(req, start, end)
        values = sorted({i.dimension(dim) for i in items})
        search = req.get("SearchString")
        if search:
            values = [v for v in values if search.lower() in v.lower()]
        offset = read_token("GetDimensionValues", req)
        size = self._page_size(req)
        page = values[offset : offset + size]
        out = []
        for v in page:
            attrs = {"description": self.f.accounts.get(v, v)} if dim == "LINKED_ACCOUNT" else {}
            out.append({"Value": v, "Attributes": attrs})
        resp: dict[str, Any] = {"DimensionValues": out, "ReturnSize": len(out), "TotalSize": len(values)}
        if offset + size < len(values):
            resp["NextPageToken"] = make_token("GetDimensionValues", req, offset + size)
        return resp

    # -- GetTags
    def get_tags(self, req: dict[str, Any]) -> dict[str, Any]:
        start, end = parse_period(req)
        items = self._filtered(req, start, end)
        key = req.get("TagKey")
        if key:
            values = sorted({i.tags[key] for i in items if key in i.tags})
        else:
            values = sorted({k for i in items for k in i.tags})
        search = req.get("SearchString")
        if search:
            values = [v for v in values if search.lower() in v.lower()]
        offset = read_token("GetTags", req)
        size = self._page_size(req)
        page = values[offset : offset + size]
        resp: dict[str, Any] = {"Tags": page, "ReturnSize": len(page), "TotalSize": len(values)}
        if offset + size < len(values):
            resp["NextPageToken"] = make_token("GetTags", req, offset + size)
        return resp

    # -- GetAnomalies
    def get_anomalies(self, req: dict[str, Any]) -> dict[str, Any]:
        interval = req.get("DateInterval")
        if not isinstance(interval, dict) or "StartDate" not in interval:
            raise validation("DateInterval.StartDate is required")
        start = parse_day(interval["StartDate"], "StartDate")
        end = parse_day(interval["EndDate"], "EndDate") if "EndDate" in interval else self.f.current_day()
        # "The returned anomaly object will have an AnomalyEndDate in the specified time range"
        # (EndDate inclusive, unlike GetCostAndUsage).
        found = [a for a in self.f.anomalies if start <= a.end <= end]
        monitor = req.get("MonitorArn")
        if monitor:
            found = [a for a in found if a.monitor_arn == monitor]
        impact = req.get("TotalImpact")
        if isinstance(impact, dict):
            op, low, high = impact.get("NumericOperator"), float(impact.get("StartValue", 0)), impact.get("EndValue")
            tests = {
                "GREATER_THAN_OR_EQUAL": lambda v: v >= low,
                "GREATER_THAN": lambda v: v > low,
                "LESS_THAN_OR_EQUAL": lambda v: v <= low,
                "LESS_THAN": lambda v: v < low,
                "EQUAL": lambda v: v == low,
                "BETWEEN": lambda v: low <= v <= float(high if high is not None else low),
            }
            if op not in tests:
                raise validation(f"Invalid NumericOperator {op}")
            found = [a for a in found if tests[op](a.actual - a.expected)]
        offset = read_token("GetAnomalies", req)
        size = self._page_size(req)
        page = found[offset : offset + size]
        resp: dict[str, Any] = {"Anomalies": [a.answer() for a in page]}
        if offset + size < len(found):
            resp["NextPageToken"] = make_token("GetAnomalies", req, offset + size)
        return resp
