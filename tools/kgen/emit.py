"""Writes C++ for one API (its request and response) from the schema model.

Every struct gets an encoder and a decoder that branch on the version at run time, as the
Java client's generated code does; the primitive steps are the inline helpers of
lib/proto/wire.h. Conditions are simplified against the message's valid versions so that a
field present in every version costs no branch.
"""
from schema import PRIMITIVES, Versions, snake

CPP_TYPES = {
    "bool": "bool", "int8": "int8_t", "int16": "int16_t", "uint16": "uint16_t",
    "int32": "int32_t", "uint32": "uint32_t", "int64": "int64_t", "float64": "double",
    "string": "Str", "bytes": "Bytes", "records": "Bytes", "uuid": "Uuid",
}
KEYWORDS = {"default", "operator", "delete", "class", "template", "private", "public",
            "new", "protected", "namespace", "register", "union", "switch", "case", "int",
            "long", "short", "char", "bool", "float", "double", "auto", "const", "static"}
FIXED_SIZE = {"bool": 1, "int8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4,
              "int64": 8, "float64": 8, "uuid": 16}


def member(f):
    n = snake(f.name)
    return n + "_" if n in KEYWORDS else n


def cond(vr, valid, var="v"):
    """C++ condition for `var` in vr, knowing var is within `valid`."""
    r = vr.intersect(valid)
    if r.empty():
        return "false"
    parts = []
    if r.lo > valid.lo:
        parts.append(f"{var} >= {r.lo}")
    if r.hi < valid.hi:
        parts.append(f"{var} <= {r.hi}")
    return " && ".join(parts) if parts else "true"


def guard(c, body, indent):
    """Wraps body lines in `if (c)` unless c is always true; drops them when false."""
    if c == "false":
        return []
    if c == "true":
        return [indent + l for l in body]
    return [indent + f"if ({c}) {{"] + [indent + "  " + l for l in body] + [indent + "}"]


def int_literal(t, text):
    v = int(text, 0)
    if t == "int64":
        return f"INT64_C({v})"
    if t == "uint32":
        return f"{v}u"
    return str(v)


class Emitter:
    def __init__(self, msg):
        self.m = msg
        self.valid = msg.valid
        self.qual = {}  # struct type name -> qualified C++ name
        for s in msg.structs:
            self.qual[s.name] = f"{msg.name}::{s.name}"

    # ---- types and defaults -------------------------------------------------------------
    def elem_type(self, f):
        return CPP_TYPES[f.elem] if f.elem in PRIMITIVES else self.qual[f.elem]

    def nullable_struct(self, f):
        return (not f.is_array) and f.elem_is_struct and not f.nullable.empty()

    def cpp_type(self, f):
        if f.is_array:
            return f"Array<{self.elem_type(f)}>"
        if self.nullable_struct(f):
            return f"const {self.qual[f.elem]} *"
        return self.elem_type(f)

    def default_init(self, f):
        t, d = f.type, f.default
        if f.is_array or f.elem_is_struct:
            return " = nullptr" if self.nullable_struct(f) else " = {}"
        if t == "bool":
            return " = true" if str(d).lower() == "true" else " = false"
        if t in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
            return f" = {int_literal(t, str(d))}" if d not in (None, "") else " = 0"
        if t == "float64":
            return f" = {float(d)!r}" if d not in (None, "") else " = 0.0"
        if t == "string":
            if d == "null":
                return " = {}"
            lit = d or ""
            return f' = {{"{lit}", {len(lit.encode())}}}'
        if t == "bytes":
            return " = {kNoBytes, 0}"
        return " = {}"  # records (null), uuid (zero)

    def nondefault(self, f, x):
        """C++ expression: true when x differs from the field's default."""
        t, d = f.type, f.default
        if f.is_array:
            return f"{x}.count != 0"
        if f.elem_is_struct:
            return f"{x} != nullptr" if self.nullable_struct(f) else f"!is_default({x})"
        if t == "bool":
            return f"{x} != {'true' if str(d).lower() == 'true' else 'false'}"
        if t in FIXED_SIZE and t != "uuid":
            return f"{x} != {self.default_init(f)[3:]}"
        if t == "uuid":
            return f"!uuid_is_zero({x})"
        if t == "string":
            if d == "null":
                return f"{x}.data != nullptr"
            lit = d or ""
            return f'!str_eq({x}, "{lit}", {len(lit.encode())})'
        if t == "bytes":
            return f"({x}.data == nullptr || {x}.len != 0)"
        return f"{x}.data != nullptr"  # records

    # ---- declarations ---------------------------------------------------------------------
    def struct_decl(self, name, fields, indent):
        out = [f"{indent}struct {name} {{"]
        for f in fields:
            out.append(f"{indent}  {self.cpp_type(f)} {member(f)}{self.default_init(f)};")
        out.append(f"{indent}}};")
        return out

    def header_decl(self):
        m = self.m
        out = [f"struct {m.name} {{"]
        for s in m.structs:
            out += self.struct_decl(s.name, s.fields, "  ")
        for f in m.fields:
            out.append(f"  {self.cpp_type(f)} {member(f)}{self.default_init(f)};")
        if m.api_key >= 0:
            out.append(f"  static constexpr int16_t kApiKey = {m.api_key};")
        out.append(f"  static constexpr int16_t kMinVersion = {m.valid.lo};")
        out.append(f"  static constexpr int16_t kMaxVersion = {m.valid.hi};")
        out.append("};")
        out.append(f"int encode(Buf *out, const {m.name} &m, int16_t version);")
        out.append(f"int decode(Reader *in, Arena *arena, {m.name} *m, int16_t version);")
        return out

    # ---- encoding -------------------------------------------------------------------------
    def flex_expr(self, f=None):
        if f is not None and f.flexible_override == "none":
            return "false"
        return cond(self.m.flexible, self.valid)

    def enc_value(self, f, x, compact):
        """Lines writing value x of field f (not its tag framing)."""
        nul = cond(f.nullable, self.valid)
        if not f.is_array:
            return self.enc_scalar(f, x, compact)
        body = self.enc_scalar(f, f"{x}.items[i]", compact, elem=True)
        return ([f"if (w_arr(w, {x}.count, {compact}, {nul})) {{",
                 f"  for (int32_t i = 0; i < {x}.count; i++) {{"] +
                ["    " + l for l in body] + ["  }", "}"])

    def enc_scalar(self, f, x, compact, elem=False):
        t = f.elem
        nul = "false" if elem else cond(f.nullable, self.valid)
        if t in PRIMITIVES:
            return [{
                "bool": f"w_bool(w, {x});",
                "int8": f"put_i8(w->out, {x});",
                "int16": f"put_i16(w->out, {x});",
                "uint16": f"put_be16(w->out, {x});",
                "int32": f"put_i32(w->out, {x});",
                "uint32": f"put_be32(w->out, {x});",
                "int64": f"put_i64(w->out, {x});",
                "float64": f"put_f64(w->out, {x});",
                "uuid": f"w_uuid(w, {x});",
                "string": f"w_str(w, {x}, {compact}, {nul});",
                "bytes": f"w_bytes(w, {x}, {compact}, {nul});",
                "records": f"w_bytes(w, {x}, {compact}, {nul});",
            }[t]]
        fn = f"enc_{self.m.name}_{t}"
        if not elem and self.nullable_struct(f):
            return [f"if (!{x}) {{",
                    f"  if ({nul}) put_i8(w->out, -1); else enc_fail(w, UVK_EINVAL);",
                    "} else {",
                    "  put_i8(w->out, 1);",
                    f"  {fn}(w, *{x}, v);",
                    "}"]
        return [f"{fn}(w, {x}, v);"]

    def enc_fields(self, fields, obj):
        lines = []
        flex = self.flex_expr()
        tagged = [f for f in fields if f.tag is not None]
        for f in fields:
            x = f"{obj}.{member(f)}"
            present = cond(f.versions, self.valid)
            tag_c = cond(f.tagged, self.valid) if f.tag is not None else "false"
            if f.tag is not None:
                # Tagged: written in the tagged section; here only the "cannot write" check.
                if not f.ignorable:
                    absent = f"!({tag_c})" if tag_c != "true" else "false"
                    if absent != "false":
                        lines += [f"if ({absent} && {self.nondefault(f, x)}) enc_fail(w, UVK_EUNSUPPORTED);"]
                continue
            compact = self.flex_expr(f)
            body = self.enc_value(f, x, compact)
            if present == "true":
                lines += body
            else:
                lines += guard(present, body, "")
                if not f.ignorable:
                    neg = f"!({present})" if present != "false" else "true"
                    lines.append(f"if ({neg} && {self.nondefault(f, x)}) enc_fail(w, UVK_EUNSUPPORTED);")
        if flex != "false":
            tl = []
            if tagged:
                tl.append("uint32_t ntag = 0;")
                for f in tagged:
                    x = f"{obj}.{member(f)}"
                    c = cond(f.tagged, self.valid)
                    if c == "false":
                        continue
                    tl.append(f"if (({c}) && {self.nondefault(f, x)}) ntag++;")
                tl.append("put_uvarint(w->out, ntag);")
                for f in sorted(tagged, key=lambda f: f.tag):
                    x = f"{obj}.{member(f)}"
                    c = cond(f.tagged, self.valid)
                    if c == "false":
                        continue
                    body = [f"size_t mark = w_tag_begin(w, {f.tag});"] + \
                        self.enc_value(f, x, "true") + ["w_tag_end(w, mark);"]
                    tl.append(f"if (({c}) && {self.nondefault(f, x)}) {{")
                    tl += ["  " + l for l in body]
                    tl.append("}")
            else:
                tl.append("put_u8(w->out, 0);  // no tagged fields")
            lines += guard(flex, tl, "")
        return lines

    def enc_struct_fn(self, sname, qname, fields):
        body = self.enc_fields(fields, "s")
        return [f"static void enc_{self.m.name}_{sname}(Enc *w, const {qname} &s, int16_t v) {{",
                "  (void)v;", "  (void)s;"] + ["  " + l for l in body] + ["}"]

    # ---- decoding -------------------------------------------------------------------------
    def min_size_expr(self, f):
        """Fewest bytes one array item takes (0 when it may be empty at this version)."""
        t = f.elem
        if t in FIXED_SIZE:
            return str(FIXED_SIZE[t])
        if t in ("string",):
            return "1"
        if t in ("bytes", "records"):
            return "1"
        return f"min_size_{self.m.name}_{t}(v)"

    def dec_value(self, f, x, compact, r="r"):
        nul = cond(f.nullable, self.valid)
        if f.is_array:
            body = self.dec_scalar(f, f"{x}.items[i]", compact, r, elem=True)
            return ([f"if (r_arr({r}, a, &{x}, {compact}, {nul}, {self.min_size_expr(f)})) {{",
                     f"  for (int32_t i = 0; i < {x}.count && rd_ok({r}); i++) {{"] +
                    ["    " + l for l in body] + ["  }", "}"])
        return self.dec_scalar(f, x, compact, r)

    def dec_scalar(self, f, x, compact, r="r", elem=False):
        t = f.elem
        nul = "false" if elem else cond(f.nullable, self.valid)
        if t in PRIMITIVES:
            return [{
                "bool": f"{x} = r_bool({r});",
                "int8": f"{x} = get_i8({r});",
                "int16": f"{x} = get_i16({r});",
                "uint16": f"{x} = get_be16({r});",
                "int32": f"{x} = get_i32({r});",
                "uint32": f"{x} = get_be32({r});",
                "int64": f"{x} = get_i64({r});",
                "float64": f"{x} = get_f64({r});",
                "uuid": f"r_uuid({r}, &{x});",
                "string": f"{x} = r_str({r}, {compact}, {nul});",
                "bytes": f"{x} = r_bytes({r}, {compact}, {nul});",
                "records": f"{x} = r_bytes({r}, {compact}, {nul});",
            }[t]]
        fn = f"dec_{self.m.name}_{t}"
        q = self.qual[t]
        if not elem and self.nullable_struct(f):
            return ["{",
                    f"  int8_t marker = get_i8({r});",
                    f"  if (marker < 0 && !({nul})) rd_fail({r}, UVK_EPROTO);",
                    f"  if (marker >= 0 && rd_ok({r})) {{",
                    f"    {q} *p = r_new<{q}>({r}, a);",
                    f"    if (p) {fn}({r}, a, p, v);",
                    f"    {x} = p;",
                    "  }",
                    "}"]
        return [f"{fn}({r}, a, &{x}, v);"]

    def dec_fields(self, fields, obj):
        lines = []
        flex = self.flex_expr()
        tagged = [f for f in fields if f.tag is not None]
        for f in fields:
            if f.tag is not None:
                continue
            x = f"{obj}->{member(f)}"
            present = cond(f.versions, self.valid)
            lines += guard(present, self.dec_value(f, x, self.flex_expr(f)), "")
        if flex != "false":
            tl = ["uint32_t ntag = r_tag_count(r);",
                  "for (uint32_t t = 0; t < ntag && rd_ok(r); t++) {",
                  "  Reader tv;",
                  "  uint32_t tag = r_tag(r, &tv);"]
            if tagged:
                tl.append("  switch (tag) {")
                for f in sorted(tagged, key=lambda f: f.tag):
                    c = cond(f.tagged, self.valid)
                    if c == "false":
                        continue
                    x = f"{obj}->{member(f)}"
                    body = self.dec_value(f, x, "true", "&tv")
                    tl.append(f"    case {f.tag}:")
                    tl += guard(c, body, "      ")
                    tl.append("      break;")
                tl += ["    default:", "      break;  // unknown tags are skipped", "  }"]
            else:
                tl.append("  (void)tag;  // no known tags: skip")
            tl += ["  r_tag_done(r, &tv);", "}"]
            lines += guard(flex, tl, "")
        return lines

    def dec_struct_fn(self, sname, qname, fields):
        body = self.dec_fields(fields, "s")
        return [f"static void dec_{self.m.name}_{sname}(Reader *r, Arena *a, {qname} *s, int16_t v) {{",
                "  (void)v;", "  (void)a;", "  (void)s;"] + ["  " + l for l in body] + ["}"]

    def min_size_fn(self, sname, fields):
        # The versions in which an item takes at least one byte: flexible ones (the tagged
        # section) and those where some untagged field exists. Merged here, not in C++.
        ranges = [self.m.flexible.intersect(self.valid)]
        ranges += [f.versions.intersect(self.valid) for f in fields if f.tag is None]
        ranges = sorted((r.lo, r.hi) for r in ranges if not r.empty())
        merged = []
        for lo, hi in ranges:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        conds = []
        for lo, hi in merged:
            r = Versions("none")
            r.lo, r.hi = lo, hi
            conds.append(cond(r, self.valid))
        if "true" in conds:
            expr = "true"
        elif not conds:
            expr = "false"
        else:
            expr = " || ".join(f"({c})" for c in conds)
        return [f"[[maybe_unused]] static inline size_t min_size_{self.m.name}_{sname}(int16_t v) {{",
                "  (void)v;", f"  return ({expr}) ? 1 : 0;", "}"]

    def is_default_fn(self, sname, qname, fields):
        checks = [self.nondefault(f, f"s.{member(f)}") for f in fields]
        expr = " || ".join(f"({c})" for c in checks) if checks else "false"
        return [f"[[maybe_unused]] static inline bool is_default(const {qname} &s) {{",
                "  (void)s;", f"  return !({expr});", "}"]

    # ---- whole files ----------------------------------------------------------------------
    def source_body(self):
        m = self.m
        out = []
        # Forward declarations keep the order of definitions free.
        for s in m.structs:
            q = self.qual[s.name]
            out.append(f"static void enc_{m.name}_{s.name}(Enc *w, const {q} &s, int16_t v);")
            out.append(f"static void dec_{m.name}_{s.name}(Reader *r, Arena *a, {q} *s, int16_t v);")
        for s in m.structs:
            q = self.qual[s.name]
            out += self.is_default_fn(s.name, q, s.fields)
            out += self.min_size_fn(s.name, s.fields)
        out.append("")
        for s in m.structs:
            q = self.qual[s.name]
            out += self.enc_struct_fn(s.name, q, s.fields) + [""]
            out += self.dec_struct_fn(s.name, q, s.fields) + [""]
        out += self.enc_struct_fn(m.name, m.name, m.fields) + [""]
        out += self.dec_struct_fn(m.name, m.name, m.fields) + [""]
        out += [f"int encode(Buf *out, const {m.name} &m, int16_t version) {{",
                f"  if (version < {m.valid.lo} || version > {m.valid.hi}) return UVK_EUNSUPPORTED;",
                "  size_t start = out->len;",
                "  Enc w{out, 0};",
                f"  enc_{m.name}_{m.name}(&w, m, version);",
                "  if (!w.err && out->failed) w.err = UVK_ENOMEM;",
                "  if (w.err && !out->failed) out->len = start;",
                "  return w.err;",
                "}",
                "",
                f"int decode(Reader *in, Arena *arena, {m.name} *m, int16_t version) {{",
                f"  if (version < {m.valid.lo} || version > {m.valid.hi}) return UVK_EUNSUPPORTED;",
                f"  *m = {m.name}();",
                f"  dec_{m.name}_{m.name}(in, arena, m, version);",
                "  return in->err;",
                "}",
                ""]
        return out
