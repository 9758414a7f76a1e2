// The Java oracle: reference bytes written by the official Java client's own classes.
//
//   java Oracle messages SAMPLES_DIR OUT_FILE   one line per message version:
//        "<Name> <version> <hex>" or "skip <Name> <version> <reason>"
//   java Oracle murmur2 OUT_FILE                "<hex key> <murmur2> <toPositive(murmur2) % 1000>"
//   java Oracle crc32c OUT_FILE                 "<hex data> <crc32c>"
//   java Oracle records OUT_FILE                record batches of every codec (see README.md)
//   java Oracle verify-records IN_FILE OUT_XML  reads batches WE wrote; JUnit XML of the checks
// ("-" stands for an empty key or empty data.)
//
// Messages come from gen_samples.py's JSON through <Name>DataJsonConverter.read and are
// serialized with the message's own size/write methods, exactly as the client sends them.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.utils.Utils;

public class Oracle {
  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder(b.length * 2);
    for (byte x : b) s.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
    return s.toString();
  }

  static String oneLine(Throwable t) {
    while (t instanceof InvocationTargetException && t.getCause() != null) t = t.getCause();
    String m = t.getClass().getSimpleName() + ": " + t.getMessage();
    return m.replace('\n', ' ').replace('\r', ' ');
  }

  static void messages(File samples, File out) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    File[] files = samples.listFiles((d, n) -> n.endsWith(".json"));
    Arrays.sort(files);
    try (PrintWriter w = new PrintWriter(out, StandardCharsets.UTF_8)) {
      for (File f : files) {
        String name = f.getName().replace(".json", "");
        JsonNode docs = mapper.readTree(f);
        Class<?> conv;
        try {
          conv = Class.forName("org.apache.kafka.common.message." + name + "DataJsonConverter");
        } catch (ClassNotFoundException e) {
          for (Iterator<String> it = docs.fieldNames(); it.hasNext(); )
            w.println("skip " + name + " " + it.next() + " no such class in this kafka-clients");
          continue;
        }
        Method read = conv.getMethod("read", JsonNode.class, short.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = docs.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          short v = Short.parseShort(e.getKey());
          try {
            Message msg = (Message) read.invoke(null, e.getValue(), v);
            ObjectSerializationCache cache = new ObjectSerializationCache();
            int size = msg.size(cache, v);
            ByteBuffer buf = ByteBuffer.allocate(size);
            msg.write(new ByteBufferAccessor(buf), cache, v);
            if (buf.position() != size) throw new IllegalStateException("size " + size + " but wrote " + buf.position());
            w.println(name + " " + v + " " + hex(buf.array()));
          } catch (Throwable t) {
            w.println("skip " + name + " " + v + " " + oneLine(t));
          }
        }
      }
    }
  }

  // Kafka's error table as the Java client publishes it (org.apache.kafka.common.protocol.Errors):
  // "<code> <NAME> <1 if its exception is a RetriableException, else 0>" per line.
  static void errors(File out) throws Exception {
    try (PrintWriter w = new PrintWriter(out, StandardCharsets.UTF_8)) {
      for (Errors e : Errors.values())
        w.println(e.code() + " " + e.name() + " " + (e.exception() instanceof RetriableException ? 1 : 0));
    }
  }

  static void murmur2(File out) throws Exception {
    Random rnd = new Random(20261124L);
    try (PrintWriter w = new PrintWriter(out, StandardCharsets.UTF_8)) {
      for (int i = 0; i < 3200; i++) {
        byte[] key;
        if (i < 200) {
          key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
        } else {
          key = new byte[i % 65];
          rnd.nextBytes(key);
        }
        int h = Utils.murmur2(key);
        w.println((key.length == 0 ? "-" : hex(key)) + " " + h + " " + (Utils.toPositive(h) % 1000));
      }
    }
  }

  static void crc32c(File out) throws Exception {
    Random rnd = new Random(7L);
    try (PrintWriter w = new PrintWriter(out, StandardCharsets.UTF_8)) {
      for (int i = 0; i < 300; i++) {
        byte[] data = new byte[i < 64 ? i : rnd.nextInt(4097)];
        rnd.nextBytes(data);
        CRC32C c = new CRC32C();
        c.update(data);
        w.println((data.length == 0 ? "-" : hex(data)) + " " + c.getValue());
      }
    }
  }


  static byte[] b(String s) { return s == null ? null : s.getBytes(StandardCharsets.UTF_8); }

  static String hexOrDash(ByteBuffer bb) {
    if (bb == null) return "-";
    byte[] a = new byte[bb.remaining()];
    bb.duplicate().get(a);
    return hex(a);
  }

  // One case: records appended to a fresh builder, written out with their description.
  static void recordsCase(PrintWriter w, String name, byte magic, CompressionType type, TimestampType tt,
                          long producerId, short epoch, int seq, boolean txn, String kind) {
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    long base = 1000;
    MemoryRecordsBuilder bld = MemoryRecords.builder(buf, magic, Compression.of(type).build(), tt, base,
        tt == TimestampType.LOG_APPEND_TIME ? 1700000009999L : RecordBatch.NO_TIMESTAMP,
        producerId, epoch, seq, txn, 7);
    long ts = 1700000000000L;
    for (int i = 0; i < 5; i++) {
      byte[] key = b("key-" + i), value = b("value-" + i + "-" + "x".repeat(i * 7));
      Header[] headers = new Header[0];
      if (kind.equals("nullkey")) key = null;
      if (kind.equals("nullvalue") && i % 2 == 1) value = null;
      if (kind.equals("emptyvalue")) value = new byte[0];
      if (kind.equals("headers") && magic == 2)
        headers = new Header[] {new RecordHeader("h1", b("v" + i)), new RecordHeader("h1", b("dup")),
                                new RecordHeader("empty", null)};
      bld.append(ts + i * 3 - (i == 2 ? 10 : 0), key, value, headers);
    }
    writeRecords(w, name, bld.build());
  }

  static void writeRecords(PrintWriter w, String name, MemoryRecords recs) {
    int i = 0, start = 0;
    for (RecordBatch batch : recs.batches()) {
      int slice = batch.sizeInBytes();
      ByteBuffer whole = recs.buffer().duplicate();
      whole.position(start).limit(start + slice);
      start += slice;
      w.println("batch " + name + (i > 0 ? "#" + i : "") + " codec=" + batch.compressionType().id + " magic=" + batch.magic());
      w.println("hex " + hexOrDash(whole));
      Integer count = batch.countOrNull();
      w.println("meta baseOffset=" + batch.baseOffset() + " lastOffset=" + batch.lastOffset()
          + " maxTimestamp=" + batch.maxTimestamp() + " producerId=" + batch.producerId()
          + " producerEpoch=" + batch.producerEpoch() + " baseSequence=" + batch.baseSequence()
          + " count=" + (count == null ? -1 : count) + " transactional=" + (batch.isTransactional() ? 1 : 0)
          + " control=" + (batch.isControlBatch() ? 1 : 0)
          + " timestampType=" + (batch.timestampType() == TimestampType.LOG_APPEND_TIME ? 1 : 0)
          + " partitionLeaderEpoch=" + batch.partitionLeaderEpoch());
      for (Record r : batch) {
        w.println("record offset=" + r.offset() + " timestamp=" + r.timestamp() + " key=" + hexOrDash(r.key())
            + " value=" + hexOrDash(r.value()) + " headers=" + r.headers().length);
        for (Header h : r.headers())
          w.println("header key=" + hex(h.key().getBytes(StandardCharsets.UTF_8)) + " value="
              + (h.value() == null ? "-" : hex(h.value())));
      }
      w.println("end");
      i++;
    }
  }

  static void records(File out) throws Exception {
    CompressionType[] types = {CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY,
                               CompressionType.LZ4, CompressionType.ZSTD};
    short noEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    try (PrintWriter w = new PrintWriter(out, StandardCharsets.UTF_8)) {
      for (CompressionType t : types) {
        for (String kind : new String[] {"plain", "headers", "nullkey", "nullvalue", "emptyvalue"})
          recordsCase(w, kind + "-" + t.name, (byte) 2, t, TimestampType.CREATE_TIME, -1L, noEpoch, -1, false, kind);
        recordsCase(w, "transactional-" + t.name, (byte) 2, t, TimestampType.CREATE_TIME, 4321L, (short) 5, 42, true, "plain");
        recordsCase(w, "idempotent-" + t.name, (byte) 2, t, TimestampType.CREATE_TIME, 99L, (short) 2, 1000, false, "plain");
        recordsCase(w, "logappend-" + t.name, (byte) 2, t, TimestampType.LOG_APPEND_TIME, -1L, noEpoch, -1, false, "plain");
      }
      writeRecords(w, "control-commit", MemoryRecords.withEndTransactionMarker(2000L, 1700000000123L, 9, 4321L,
          (short) 5, new EndTransactionMarker(ControlRecordType.COMMIT, 17)));
      writeRecords(w, "control-abort", MemoryRecords.withEndTransactionMarker(2100L, 1700000000456L, 9, 4321L,
          (short) 5, new EndTransactionMarker(ControlRecordType.ABORT, 18)));
      for (byte magic : new byte[] {0, 1})
        for (CompressionType t : new CompressionType[] {CompressionType.NONE, CompressionType.GZIP}) {
          if (magic == 0 && t == CompressionType.NONE) {
            recordsCase(w, "legacy-v0-" + t.name, magic, t, TimestampType.NO_TIMESTAMP_TYPE, -1L, noEpoch, -1, false, "plain");
          } else {
            recordsCase(w, "legacy-v" + magic + "-" + t.name, magic, t,
                magic == 0 ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME, -1L, noEpoch, -1, false, "plain");
          }
        }
    }
  }


  static byte[] unhex(String h) {
    if (h.equals("-")) return null;
    byte[] b = new byte[h.length() / 2];
    for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    return b;
  }

  static String field(String line, String key) {
    for (String part : line.split(" "))
      if (part.startsWith(key + "=")) return part.substring(key.length() + 1);
    throw new IllegalArgumentException("no " + key + " in " + line);
  }

  static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  // Reads batches we wrote (oracle_tool records-out) with the Java client: CRC, attributes
  // and every record must be what the description says. Writes JUnit XML.
  static void verifyRecords(File in, File out) throws Exception {
    java.util.List<String> lines = java.nio.file.Files.readAllLines(in.toPath(), StandardCharsets.UTF_8);
    StringBuilder cases = new StringBuilder();
    int n = 0, failed = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).startsWith("batch ")) continue;
      String name = lines.get(i).split(" ")[1];
      byte[] bytes = unhex(lines.get(++i).substring(4));
      java.util.List<String> expect = new java.util.ArrayList<>();
      while (!lines.get(++i).equals("end")) expect.add(lines.get(i));
      String problem = null;
      try {
        MemoryRecords recs = MemoryRecords.readableRecords(ByteBuffer.wrap(bytes));
        int batches = 0, k = 0;
        for (RecordBatch batch : recs.batches()) {
          batches++;
          batch.ensureValid();
          for (Record r : batch) {
            r.ensureValid();
            String want = expect.get(k++);
            if (!want.startsWith("record ")) throw new IllegalStateException("more records than expected");
            if (r.offset() != Long.parseLong(field(want, "offset"))) throw new IllegalStateException("offset " + r.offset());
            if (r.timestamp() != Long.parseLong(field(want, "timestamp"))) throw new IllegalStateException("timestamp " + r.timestamp());
            if (!hexOrDash(r.key()).equals(field(want, "key"))) throw new IllegalStateException("key at " + r.offset());
            if (!hexOrDash(r.value()).equals(field(want, "value"))) throw new IllegalStateException("value at " + r.offset());
            int nh = Integer.parseInt(field(want, "headers"));
            if (r.headers().length != nh) throw new IllegalStateException("headers at " + r.offset());
            for (Header h : r.headers()) {
              String wh = expect.get(k++);
              if (!hex(h.key().getBytes(StandardCharsets.UTF_8)).equals(field(wh, "key"))
                  || !(h.value() == null ? "-" : hex(h.value())).equals(field(wh, "value")))
                throw new IllegalStateException("header at " + r.offset());
            }
          }
        }
        if (batches != 1) throw new IllegalStateException(batches + " batches");
        if (k != expect.size()) throw new IllegalStateException("fewer records than expected");
      } catch (Throwable t) {
        problem = oneLine(t);
      }
      n++;
      cases.append("<testcase classname=\"oracle_java_reads_ours\" name=\"Java reads our ").append(xml(name)).append("\">");
      if (problem != null) {
        failed++;
        cases.append("<failure message=\"").append(xml(problem)).append("\"/>");
      }
      cases.append("</testcase>\n");
    }
    try (PrintWriter w = new PrintWriter(out, StandardCharsets.UTF_8)) {
      w.println("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
      w.println("<testsuites><testsuite name=\"oracle_java_reads_ours\" tests=\"" + n + "\" failures=\"" + failed + "\">");
      w.print(cases);
      w.println("</testsuite></testsuites>");
    }
    System.err.println("verify-records: " + n + " batches, " + failed + " failed");
    if (failed > 0 || n == 0) System.exit(1);
  }

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "messages": messages(new File(args[1]), new File(args[2])); break;
      case "murmur2": murmur2(new File(args[1])); break;
      case "crc32c": crc32c(new File(args[1])); break;
      case "errors": errors(new File(args[1])); break;
      case "records": records(new File(args[1])); break;
      case "verify-records": verifyRecords(new File(args[1]), new File(args[2])); break;
      default: throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }
}
