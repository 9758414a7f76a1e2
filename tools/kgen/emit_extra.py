"""The files around the per-API codecs: the API table, by-name dispatch, test samples."""
from emit import Emitter, member, cond, PRIMITIVES
from schema import api_base, MAX_VERSION


def api_table(msgs, banner):
    reqs = sorted((m for m in msgs if m.kind == "request"), key=lambda m: m.api_key)
    h = [banner.rstrip(), "#pragma once", "#include <stdint.h>", "",
         "namespace uvk {", "namespace proto {", "", "enum ApiKey : int16_t {"]
    for m in reqs:
        h.append(f"  k{api_base(m.name)} = {m.api_key},")
    h += ["};", "",
          "struct ApiInfo {",
          "  int16_t key;",
          "  const char *name;  // \"Metadata\", \"ApiVersions\", ...",
          "  int16_t min_version, max_version;",
          "  int16_t flexible_min;  // first flexible version; INT16_MAX when none is",
          "};", "",
          "// nullptr for keys we do not generate.",
          "const ApiInfo *api_info(int16_t key);",
          "// Every generated API, by key.",
          "const ApiInfo *api_infos(int *count);",
          "// Request header v1, or v2 for flexible versions.",
          "int16_t request_header_version(int16_t key, int16_t version);",
          "// Response header v0, or v1 for flexible versions; ApiVersions always answers with v0",
          "// so that a client can read the error of a version the broker does not know.",
          "int16_t response_header_version(int16_t key, int16_t version);", "",
          "}  // namespace proto", "}  // namespace uvk", ""]
    c = [banner.rstrip(), '#include "proto/gen/api_table.h"', "",
         "namespace uvk {", "namespace proto {", "", "static const ApiInfo kApis[] = {"]
    for m in reqs:
        flex = m.flexible.lo if not m.flexible.empty() else "INT16_MAX"
        c.append(f'  {{{m.api_key}, "{api_base(m.name)}", {m.valid.lo}, {m.valid.hi}, {flex}}},')
    c += ["};", "",
          "const ApiInfo *api_info(int16_t key) {",
          "  for (const ApiInfo &a : kApis)",
          "    if (a.key == key) return &a;",
          "  return nullptr;",
          "}", "",
          "const ApiInfo *api_infos(int *count) {",
          "  *count = int(sizeof kApis / sizeof kApis[0]);",
          "  return kApis;",
          "}", "",
          "int16_t request_header_version(int16_t key, int16_t version) {",
          "  const ApiInfo *a = api_info(key);",
          "  return a && version >= a->flexible_min ? 2 : 1;",
          "}", "",
          "int16_t response_header_version(int16_t key, int16_t version) {",
          "  if (key == kApiVersions) return 0;",
          "  const ApiInfo *a = api_info(key);",
          "  return a && version >= a->flexible_min ? 1 : 0;",
          "}", "",
          "}  // namespace proto", "}  // namespace uvk", ""]
    return [("api_table.h", "\n".join(h)), ("api_table.cc", "\n".join(c))]


def dispatch(msgs, groups, banner, file_stem):
    h = [banner.rstrip(), "#pragma once", "#include <stddef.h>", "#include <stdint.h>", "",
         '#include "common/buf.h"', "",
         "namespace uvk {", "namespace proto {", "",
         "struct MessageInfo {",
         "  const char *name;  // \"MetadataRequest\"",
         "  int16_t api_key;   // -1 for the headers",
         "  bool is_request;",
         "  int16_t min_version, max_version;",
         "};", "",
         "// Decodes one body of message `name` at `version` and encodes it again into `out`.",
         "// UVK_ENOTFOUND for an unknown name, UVK_EUNSUPPORTED for a version outside",
         "// validVersions, UVK_EPROTO for malformed input or trailing bytes.",
         "int proto_roundtrip(const char *name, int16_t version, const uint8_t *data, size_t len,",
         "                    Buf *out);",
         "// Every generated message with its version range.",
         "const MessageInfo *proto_messages(size_t *count);", "",
         "}  // namespace proto", "}  // namespace uvk", ""]
    c = [banner.rstrip(), '#include "proto/gen/dispatch.h"', "", "#include <string.h>", ""]
    for stem in sorted(groups):
        c.append(f'#include "proto/gen/{stem}.h"')
    c += ["", "namespace uvk {", "namespace proto {", "",
          "// Arrays of a hostile frame may not take more than this much memory.",
          "static const size_t kRoundtripArenaLimit = 64u << 20;", "",
          "template <class T>",
          "static int roundtrip(int16_t version, const uint8_t *data, size_t len, Buf *out) {",
          "  Arena arena;",
          "  arena.limit = kRoundtripArenaLimit;",
          "  Reader r = reader_make(data, len);",
          "  T m;",
          "  int rc = decode(&r, &arena, &m, version);",
          "  if (rc == 0 && rd_left(&r) != 0) rc = UVK_EPROTO;",
          "  if (rc == 0) rc = encode(out, m, version);",
          "  arena_free(&arena);",
          "  return rc;",
          "}", "",
          "struct Entry {",
          "  MessageInfo info;",
          "  int (*fn)(int16_t, const uint8_t *, size_t, Buf *);",
          "};", "",
          "static const Entry kMessages[] = {"]
    for m in msgs:
        req = "true" if m.kind == "request" or m.name == "RequestHeader" else "false"
        c.append(f'  {{{{"{m.name}", {m.api_key}, {req}, {m.valid.lo}, {m.valid.hi}}}, '
                 f'roundtrip<{m.name}>}},')
    c += ["};", "",
          "int proto_roundtrip(const char *name, int16_t version, const uint8_t *data, size_t len,",
          "                    Buf *out) {",
          "  for (const Entry &e : kMessages) {",
          "    if (strcmp(e.info.name, name) != 0) continue;",
          "    if (version < e.info.min_version || version > e.info.max_version) return UVK_EUNSUPPORTED;",
          "    return e.fn(version, data, len, out);",
          "  }",
          "  return UVK_ENOTFOUND;",
          "}", "",
          "const MessageInfo *proto_messages(size_t *count) {",
          "  static MessageInfo infos[sizeof kMessages / sizeof kMessages[0]];",
          "  static bool filled = false;",
          "  if (!filled) {",
          "    for (size_t i = 0; i < sizeof kMessages / sizeof kMessages[0]; i++) infos[i] = kMessages[i].info;",
          "    filled = true;",
          "  }",
          "  *count = sizeof kMessages / sizeof kMessages[0];",
          "  return infos;",
          "}", "",
          "}  // namespace proto", "}  // namespace uvk", ""]
    return [("dispatch.h", "\n".join(h)), ("dispatch.cc", "\n".join(c))]


class SampleEmitter(Emitter):
    """Fills every field a version has with a deterministic, mostly non-default value."""

    def present(self, f):
        c = cond(f.versions, self.valid)
        if f.tag is not None:
            t = cond(f.tagged, self.valid)
            fl = cond(self.m.flexible, self.valid)
            parts = [p for p in (c, t, fl) if p != "true"]
            if "false" in parts:
                return "false"
            return " && ".join(f"({p})" for p in parts) if parts else "true"
        return c

    def fill_value(self, f, x, elem=False):
        t = f.elem
        nul = "false" if elem else cond(f.nullable, self.valid)
        if f.is_array and not elem:
            inner = self.fill_value(f, f"{x}.items[i]", elem=True)
            return [f"if (({nul}) && next(seed) % 5 == 0) {{",
                    f"  {x}.count = -1;",
                    "} else {",
                    f"  {x}.count = int32_t(next(seed) % 3);",
                    f"  {x}.items = arena_new_array<{self.elem_type(f)}>(a, size_t({x}.count) + 1);",
                    f"  for (int32_t i = 0; i < {x}.count; i++) {{",
                    f"    new (&{x}.items[i]) {self.elem_type(f)}();"] + \
                ["    " + l for l in inner] + ["  }", "}"]
        if t in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
            return [f"{x} = {self.elem_type(f)}(next(seed) % 30000 + 1);"]
        if t == "bool":
            return [f"{x} = next(seed) % 2 == 0;"]
        if t == "float64":
            return [f"{x} = double(next(seed) % 1000) + 0.25;"]
        if t == "uuid":
            return ["for (uint8_t &b : " + x + ".b) b = uint8_t(next(seed));"]
        if t == "string":
            return [f"if (({nul}) && next(seed) % 4 == 0) {x} = Str();",
                    f"else {x} = sample_str(next(seed));"]
        if t in ("bytes", "records"):
            return [f"if (({nul}) && next(seed) % 4 == 0) {x} = Bytes();",
                    f"else {x} = sample_bytes(next(seed));"]
        q = self.qual[t]
        if not elem and self.nullable_struct(f):
            return [f"if (({nul}) && next(seed) % 3 == 0) {{",
                    f"  {x} = nullptr;",
                    "} else {",
                    f"  {q} *p = arena_new_array<{q}>(a, 1);",
                    f"  new (p) {q}();",
                    "  fill(a, p, v, seed);",
                    f"  {x} = p;",
                    "}"]
        return [f"fill(a, &{x}, v, seed);"]

    def fill_fn(self, qname, fields):
        body = []
        for f in fields:
            lines = self.fill_value(f, f"s->{member(f)}")
            c = self.present(f)
            if c == "false":
                continue
            if c == "true":
                body += lines
            else:
                body += [f"if ({c}) {{"] + ["  " + l for l in lines] + ["}"]
        return [f"static void fill(Arena *a, {qname} *s, int16_t v, uint32_t *seed) {{",
                "  (void)a;", "  (void)v;", "  (void)seed;", "  (void)s;"] + \
            ["  " + l for l in body] + ["}"]


def samples(msgs, groups, banner):
    c = [banner.rstrip(),
         "// Deterministic sample instances of every message at every version, for the round-trip",
         "// unit tests (compiled into tests only, never into the library).",
         '#include "proto/gen/samples.h"', "", "#include <string.h>", ""]
    for stem in sorted(groups):
        c.append(f'#include "proto/gen/{stem}.h"')
    c += ["", "namespace uvk {", "namespace proto {", "",
          "static uint32_t next(uint32_t *seed) {",
          "  *seed = *seed * 1103515245u + 12345u;",
          "  return (*seed >> 8) & 0xffffff;",
          "}", "",
          "static Str sample_str(uint32_t n) {",
          "  static const char *const kStrings[] = {\"\", \"a\", \"topic-1\", \"uvkafka\",",
          "      \"\\xc3\\xa9t\\xc3\\xa9\", \"a-longer-string-with-some-bytes-in-it\"};",
          "  const char *s = kStrings[n % 6];",
          "  return Str{s, int32_t(strlen(s))};",
          "}", "",
          "static Bytes sample_bytes(uint32_t n) {",
          "  static const uint8_t kBytes[] = {0, 1, 2, 3, 0xff, 0x80, 0x7f, 9, 10, 11, 12, 13};",
          "  return Bytes{kBytes, int32_t(n % sizeof kBytes)};",
          "}", ""]
    for m in msgs:
        e = SampleEmitter(m)
        for s in m.structs:
            c.append(f"static void fill(Arena *a, {e.qual[s.name]} *s, int16_t v, uint32_t *seed);")
    for m in msgs:
        e = SampleEmitter(m)
        for s in m.structs:
            c += e.fill_fn(e.qual[s.name], s.fields) + [""]
        c += e.fill_fn(m.name, m.fields) + [""]
    c += ["template <class T>",
          "static int sample_rt(int16_t v, uint32_t seed, Buf *first, Buf *second, size_t *consumed) {",
          "  Arena a;",
          "  T m;",
          "  fill(&a, &m, v, &seed);",
          "  int rc = encode(first, m, v);",
          "  if (rc == 0) {",
          "    Arena b;",
          "    Reader r = reader_make(first->data, first->len);",
          "    T back;",
          "    rc = decode(&r, &b, &back, v);",
          "    *consumed = first->len - rd_left(&r);",
          "    if (rc == 0) rc = encode(second, back, v);",
          "    arena_free(&b);",
          "  }",
          "  arena_free(&a);",
          "  return rc;",
          "}", "",
          "int proto_sample_roundtrip(const char *name, int16_t version, uint32_t seed, Buf *first,",
          "                           Buf *second, size_t *consumed) {"]
    for m in msgs:
        c.append(f'  if (strcmp(name, "{m.name}") == 0) '
                 f"return sample_rt<{m.name}>(version, seed, first, second, consumed);")
    c += ["  return UVK_ENOTFOUND;", "}", "",
          "}  // namespace proto", "}  // namespace uvk", ""]
    h = [banner.rstrip(), "#pragma once", "#include <stddef.h>", "#include <stdint.h>", "",
         '#include "common/buf.h"', "",
         "namespace uvk {", "namespace proto {", "",
         "// Fills a sample of `name` at `version` from `seed`, encodes it into `first`, decodes that",
         "// and encodes the result into `second`; *consumed is what the decoder read. 0 or UVK_E*.",
         "int proto_sample_roundtrip(const char *name, int16_t version, uint32_t seed, Buf *first,",
         "                           Buf *second, size_t *consumed);", "",
         "}  // namespace proto", "}  // namespace uvk", ""]
    return [("samples.h", "\n".join(h)), ("samples.cc", "\n".join(c))]


class JsonEmitter(SampleEmitter):
    """Writes a decoded message as JSON in the shape gen_samples.py gives the Java client:
    camelCase keys, the fields the version has, bytes as base64, uuids as base64url."""

    def json_value(self, f, x, elem=False):
        t = f.elem
        if f.is_array and not elem:
            inner = self.json_value(f, f"{x}.items[i]", elem=True)
            return [f"if ({x}.count < 0) {{",
                    "  j_raw(o, \"null\");",
                    "} else {",
                    "  j_raw(o, \"[\");",
                    f"  for (int32_t i = 0; i < {x}.count; i++) {{",
                    "    if (i) j_raw(o, \",\");"] + ["    " + l for l in inner] + ["  }", "  j_raw(o, \"]\");", "}"]
        if t in ("int8", "int16", "int32"):
            return [f"j_int(o, int64_t({x}));"]
        if t in ("uint16", "uint32", "int64"):
            return [f"j_int(o, int64_t({x}));"]
        if t == "bool":
            return [f"j_raw(o, {x} ? \"true\" : \"false\");"]
        if t == "float64":
            return [f"j_double(o, {x});"]
        if t == "uuid":
            return [f"j_uuid(o, {x});"]
        if t == "string":
            return [f"j_str(o, {x});"]
        if t in ("bytes", "records"):
            return [f"j_bytes(o, {x});"]
        if not elem and self.nullable_struct(f):
            return [f"if (!{x}) j_raw(o, \"null\");", f"else to_json(o, *{x}, v);"]
        return [f"to_json(o, {x}, v);"]

    def json_fn(self, qname, fields):
        body = ["j_raw(o, \"{\");", "bool first = true;", "(void)first;"]
        for f in fields:
            c = self.present(f)
            if c == "false":
                continue
            key = f.name[0].lower() + f.name[1:]
            lines = [f"j_key(o, \"{key}\", &first);"] + self.json_value(f, f"s.{member(f)}")
            body += lines if c == "true" else [f"if ({c}) {{"] + ["  " + l for l in lines] + ["}"]
        body.append("j_raw(o, \"}\");")
        return [f"static void to_json(Buf *o, const {qname} &s, int16_t v) {{", "  (void)v;", "  (void)s;"] + \
            ["  " + l for l in body] + ["}"]


def json_file(msgs, groups, banner):
    c = [banner.rstrip(),
         "// Decoded messages as JSON, for comparing field by field with what the Java client was",
         "// given (test/oracle). Compiled into tests and tools only, never into the library.",
         '#include "proto/gen/json.h"', "", "#include <stdio.h>", "#include <string.h>", ""]
    for stem in sorted(groups):
        c.append(f'#include "proto/gen/{stem}.h"')
    c += ["", "namespace uvk {", "namespace proto {", "",
          "static void j_raw(Buf *o, const char *s) { put_raw(o, s, strlen(s)); }",
          "static void j_int(Buf *o, int64_t v) {",
          "  char t[32];",
          "  int n = snprintf(t, sizeof t, \"%lld\", (long long)v);",
          "  put_raw(o, t, size_t(n));",
          "}",
          "static void j_double(Buf *o, double v) {",
          "  char t[64];",
          "  int n = snprintf(t, sizeof t, \"%.17g\", v);",
          "  put_raw(o, t, size_t(n));",
          "}",
          "static void j_key(Buf *o, const char *k, bool *first) {",
          "  if (!*first) j_raw(o, \",\");",
          "  *first = false;",
          "  j_raw(o, \"\\\"\");",
          "  j_raw(o, k);",
          "  j_raw(o, \"\\\":\");",
          "}",
          "static void j_str(Buf *o, Str s) {",
          "  if (!s.data) return j_raw(o, \"null\");",
          "  j_raw(o, \"\\\"\");",
          "  for (int32_t i = 0; i < s.len; i++) {",
          "    unsigned char ch = (unsigned char)s.data[i];",
          "    if (ch == '\"' || ch == '\\\\') { put_u8(o, '\\\\'); put_u8(o, ch); }",
          "    else if (ch < 0x20) { char t[8]; snprintf(t, sizeof t, \"\\\\u%04x\", ch); j_raw(o, t); }",
          "    else put_u8(o, ch);",
          "  }",
          "  j_raw(o, \"\\\"\");",
          "}",
          "static void b64(Buf *o, const uint8_t *p, size_t n, bool url) {",
          "  const char *a = url ? \"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_\"",
          "                    : \"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\";",
          "  for (size_t i = 0; i < n; i += 3) {",
          "    uint32_t v = uint32_t(p[i]) << 16 | (i + 1 < n ? uint32_t(p[i + 1]) << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);",
          "    put_u8(o, uint8_t(a[v >> 18 & 63]));",
          "    put_u8(o, uint8_t(a[v >> 12 & 63]));",
          "    if (i + 1 < n) put_u8(o, uint8_t(a[v >> 6 & 63])); else if (!url) put_u8(o, '=');",
          "    if (i + 2 < n) put_u8(o, uint8_t(a[v & 63])); else if (!url) put_u8(o, '=');",
          "  }",
          "}",
          "static void j_bytes(Buf *o, Bytes b) {",
          "  if (!b.data) return j_raw(o, \"null\");",
          "  j_raw(o, \"\\\"\");",
          "  b64(o, b.data, size_t(b.len), false);",
          "  j_raw(o, \"\\\"\");",
          "}",
          "static void j_uuid(Buf *o, const Uuid &u) {",
          "  j_raw(o, \"\\\"\");",
          "  b64(o, u.b, 16, true);",
          "  j_raw(o, \"\\\"\");",
          "}", ""]
    for m in msgs:
        e = JsonEmitter(m)
        for s in m.structs:
            c.append(f"static void to_json(Buf *o, const {e.qual[s.name]} &s, int16_t v);")
    for m in msgs:
        e = JsonEmitter(m)
        for s in m.structs:
            c += e.json_fn(e.qual[s.name], s.fields) + [""]
        c += e.json_fn(m.name, m.fields) + [""]
    c += ["template <class T>",
          "static int dec_json(int16_t v, const uint8_t *data, size_t len, Buf *out) {",
          "  Arena a;",
          "  Reader r = reader_make(data, len);",
          "  T m;",
          "  int rc = decode(&r, &a, &m, v);",
          "  if (rc == 0 && rd_left(&r) != 0) rc = UVK_EPROTO;",
          "  if (rc == 0) to_json(out, m, v);",
          "  arena_free(&a);",
          "  return rc;",
          "}", "",
          "int proto_decode_to_json(const char *name, int16_t version, const uint8_t *data, size_t len, Buf *out) {"]
    for m in msgs:
        c.append(f'  if (strcmp(name, "{m.name}") == 0) return dec_json<{m.name}>(version, data, len, out);')
    c += ["  return UVK_ENOTFOUND;", "}", "",
          "}  // namespace proto", "}  // namespace uvk", ""]
    h = [banner.rstrip(), "#pragma once", "#include <stddef.h>", "#include <stdint.h>", "",
         '#include "common/buf.h"', "",
         "namespace uvk {", "namespace proto {", "",
         "// Decodes one body of `name` at `version` and appends it to `out` as JSON (camelCase keys,",
         "// the version's fields, bytes base64, uuids base64url). 0 or UVK_E*.",
         "int proto_decode_to_json(const char *name, int16_t version, const uint8_t *data, size_t len,",
         "                         Buf *out);", "",
         "}  // namespace proto", "}  // namespace uvk", ""]
    return [("json.h", "\n".join(h)), ("json.cc", "\n".join(c))]
