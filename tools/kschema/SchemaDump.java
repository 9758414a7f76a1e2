// Dumps the wire schema of every request, response and header message a kafka-clients jar
// carries, as raw per-version facts (JSON on stdout); derive.py turns them into the schema
// files tools/kgen reads. Reflection only, so one source runs against 3.9 .. 4.x jars.
// Per class: its fields in declaration order (the order of Kafka's own schema file), each
// field's wire type / tag per version (from the generated SCHEMAS), its default (from a new
// instance) and whether writing a non-default value at a version without the field fails
// (the "ignorable" flag, observed by calling the generated write()).
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.ArrayOf;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.CompactArrayOf;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;

public class SchemaDump {
  static final StringBuilder out = new StringBuilder();

  public static void main(String[] args) throws Exception {
    out.append("[\n");
    boolean first = true;
    for (ApiMessageType t : ApiMessageType.values()) {
      StringBuilder ls = new StringBuilder();
      for (Object l : t.listeners()) ls.append(ls.length() == 0 ? "" : ",").append(q(l.toString()));
      String extra = "\"apiKey\": " + t.apiKey() + ", \"listeners\": [" + ls + "], \"unstable\": " +
          t.latestVersionUnstable();
      Class<?> req, resp;
      try {
        req = t.newRequest().getClass();
        resp = t.newResponse().getClass();
      } catch (RuntimeException e) {  // a key the release no longer has classes for
        continue;
      }
      first = message(first, req, "request", extra);
      first = message(first, resp, "response", extra);
    }
    first = message(first, Class.forName("org.apache.kafka.common.message.RequestHeaderData"), "header", "\"apiKey\": -1");
    message(first, Class.forName("org.apache.kafka.common.message.ResponseHeaderData"), "header", "\"apiKey\": -1");
    out.append("\n]\n");
    System.out.print(out);
  }

  static boolean message(boolean first, Class<?> c, String kind, String extra) throws Exception {
    Schema[] schemas = (Schema[]) c.getField("SCHEMAS").get(null);
    String name = c.getSimpleName().replaceAll("Data$", "");
    out.append(first ? "" : ",\n").append("{\"name\": ").append(q(name)).append(", \"type\": ").append(q(kind))
        .append(", ").append(extra).append(", \"versions\": {");
    boolean f1 = true;
    for (int v = 0; v < schemas.length; v++) {
      if (schemas[v] == null) continue;
      boolean flex = false;
      for (BoundField b : schemas[v].fields()) flex |= b.def.type instanceof TaggedFields;
      out.append(f1 ? "" : ", ").append(q("" + v)).append(": ").append(flex);
      f1 = false;
    }
    out.append("}, \"root\": ");
    List<Integer> vs = new ArrayList<>();
    for (int v = 0; v < schemas.length; v++) if (schemas[v] != null) vs.add(v);
    struct(c, vs, schemas, "");
    out.append("}");
    return false;
  }

  // One struct: fields in declaration order with their per-version facts; nested structs inline.
  static void struct(Class<?> c, List<Integer> vs, Schema[] schemas, String ind) throws Exception {
    out.append("{\"class\": ").append(q(c.getSimpleName())).append(", \"fields\": [");
    Object fresh = c.getConstructor().newInstance();
    boolean first = true;
    for (Field jf : c.getDeclaredFields()) {
      if (Modifier.isStatic(jf.getModifiers()) || jf.getName().startsWith("_") ||
          jf.getName().equals("next") || jf.getName().equals("prev")) continue;
      jf.setAccessible(true);
      String json = Character.toUpperCase(jf.getName().charAt(0)) + jf.getName().substring(1);
      String snake = snake(json);
      out.append(first ? "\n" : ",\n").append(ind).append("  {\"name\": ").append(q(json))
          .append(", \"default\": ").append(dflt(jf.get(fresh))).append(", \"per\": {");
      first = false;
      Class<?> sub = structClass(jf);
      Schema[] subSchemas = new Schema[schemas.length];
      List<Integer> absent = new ArrayList<>();
      boolean f1 = true;
      for (int v : vs) {
        String fact = null;
        org.apache.kafka.common.protocol.types.Type ty = null;
        for (BoundField b : schemas[v].fields()) {
          if (b.def.type instanceof TaggedFields) {
            for (Map.Entry<Integer, org.apache.kafka.common.protocol.types.Field> e :
                 tagged((TaggedFields) b.def.type).entrySet()) {
              if (e.getValue().name.equals(snake)) { ty = e.getValue().type; fact = "\"tag\": " + e.getKey() + ", "; }
            }
          } else if (b.def.name.equals(snake)) {
            ty = b.def.type;
            fact = "";
          }
        }
        if (fact == null) { absent.add(v); continue; }
        out.append(f1 ? "" : ", ").append(q("" + v)).append(": {").append(fact).append("\"type\": ")
            .append(q(typeName(ty, sub, subSchemas, v))).append("}");
        f1 = false;
      }
      out.append("}, \"ignorable\": ").append(ignorable(c, jf, absent));
      if (sub != null) {
        List<Integer> svs = new ArrayList<>();
        for (int v : vs) if (subSchemas[v] != null) svs.add(v);
        out.append(", \"struct\": ");
        struct(sub, svs, subSchemas, ind + "  ");
      }
      out.append("}");
    }
    out.append("]}");
  }

  // The tag -> field map (a private field before 4.0 added an accessor).
  @SuppressWarnings("unchecked")
  static Map<Integer, org.apache.kafka.common.protocol.types.Field> tagged(TaggedFields t) throws Exception {
    Field f = TaggedFields.class.getDeclaredField("fields");
    f.setAccessible(true);
    return (Map<Integer, org.apache.kafka.common.protocol.types.Field>) f.get(t);
  }

  // Wire type at one version; a struct's schema is remembered for the recursion.
  static String typeName(org.apache.kafka.common.protocol.types.Type t, Class<?> sub, Schema[] subSchemas, int v) {
    if (t instanceof ArrayOf || t instanceof CompactArrayOf) {
      boolean nullable = t.isNullable();
      String pre = (t instanceof CompactArrayOf ? "COMPACT_" : "") + (nullable ? "NULLABLE_" : "") + "ARRAY:";
      return pre + typeName(t.arrayElementType().get(), sub, subSchemas, v);
    }
    if (t instanceof Schema) {
      subSchemas[v] = (Schema) t;
      return (t.isNullable() ? "NULLABLE_" : "") + "STRUCT";
    }
    String n = t.toString();
    if (t.isNullable() && !n.contains("NULLABLE")) {  // 3.x: RECORDS is nullable by itself
      n = n.startsWith("COMPACT_") ? "COMPACT_NULLABLE_" + n.substring(8) : "NULLABLE_" + n;
    }
    return n;
  }

  // The generated class of a struct-typed field (element class for arrays and collections).
  static Class<?> structClass(Field jf) throws Exception {
    Class<?> c = jf.getType();
    if (Message.class.isAssignableFrom(c)) return c;
    Type g = jf.getGenericType();
    if (g instanceof ParameterizedType) {
      Type a = ((ParameterizedType) g).getActualTypeArguments()[0];
      if (a instanceof Class && Message.class.isAssignableFrom((Class<?>) a)) return (Class<?>) a;
      return null;
    }
    if (Collection.class.isAssignableFrom(c)) {  // FooCollection of Foo
      Type s = c.getGenericSuperclass();
      if (s instanceof ParameterizedType) return (Class<?>) ((ParameterizedType) s).getActualTypeArguments()[0];
    }
    return null;
  }

  // "true" when no absent version rejects a non-default value, "false" when one does, null when
  // the field exists in every version (the flag has no effect then).
  static String ignorable(Class<?> c, Field jf, List<Integer> absent) throws Exception {
    if (absent.isEmpty()) return "null";
    for (int v : absent) {
      Object o = c.getConstructor().newInstance();
      Object val = nonDefault(jf, jf.get(o));
      if (val == null) return q("unprobed");
      jf.set(o, val);
      try {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        Method addSize = c.getMethod("addSize", MessageSizeAccumulator.class, ObjectSerializationCache.class, short.class);
        addSize.invoke(o, size, cache, (short) v);
        ByteBuffer buf = ByteBuffer.allocate(size.totalSize());
        Method write = c.getMethod("write", org.apache.kafka.common.protocol.Writable.class, ObjectSerializationCache.class, short.class);
        write.invoke(o, new ByteBufferAccessor(buf), cache, (short) v);
      } catch (java.lang.reflect.InvocationTargetException e) {
        if (e.getCause() instanceof UnsupportedVersionException) return "false";
        return q("error: " + e.getCause());
      }
    }
    return "true";
  }

  @SuppressWarnings("unchecked")
  static Object nonDefault(Field jf, Object d) throws Exception {
    Class<?> t = jf.getType();
    if (t == byte.class) return (byte) ((Byte) d + 1);
    if (t == short.class) return (short) ((Short) d + 1);
    if (t == int.class) return (Integer) d + 1;
    if (t == long.class) return (Long) d + 1;
    if (t == double.class) return (Double) d + 1;
    if (t == boolean.class) return !(Boolean) d;
    if (t == String.class) return d == null ? "x" : d + "x";
    if (t == Uuid.class) return Uuid.ZERO_UUID.equals(d) ? new Uuid(1, 1) : Uuid.ZERO_UUID;
    if (t == byte[].class) return new byte[] {1};
    if (t == ByteBuffer.class) return ByteBuffer.wrap(new byte[] {1});
    if (t.getName().endsWith("Records")) return d == null ? emptyRecords() : null;
    Class<?> sub = structClass(jf);
    if (Message.class.isAssignableFrom(t)) {
      Object o = t.getConstructor().newInstance();
      if (d == null) return o;
      for (Field f : t.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.getName().startsWith("_") ||
            f.getName().equals("next") || f.getName().equals("prev")) continue;
        f.setAccessible(true);
        Object x = nonDefault(f, f.get(o));
        if (x != null) { f.set(o, x); return o; }
      }
      return null;
    }
    Object elem;
    if (sub != null) {
      elem = sub.getConstructor().newInstance();
    } else {
      Type a = ((ParameterizedType) jf.getGenericType()).getActualTypeArguments()[0];
      if (a == Integer.class) elem = 1;
      else if (a == Long.class) elem = 1L;
      else if (a == Short.class) elem = (short) 1;
      else if (a == Byte.class) elem = (byte) 1;
      else if (a == String.class) elem = "x";
      else if (a == Uuid.class) elem = new Uuid(1, 1);
      else return null;
    }
    if (List.class.isAssignableFrom(t)) {
      List<Object> l = new ArrayList<>();
      l.add(elem);
      return l;
    }
    if (Collection.class.isAssignableFrom(t)) {
      Collection<Object> col = (Collection<Object>) t.getConstructor().newInstance();
      col.add(elem);
      return col;
    }
    return null;
  }

  // MemoryRecords.EMPTY; the class moved to record.internal in 4.x.
  static Object emptyRecords() throws Exception {
    for (String n : new String[] {"org.apache.kafka.common.record.internal.MemoryRecords",
                                  "org.apache.kafka.common.record.MemoryRecords"}) {
      try {
        return Class.forName(n).getField("EMPTY").get(null);
      } catch (ClassNotFoundException e) {
        continue;
      }
    }
    return null;
  }

  static String dflt(Object d) {
    if (d == null) return q("null");
    if (d instanceof Number || d instanceof Boolean) return q(d.toString());
    if (d instanceof String) return q((String) d);
    if (d instanceof Uuid) return q(d.toString());
    return "null";  // arrays, structs, bytes: no default in the schema
  }

  // Kafka's generator's snake_case of a field name (the Schema's field names).
  static String snake(String s) {
    StringBuilder b = new StringBuilder();
    boolean prevCap = true;
    for (char ch : s.toCharArray()) {
      if (ch >= 'A' && ch <= 'Z') {
        if (!prevCap) b.append('_');
        b.append(Character.toLowerCase(ch));
        prevCap = true;
      } else {
        b.append(ch);
        prevCap = false;
      }
    }
    return b.toString();
  }

  static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }
}
