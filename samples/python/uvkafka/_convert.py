"""Python keyword options to uvkafka's configuration keys (KafkaJS's names, docs/configuration.md):
``client_id`` is ``clientId``, ``retry={"retries": 8}`` is ``retry.retries``, ``ssl=True`` and
``sasl={"mechanism": "plain", ...}`` as in KafkaJS. Values become their text form."""
from typing import Any, Dict, Mapping, Optional


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def text(value: Any, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(text(v, key) for v in value)
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TypeError("%s must be a str, int, float, bool or list, not %s" % (key, type(value).__name__))


def config(options: Mapping[str, Any], raw: Optional[Mapping[str, Any]] = None) -> Dict[str, str]:
    """options (snake_case keywords) and raw (uvkafka's keys as they are) as one dict of str."""
    out: Dict[str, str] = {}
    for k, v in options.items():
        if v is None:
            continue
        key = camel(k)
        if isinstance(v, Mapping):
            if key == "ssl":
                out["ssl"] = "true"
            for sub, sv in v.items():
                if sv is not None:
                    out["%s.%s" % (key, camel(sub))] = text(sv, "%s.%s" % (k, sub))
        else:
            out[key] = text(v, k)
    for k, v in (raw or {}).items():
        if not isinstance(k, str):
            raise TypeError("config keys must be str, not %s" % type(k).__name__)
        out[k] = text(v, k)
    return out
