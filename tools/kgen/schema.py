"""Reads Kafka's JSON message schemas into a small model the emitter walks.

Only the facts the wire format needs are kept: field order, types, the version ranges in
which a field exists / is nullable / is tagged, tags, defaults, ignorable, and per-field
flexibleVersions overrides (RequestHeader's ClientId is never compact).
"""
import json
import os
import re

PRIMITIVES = {"bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64",
              "string", "uuid", "bytes", "records"}

# APIs with "broker" among their listeners that a client never sends: inter-broker state
# of share groups (the share coordinator's persister), and markers that only the
# transaction coordinator writes.
EXCLUDED = {
    "DeleteShareGroupState", "InitializeShareGroupState", "ReadShareGroupState",
    "ReadShareGroupStateSummary", "WriteShareGroupState", "WriteTxnMarkers",
}

MAX_VERSION = 0x7fff


class Versions:
    """A closed range [lo, hi], or empty ("none")."""

    def __init__(self, text):
        text = text.strip()
        if text == "none":
            self.lo, self.hi = 1, 0
        elif text.endswith("+"):
            self.lo, self.hi = int(text[:-1]), MAX_VERSION
        elif "-" in text:
            a, b = text.split("-")
            self.lo, self.hi = int(a), int(b)
        else:
            self.lo = self.hi = int(text)

    def empty(self):
        return self.lo > self.hi

    def contains(self, v):
        return self.lo <= v <= self.hi

    def intersect(self, other):
        r = Versions("none")
        r.lo, r.hi = max(self.lo, other.lo), min(self.hi, other.hi)
        return r


class Field:
    def __init__(self, d):
        self.name = d["name"]
        self.type = d["type"]
        self.versions = Versions(d.get("versions", "none"))
        self.nullable = Versions(d.get("nullableVersions", "none"))
        self.tagged = Versions(d.get("taggedVersions", "none"))
        self.tag = d.get("tag")
        self.ignorable = bool(d.get("ignorable", False))
        self.default = d.get("default")
        self.flexible_override = d.get("flexibleVersions")  # "none" for RequestHeader.ClientId
        self.fields = [Field(f) for f in d.get("fields", [])]
        if self.tag is not None and "versions" not in d:
            self.versions = Versions(d["taggedVersions"])

    @property
    def is_array(self):
        return self.type.startswith("[]")

    @property
    def elem(self):
        return self.type[2:] if self.is_array else self.type

    @property
    def elem_is_struct(self):
        return self.elem not in PRIMITIVES


class Struct:
    def __init__(self, name, fields):
        self.name = name
        self.fields = fields


class Message:
    def __init__(self, d):
        self.name = d["name"]
        self.kind = d["type"]  # request, response, header
        self.api_key = d.get("apiKey", -1)
        self.valid = Versions(d["validVersions"])
        self.flexible = Versions(d.get("flexibleVersions", "none"))
        self.listeners = d.get("listeners", [])
        self.fields = [Field(f) for f in d.get("fields", [])]
        self.common = {c["name"]: [Field(f) for f in c["fields"]] for c in d.get("commonStructs", [])}
        self.structs = []  # nested struct types, children before parents
        seen = {}
        self._collect(self.fields, seen)

    def _collect(self, fields, seen):
        for f in fields:
            if not f.elem_is_struct:
                continue
            sub = f.fields if f.fields else self.common.get(f.elem)
            if sub is None:
                raise ValueError(f"{self.name}: unknown struct type {f.elem}")
            if not f.fields:
                f.fields = sub
            if f.elem in seen:
                continue
            seen[f.elem] = True
            self._collect(sub, seen)
            self.structs.append(Struct(f.elem, sub))


def strip_comments(text):
    out = []
    for line in text.split("\n"):
        # Schema comments are whole-line // comments; strings never contain "//" at line start.
        if line.lstrip().startswith("//"):
            continue
        out.append(line)
    return "\n".join(out)


def load(path):
    with open(path) as f:
        return Message(json.loads(strip_comments(f.read())))


def api_base(name):
    return re.sub(r"(Request|Response)$", "", name)


def select(schema_dir):
    """The messages we generate, sorted by name: client-sent APIs (request and response
    schemas), plus RequestHeader and ResponseHeader."""
    msgs = []
    for fn in sorted(os.listdir(schema_dir)):
        if not fn.endswith(".json"):
            continue
        m = load(os.path.join(schema_dir, fn))
        if m.kind == "header":
            if m.name in ("RequestHeader", "ResponseHeader"):
                msgs.append(m)
            continue
        if m.kind not in ("request", "response"):
            continue
        if api_base(m.name) in EXCLUDED:
            continue
        msgs.append(m)
    # Responses have no listeners field: keep a response when its request was kept.
    requests = {api_base(m.name) for m in msgs if m.kind == "request" and "broker" in m.listeners}
    out = []
    for m in msgs:
        if m.kind == "header" or api_base(m.name) in requests:
            out.append(m)
    return sorted(out, key=lambda m: m.name)


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()
