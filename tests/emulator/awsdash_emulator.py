#!/usr/bin/env python3
"""awsdash AWS emulator: moto in server mode plus a fixture-driven Cost Explorer,
a CloudWatch rpc-v2-cbor bridge, a request journal, fault injection and a control API.

Run:  python tests/emulator/awsdash_emulator.py --port 4599
It exits when its standard input reaches EOF (pass --no-stdin-watchdog to disable).
See README.md in this directory.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import threading
import time
import traceback
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

os.environ.setdefault("MOTO_ACCOUNT_ID", "123456789012")

import emu_cbor  # noqa: E402
import emu_analysis  # noqa: E402
import emu_budgets  # noqa: E402
import emu_ce  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402
from werkzeug.test import EnvironBuilder, run_wsgi_app  # noqa: E402
from werkzeug.wrappers import Request  # noqa: E402

CONTROL_PREFIX = "/_awsdash/"
CBOR_PATH_PREFIX = "/service/"

# x-amz-target / rpc-v2 service prefixes -> short service name used in the journal
TARGET_SERVICES = {
    "AWSInsightsIndexService": "ce",
    "CostOptimizationHubService": "cost-optimization-hub",
    "AWSBilling": "billing",
    "AWSBudgetServiceGateway": "budgets",
    "GraniteServiceVersion20100801": "cloudwatch",
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodbstreams",
}
# SigV4 signing names that differ from the short service name
SIGNING_SERVICES = {"monitoring": "cloudwatch"}
# Services moto lacks, answered by emu_analysis.
ANALYSIS_SERVICES = {"cost-optimization-hub", "billing"}
CE_OPERATIONS = {"GetCostAndUsage", "GetCostForecast", "GetDimensionValues", "GetTags", "GetAnomalies"}
FAULT_KINDS = {
    "throttle",
    "server_error",
    "unavailable",
    "expired_token",
    "access_denied",
    "data_unavailable",
    "invalid_signature",
    "request_changed",
    "bill_expired",
    "delay",
}

StartResponse = Callable[..., Any]


def account_id() -> str:
    return os.environ.get("MOTO_ACCOUNT_ID", "123456789012")


class Call:
    """What one AWS request is: service, operation, wire protocol and decoded body."""

    def __init__(self, service: str, operation: str, protocol: str, request: Any, body: bytes) -> None:
        self.service = service
        self.operation = operation
        self.protocol = protocol  # "json" | "cbor" | "query" | "rest"
        self.request = request
        self.body = body
        self.json_content_type = "application/x-amz-json-1.1"


def _access_key(environ: dict[str, Any]) -> str | None:
    """The access key id a request was signed with (never the secret), for tests that check
    which credentials a client used."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        return auth.split("Credential=", 1)[1].split("/", 1)[0]
    except IndexError:
        return None


def _signing_service(environ: dict[str, Any]) -> str | None:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
        service = scope.split("/")[3]
    except IndexError:
        return None
    return SIGNING_SERVICES.get(service, service)


def classify(environ: dict[str, Any], body: bytes) -> Call:
    path = environ.get("PATH_INFO", "")
    ctype = environ.get("CONTENT_TYPE", "")
    target = environ.get("HTTP_X_AMZ_TARGET")
    signed = _signing_service(environ)
    if path.startswith(CBOR_PATH_PREFIX) and "/operation/" in path:
        parts = path.strip("/").split("/")
        prefix, operation = parts[1], parts[-1]
        service = TARGET_SERVICES.get(prefix) or signed or prefix
        try:
            request: Any = emu_cbor.decode_request(body)
        except Exception as e:  # undecodable: journal the error text
            request = {"_undecodable": repr(e)}
        return Call(service, operation, "cbor", request, body)
    if target:
        prefix, _, operation = target.partition(".")
        service = TARGET_SERVICES.get(prefix) or signed or prefix
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            request = body.decode("utf-8", "replace")
        call = Call(service, operation, "json", request, body)
        if ctype.startswith("application/x-amz-json-1.0"):
            call.json_content_type = "application/x-amz-json-1.0"
        return call
    if ctype.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        form = {**query, **form}
        return Call(signed or "unknown", form.get("Action", "Unknown"), "query", form, body)
    operation = f"{environ.get('REQUEST_METHOD', 'GET')} {path}"
    try:
        request = json.loads(body) if body else None
    except ValueError:
        request = body.decode("utf-8", "replace")
    return Call(signed or "unknown", operation, "rest", request, body)


# --------------------------------------------------------------------------- faults


def fault_error(kind: str, call: Call) -> tuple[int, str, str, str]:
    """-> (status, code, message, query-compatible code) for one fault kind and target."""
    svc = call.service
    query_like = call.protocol == "query"
    if kind == "throttle":
        if svc == "ce":
            return 400, "LimitExceededException", "Rate limit exceeded", "LimitExceededException"
        if svc == "cloudwatch" or query_like:
            return 400, "Throttling", "Rate exceeded", "Throttling"
        return 400, "ThrottlingException", "Rate exceeded", "Throttling"
    if kind == "server_error":
        message = "We encountered an internal error. Please try again."
        if svc == "budgets":
            return 500, "InternalErrorException", message, "InternalFailure"
        if svc == "cloudwatch":
            return 500, "InternalServiceFault", message, "InternalServiceError"
        if query_like:
            return 500, "InternalFailure", message, "InternalFailure"
        return 500, "InternalServerError", message, "InternalFailure"
    if kind == "unavailable":
        return 503, "ServiceUnavailable", "Service is unavailable", "ServiceUnavailable"
    if kind == "expired_token":
        message = "The security token included in the request is expired"
        if query_like:
            return 400, "ExpiredToken", message, "ExpiredToken"
        return 400, "ExpiredTokenException", message, "ExpiredToken"
    if kind == "access_denied":
        action = f"{svc}:{call.operation}"
        message = (
            f"User: arn:aws:iam::{account_id()}:user/test is not authorized to perform: {action} "
            f"because no identity-based policy allows the {action} action"
        )
        if query_like:
            return 403, "AccessDenied", message, "AccessDenied"
        if svc == "cloudwatch":
            return 403, "AccessDeniedException", message, "AccessDenied"
        return 400, "AccessDeniedException", message, "AccessDenied"
    if kind == "data_unavailable":
        return 400, "DataUnavailableException", "Insufficient amount of historical data.", "DataUnavailable"
    if kind == "invalid_signature":
        message = (
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )
        if query_like:
            return 403, "SignatureDoesNotMatch", message, "SignatureDoesNotMatch"
        return 403, "InvalidSignatureException", message, "InvalidSignatureException"
    if kind == "request_changed":
        return 400, "RequestChangedException", (
            "Your request parameters changed between pages. Try again with the old parameters "
            "or without a pagination token."
        ), "RequestChangedException"
    if kind == "bill_expired":
        return 400, "BillExpirationException", (
            "The requested report expired. Update the date interval and try again."
        ), "BillExpirationException"
    raise ValueError(kind)


def validate_fault(rule: Any) -> dict[str, Any]:
    if not isinstance(rule, dict):
        raise ValueError("fault rule must be a JSON object")
    kind = rule.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {sorted(FAULT_KINDS)}")
    count = rule.get("count", 1)
    if not isinstance(count, int) or (count < 1 and count != -1):
        raise ValueError("count must be a positive integer or -1")
    delay = rule.get("delay_ms", 0)
    if not isinstance(delay, int) or delay < 0:
        raise ValueError("delay_ms must be a non-negative integer")
    message = rule.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError("message must be a string")
    return {
        "operation": rule.get("operation", "*"),
        "service": rule.get("service"),
        "kind": kind,
        "count": count,
        "delay_ms": delay,
        "message": message,
        "hits": 0,
    }


# --------------------------------------------------------------------------- app


class Emulator:
    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.Lock()
        self.fixture = emu_ce.Fixture()
        self.journal: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []

    # ---- helpers
    @staticmethod
    def _respond(start_response: StartResponse, status: int, headers: list[tuple[str, str]], body: bytes) -> list[bytes]:
        headers = [*headers, ("Content-Length", str(len(body)))]
        if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
            headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
        start_response(f"{status} {_reason(status)}", headers)
        return [body]

    def _json(self, start_response: StartResponse, status: int, value: Any) -> list[bytes]:
        body = json.dumps(value).encode()
        return self._respond(start_response, status, [("Content-Type", "application/json")], body)

    def _error(self, start_response: StartResponse, call: Call, status: int, code: str, message: str, query_code: str) -> tuple[int, list[bytes]]:
        fault = "Receiver" if status >= 500 else "Sender"
        if call.protocol == "cbor":
            headers = [
                ("Content-Type", "application/cbor"),
                ("smithy-protocol", "rpc-v2-cbor"),
                ("x-amzn-query-error", f"{query_code};{fault}"),
            ]
            return status, self._respond(start_response, status, headers, emu_cbor.encode_error(code, message))
        if call.protocol == "query":
            request_id = str(uuid.uuid4())
            xml = (
                "<ErrorResponse><Error>"
                f"<Type>{fault}</Type><Code>{_xml(code)}</Code><Message>{_xml(message)}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            )
            headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
            return status, self._respond(start_response, status, headers, xml.encode())
        headers = [("Content-Type", call.json_content_type), ("x-amzn-ErrorType", code)]
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, self._respond(start_response, status, headers, body)

    # ---- entry point
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        try:
            if path.startswith(CONTROL_PREFIX):
                return self.control(environ, start_response)
            return self.aws(environ, start_response)
        except Exception:  # never let a bug kill the connection silently
            traceback.print_exc()
            body = json.dumps({"__type": "InternalFailure", "message": traceback.format_exc()}).encode()
            return self._respond(start_response, 500, [("Content-Type", "application/json")], body)

    # ---- control API
    def control(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        what = environ.get("PATH_INFO", "")[len(CONTROL_PREFIX) :].strip("/")
        body = Request(environ).get_data()
        try:
            payload = json.loads(body) if body else None
        except ValueError as e:
            return self._json(start_response, 400, {"error": f"invalid JSON: {e}"})
        with self.lock:
            if what == "health" and method == "GET":
                return self._json(start_response, 200, {"ok": True})
            if what == "fixture" and method == "PUT":
                try:
                    self.fixture = emu_ce.Fixture(payload or {})
                except (ValueError, TypeError, KeyError) as e:
                    return self._json(start_response, 400, {"error": f"invalid fixture: {e}"})
                return self._json(start_response, 200, self.fixture.summary())
            if what == "fixture" and method == "GET":
                return self._json(start_response, 200, self.fixture.summary())
            if what == "journal" and method == "GET":
                return self._json(start_response, 200, list(self.journal))
            if what == "journal" and method == "DELETE":
                self.journal.clear()
                return self._json(start_response, 200, {"ok": True})
            if what == "faults" and method == "POST":
                try:
                    rule = validate_fault(payload)
                except ValueError as e:
                    return self._json(start_response, 400, {"error": str(e)})
                self.faults.append(rule)
                return self._json(start_response, 200, {"ok": True, "faults": len(self.faults)})
            if what == "faults" and method == "GET":
                return self._json(start_response, 200, list(self.faults))
            if what == "faults" and method == "DELETE":
                self.faults.clear()
                return self._json(start_response, 200, {"ok": True})
            if what == "reset" and method == "POST":
                self.fixture = emu_ce.Fixture()
                self.journal.clear()
                self.faults.clear()
                reset_env = EnvironBuilder(path="/moto-api/reset", method="POST").get_environ()
                app_iter, status, _ = run_wsgi_app(self.moto, reset_env, buffered=True)
                b"".join(app_iter)
                return self._json(start_response, 200, {"ok": True, "moto": status})
        return self._json(start_response, 404, {"error": f"no control endpoint {method} /_awsdash/{what}"})

    def _take_faults(self, call: Call) -> dict[str, Any] | None:
        """Applies delay rules (sleeping outside the lock); returns the error rule that hits, if any."""
        delay_ms = 0
        hit = None
        with self.lock:
            for rule in self.faults:
                if rule["count"] == 0:
                    continue
                if rule["operation"] not in ("*", call.operation):
                    continue
                if rule["service"] not in (None, "*", call.service):
                    continue
                if rule["kind"] == "delay":
                    delay_ms += rule["delay_ms"]
                elif hit is None:
                    hit = rule
                else:
                    continue
                rule["hits"] += 1
                if rule["count"] > 0:
                    rule["count"] -= 1
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
        return hit

    # ---- AWS requests
    def aws(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        at = time.time()
        body = Request(environ).get_data()
        call = classify(environ, body)
        entry = {
            "service": call.service,
            "operation": call.operation,
            "status": 0,
            "request": call.request,
            "at": at,
            "access_key": _access_key(environ),
        }
        with self.lock:
            self.journal.append(entry)
        status, out = self._serve(environ, start_response, call)
        entry["status"] = status
        return out

    def _serve(self, environ: dict[str, Any], start_response: StartResponse, call: Call) -> tuple[int, list[bytes]]:
        rule = self._take_faults(call)
        if rule is not None:
            status, code, message, query_code = fault_error(rule["kind"], call)
            message = rule.get("message") or message
            return self._error(start_response, call, status, code, message, query_code)
        if call.service == "ce" and call.protocol == "json" and call.operation in CE_OPERATIONS:
            return self._cost_explorer(start_response, call)
        if call.protocol == "json" and (
            call.service in ANALYSIS_SERVICES
            or (call.service == "ce" and call.operation in emu_analysis.CE_OPERATIONS)
        ):
            return self._analysis(start_response, call)
        if call.service == "budgets" and call.protocol == "json" and call.operation in emu_budgets.OPERATIONS:
            return self._budgets(start_response, call)
        if call.protocol == "cbor":
            return self._cbor_bridge(environ, start_response, call)
        return self._forward(environ, start_response, call.body)

    def _cost_explorer(self, start_response: StartResponse, call: Call) -> tuple[int, list[bytes]]:
        with self.lock:
            fixture = self.fixture
        try:
            answer = emu_ce.CostExplorer(fixture).dispatch(call.operation, call.request)
        except emu_ce.CeError as e:
            return self._error(start_response, call, e.status, e.code, e.message, e.code)
        headers = [("Content-Type", "application/x-amz-json-1.1")]
        return 200, self._respond(start_response, 200, headers, json.dumps(answer).encode())

    def _budgets(self, start_response: StartResponse, call: Call) -> tuple[int, list[bytes]]:
        try:
            with self.lock:
                answer = emu_budgets.update_budget(call.request, account_id())
        except emu_budgets.BudgetsError as e:
            return self._error(start_response, call, e.status, e.code, e.message, e.code)
        headers = [("Content-Type", "application/x-amz-json-1.1")]
        return 200, self._respond(start_response, 200, headers, json.dumps(answer).encode())

    def _analysis(self, start_response: StartResponse, call: Call) -> tuple[int, list[bytes]]:
        with self.lock:
            fixture = self.fixture
        handler = {
            "ce": emu_analysis.CeExtras,
            "cost-optimization-hub": emu_analysis.CostOptimizationHub,
            "billing": emu_analysis.Billing,
        }[call.service](fixture)
        try:
            if not isinstance(call.request, dict):
                raise emu_ce.CeError("SerializationException", "Request body must be a JSON object")
            answer = handler.dispatch(call.operation, call.request)
        except emu_ce.CeError as e:
            return self._error(start_response, call, e.status, e.code, e.message, e.code)
        headers = [("Content-Type", call.json_content_type)]
        return 200, self._respond(start_response, 200, headers, json.dumps(answer).encode())

    def _moto(self, environ: dict[str, Any], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        env.pop("HTTP_TRANSFER_ENCODING", None)
        env["wsgi.input_terminated"] = False
        app_iter, status, headers = run_wsgi_app(self.moto, env, buffered=True)
        try:
            data = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close:
                close()
        return int(status.split()[0]), list(headers.items()), data

    def _forward(self, environ: dict[str, Any], start_response: StartResponse, body: bytes) -> tuple[int, list[bytes]]:
        status, headers, data = self._moto(environ, body)
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "status")]
        return status, self._respond(start_response, status, headers, data)

    def _cbor_bridge(self, environ: dict[str, Any], start_response: StartResponse, call: Call) -> tuple[int, list[bytes]]:
        if "_undecodable" in (call.request or {}):
            return self._error(start_response, call, 400, "SerializationException", call.request["_undecodable"], "SerializationException")
        prefix = environ["PATH_INFO"].strip("/").split("/")[1]
        env = dict(environ)
        env["PATH_INFO"] = "/"
        env["RAW_URI"] = env["REQUEST_URI"] = "/"
        env["CONTENT_TYPE"] = "application/x-amz-json-1.0"
        env["HTTP_X_AMZ_TARGET"] = f"{prefix}.{call.operation}"
        env["HTTP_ACCEPT"] = "application/json"
        for k in ("HTTP_SMITHY_PROTOCOL", "HTTP_X_AMZN_QUERY_MODE"):
            env.pop(k, None)
        status, headers, data = self._moto(env, json.dumps(call.request).encode())
        base = [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
        if status < 300:
            answer = json.loads(data) if data.strip() else {}
            payload = emu_cbor.encode_output(call.service, call.operation, answer)
            return status, self._respond(start_response, status, base, payload)
        try:
            err = json.loads(data)
            code = str(err.get("__type", "InternalFailure")).split("#")[-1]
            message = err.get("message") or err.get("Message") or ""
        except ValueError:
            code, message = "InternalFailure", data.decode("utf-8", "replace")
        query_error = dict((k.lower(), v) for k, v in headers).get("x-amzn-query-error")
        query_code = query_error.split(";")[0] if query_error else code
        return self._error(start_response, call, status, code, message, query_code)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _stdin_watchdog() -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except Exception:
        pass
    print("awsdash emulator: stdin closed, exiting", file=sys.stderr, flush=True)
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-stdin-watchdog", action="store_true", help="keep running when stdin closes")
    args = parser.parse_args(argv)
    if not args.no_stdin_watchdog:
        threading.Thread(target=_stdin_watchdog, name="stdin-watchdog", daemon=True).start()
    app = Emulator()
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"awsdash emulator listening on http://{args.host}:{server.server_port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
