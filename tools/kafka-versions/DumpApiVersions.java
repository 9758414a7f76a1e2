// Prints "<apiKey> <maxVersion>" for every API a kafka-clients jar knows, one per line.
// Run once per Kafka release by dump.sh; reflection keeps it working across 0.10 .. 4.x,
// whose ApiKeys classes expose the latest version in different ways. Every key is listed,
// controller-only ones too (scopes changed meaning across releases; a cap only needs maxima).
import java.lang.reflect.Field;

public class DumpApiVersions {
  public static void main(String[] args) throws Exception {
    Class<?> keys = Class.forName("org.apache.kafka.common.protocol.ApiKeys");
    for (Object k : keys.getEnumConstants()) {
      Field idField = keys.getField("id");
      short id = ((Number) idField.get(k)).shortValue();
      System.out.println(id + " " + latest(keys, k, id));
    }
  }

  static int latest(Class<?> keys, Object k, short id) throws Exception {
    try {
      return ((Number) keys.getMethod("latestVersion").invoke(k)).intValue();
    } catch (NoSuchMethodException e) {
      // 0.10.x: the schemas live in Protocol; ProtoUtils.latestVersion(id)
      Class<?> pu = Class.forName("org.apache.kafka.common.protocol.ProtoUtils");
      return ((Number) pu.getMethod("latestVersion", int.class).invoke(null, (int) id)).intValue();
    }
  }
}
