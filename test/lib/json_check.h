// A small JSON parser and a checker for the subset of JSON Schema that test/stats/schema.json
// uses: type (object, integer, string, boolean, array), required, properties,
// additionalProperties (false or a schema), items, enum, minimum, $ref to "#/definitions/x".
// Tests only: no dependency beyond the standard library.
#pragma once
#include <stdint.h>
#include <stdlib.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace uvk_test {

struct JValue {
  enum Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject } kind = kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<JValue> items;
  std::vector<std::pair<std::string, JValue>> members;  // in document order
  const JValue *get(const std::string &k) const {
    for (const auto &m : members)
      if (m.first == k) return &m.second;
    return nullptr;
  }
  int64_t num(const std::string &k) const {
    const JValue *v = get(k);
    return v && v->kind == kInt ? v->i : INT64_MIN;
  }
  std::string str(const std::string &k) const {
    const JValue *v = get(k);
    return v && v->kind == kString ? v->s : std::string();
  }
};

struct JParser {
  const char *p, *end;
  std::string err;
  void ws() {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  }
  bool fail(const char *why) {
    if (err.empty()) err = std::string(why) + " at " + std::string(p, size_t(end - p < 40 ? end - p : 40));
    return false;
  }
  bool string(std::string *out) {
    if (p >= end || *p != '"') return fail("expected a string");
    p++;
    while (p < end && *p != '"') {
      if (static_cast<unsigned char>(*p) < 0x20) return fail("control character in a string");
      if (*p == '\\') {
        if (++p >= end) return fail("bad escape");
        switch (*p) {
          case '"': case '\\': case '/': out->push_back(*p); break;
          case 'n': out->push_back('\n'); break;
          case 't': out->push_back('\t'); break;
          case 'r': out->push_back('\r'); break;
          case 'b': out->push_back('\b'); break;
          case 'f': out->push_back('\f'); break;
          case 'u':
            if (end - p < 5) return fail("bad \\u escape");
            out->push_back(char(strtol(std::string(p + 1, 4).c_str(), nullptr, 16)));
            p += 4;
            break;
          default: return fail("bad escape");
        }
        p++;
      } else {
        out->push_back(*p++);
      }
    }
    if (p >= end) return fail("unterminated string");
    p++;
    return true;
  }
  bool value(JValue *v, int depth = 0) {
    if (depth > 64) return fail("too deep");
    ws();
    if (p >= end) return fail("unexpected end");
    if (*p == '{') {
      v->kind = JValue::kObject;
      p++;
      ws();
      if (p < end && *p == '}') return p++, true;
      for (;;) {
        ws();
        std::string k;
        if (!string(&k)) return false;
        for (const auto &m : v->members)
          if (m.first == k) return fail("duplicate key");
        ws();
        if (p >= end || *p != ':') return fail("expected ':'");
        p++;
        JValue child;
        if (!value(&child, depth + 1)) return false;
        v->members.emplace_back(k, std::move(child));
        ws();
        if (p < end && *p == ',') { p++; continue; }
        if (p < end && *p == '}') return p++, true;
        return fail("expected ',' or '}'");
      }
    }
    if (*p == '[') {
      v->kind = JValue::kArray;
      p++;
      ws();
      if (p < end && *p == ']') return p++, true;
      for (;;) {
        JValue child;
        if (!value(&child, depth + 1)) return false;
        v->items.push_back(std::move(child));
        ws();
        if (p < end && *p == ',') { p++; continue; }
        if (p < end && *p == ']') return p++, true;
        return fail("expected ',' or ']'");
      }
    }
    if (*p == '"') {
      v->kind = JValue::kString;
      return string(&v->s);
    }
    if (end - p >= 4 && std::string(p, 4) == "true") return v->kind = JValue::kBool, v->b = true, p += 4, true;
    if (end - p >= 5 && std::string(p, 5) == "false") return v->kind = JValue::kBool, p += 5, true;
    if (end - p >= 4 && std::string(p, 4) == "null") return p += 4, true;
    const char *start = p;
    if (p < end && *p == '-') p++;
    if (p >= end || *p < '0' || *p > '9') return fail("bad value");
    if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') return fail("leading zero");
    while (p < end && *p >= '0' && *p <= '9') p++;
    bool frac = false;
    while (p < end && (*p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-' || (*p >= '0' && *p <= '9')))
      frac = true, p++;
    std::string t(start, size_t(p - start));
    if (frac) {
      v->kind = JValue::kDouble;
      v->d = strtod(t.c_str(), nullptr);
    } else {
      v->kind = JValue::kInt;
      v->i = strtoll(t.c_str(), nullptr, 10);
    }
    return true;
  }
};

// Parses text; false and *err on malformed JSON or trailing bytes.
inline bool json_parse(const std::string &text, JValue *out, std::string *err) {
  JParser jp{text.data(), text.data() + text.size(), {}};
  bool ok = jp.value(out);
  if (ok) {
    jp.ws();
    if (jp.p != jp.end) ok = jp.fail("trailing bytes");
  }
  if (!ok && err) *err = jp.err;
  return ok;
}

// Checks v against schema; appends "path: problem" lines to *errs.
inline void json_check(const JValue &root, const JValue &schema, const JValue &v, const std::string &path,
                       std::vector<std::string> *errs) {
  const JValue *ref = schema.get("$ref");
  if (ref) {
    const std::string prefix = "#/definitions/";
    const JValue *defs = root.get("definitions");
    const JValue *target = defs && ref->s.compare(0, prefix.size(), prefix) == 0 ? defs->get(ref->s.substr(prefix.size()))
                                                                                  : nullptr;
    if (!target) {
      errs->push_back(path + ": unresolved $ref " + ref->s);
      return;
    }
    json_check(root, *target, v, path, errs);
    return;
  }
  std::string type = schema.str("type");
  static const std::map<std::string, JValue::Kind> kinds = {
      {"object", JValue::kObject}, {"integer", JValue::kInt}, {"string", JValue::kString},
      {"boolean", JValue::kBool}, {"array", JValue::kArray}};
  if (!type.empty()) {
    auto k = kinds.find(type);
    if (k == kinds.end()) {
      errs->push_back(path + ": the schema names an unknown type " + type);
      return;
    }
    if (v.kind != k->second) {
      errs->push_back(path + ": expected " + type);
      return;
    }
  }
  if (const JValue *en = schema.get("enum")) {
    bool found = false;
    for (const JValue &e : en->items)
      if ((e.kind == JValue::kString && v.kind == JValue::kString && e.s == v.s) ||
          (e.kind == JValue::kInt && v.kind == JValue::kInt && e.i == v.i))
        found = true;
    if (!found) errs->push_back(path + ": value not in enum" + (v.kind == JValue::kString ? " (" + v.s + ")" : ""));
  }
  if (const JValue *mn = schema.get("minimum"))
    if (v.kind == JValue::kInt && v.i < mn->i) errs->push_back(path + ": below minimum " + std::to_string(mn->i));
  if (v.kind == JValue::kObject) {
    if (const JValue *req = schema.get("required"))
      for (const JValue &r : req->items)
        if (!v.get(r.s)) errs->push_back(path + ": missing " + r.s);
    const JValue *props = schema.get("properties");
    const JValue *extra = schema.get("additionalProperties");
    for (const auto &m : v.members) {
      const JValue *ps = props ? props->get(m.first) : nullptr;
      if (ps) json_check(root, *ps, m.second, path + "." + m.first, errs);
      else if (extra && extra->kind == JValue::kBool && !extra->b) errs->push_back(path + ": unexpected member " + m.first);
      else if (extra && extra->kind == JValue::kObject) json_check(root, *extra, m.second, path + "." + m.first, errs);
    }
  }
  if (v.kind == JValue::kArray)
    if (const JValue *it = schema.get("items"))
      for (size_t i = 0; i < v.items.size(); i++) json_check(root, *it, v.items[i], path + "[" + std::to_string(i) + "]", errs);
}

}  // namespace uvk_test
