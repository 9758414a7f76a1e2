// The Java oracle: reference bytes written by the official Java client's own classes.
//
//   java Oracle messages SAMPLES_DIR OUT_FILE   one line per message version:
//        "<Name> <version> <hex>" or "skip <Name> <version> <reason>"
//   java Oracle murmur2 OUT_FILE                "<hex key> <murmur2> <toPositive(murmur2) % 1000>"
//   java Oracle crc32c OUT_FILE                 "<hex data> <crc32c>"
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
import org.apache.kafka.common.protocol.ByteBufferAccessor;
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

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "messages": messages(new File(args[1]), new File(args[2])); break;
      case "murmur2": murmur2(new File(args[1])); break;
      case "crc32c": crc32c(new File(args[1])); break;
      default: throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }
}
