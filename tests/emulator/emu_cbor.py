"""Smithy RPC v2 CBOR <-> awsJson1_0 translation for CloudWatch.

moto 5.2 understands CloudWatch's JSON protocol but not rpc-v2-cbor, so requests are
decoded from CBOR into JSON-able data and answers are re-encoded into CBOR, guided by
botocore's output shapes so that timestamps, doubles and integers get the right CBOR types.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from typing import Any

import cbor2
from botocore.session import get_session

_MODELS: dict[str, Any] = {}


def service_model(name: str) -> Any:
    model = _MODELS.get(name)
    if model is None:
        model = get_session().get_service_model(name)
        _MODELS[name] = model
    return model


def _epoch(value: dt.datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


def cbor_to_jsonable(value: Any) -> Any:
    """Decoded CBOR -> what json.dumps accepts (timestamps become epoch seconds)."""
    if isinstance(value, dt.datetime):
        return _epoch(value)
    if isinstance(value, cbor2.CBORTag):
        if value.tag == 1:
            return float(value.value)
        return cbor_to_jsonable(value.value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(k): cbor_to_jsonable(v) for k, v in value.items() if v is not None and v is not cbor2.undefined}
    if isinstance(value, (list, tuple)):
        return [cbor_to_jsonable(v) for v in value]
    if value is cbor2.undefined:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return value
    return value


def decode_request(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    decoded = cbor2.loads(body)
    if decoded is None:
        return {}
    if not isinstance(decoded, dict):
        raise ValueError("CBOR request body must be a map")
    return cbor_to_jsonable(decoded)


def _to_timestamp(value: Any) -> cbor2.CBORTag:
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            from dateutil.parser import isoparse

            seconds = _epoch(isoparse(value))
    elif isinstance(value, dt.datetime):
        seconds = _epoch(value)
    else:
        raise TypeError(f"cannot convert {value!r} to a timestamp")
    return cbor2.CBORTag(1, seconds)


def shape_to_cbor(shape: Any, value: Any) -> Any:
    """JSON answer value -> CBOR-ready value, typed by the botocore shape."""
    if value is None or shape is None:
        return value
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                out[name] = shape_to_cbor(member, value[name])
        return out
    if t == "list":
        return [shape_to_cbor(shape.member, v) for v in value]
    if t == "map":
        return {str(k): shape_to_cbor(shape.value, v) for k, v in value.items()}
    if t == "timestamp":
        return _to_timestamp(value)
    if t in ("double", "float"):
        return float(value)
    if t in ("integer", "long", "short", "byte"):
        return int(value)
    if t == "boolean":
        return bool(value) if not isinstance(value, str) else value.lower() == "true"
    if t == "blob":
        return base64.b64decode(value) if isinstance(value, str) else bytes(value)
    return value


def encode_output(service: str, operation: str, answer: dict[str, Any]) -> bytes:
    op = service_model(service).operation_model(operation)
    shape = op.output_shape
    payload = shape_to_cbor(shape, answer) if shape is not None else {}
    return cbor2.dumps(payload or {})


def encode_error(code: str, message: str) -> bytes:
    return cbor2.dumps({"__type": code, "message": message})
