// Kafka's Java share consumer (KafkaShareConsumer, kafka-clients from the test cluster's jar
// cache) as one member of a share group next to uvkafka's: run as a single-file program by
// test/integration/share_it.cc (java -cp CLASSPATH JavaShare.java ...). It accepts every record
// (implicit acknowledgement), writes "OFFSET DELIVERY_COUNT VALUE" per record to OUT, and a
// line "POLLING" once its first poll returned; it closes (acknowledging the last records) and
// exits when its stdin ends.
//   JavaShare.java BOOTSTRAP GROUP TOPIC OUT
import java.io.FileWriter;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

public class JavaShare {
  static volatile boolean stop = false;

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: JavaShare.java BOOTSTRAP GROUP TOPIC OUT");
      System.exit(2);
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("group.id", args[1]);
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    p.put("max.poll.records", "10");
    try (PrintWriter out = new PrintWriter(new FileWriter(args[3]), true);
         KafkaShareConsumer<String, String> c = new KafkaShareConsumer<>(p)) {
      Thread watcher = new Thread(() -> {
        try {
          while (System.in.read() >= 0) {
          }
        } catch (Exception e) {
          // stdin gone: stop as well
        }
        stop = true;
        c.wakeup();
      });
      watcher.setDaemon(true);
      watcher.start();
      c.subscribe(List.of(args[2]));
      boolean first = true;
      while (!stop) {
        ConsumerRecords<String, String> rs;
        try {
          rs = c.poll(Duration.ofMillis(500));
        } catch (WakeupException e) {
          break;
        }
        for (ConsumerRecord<String, String> r : rs)
          out.println(r.offset() + " " + r.deliveryCount().orElse((short) 0) + " " + r.value());
        if (first) {
          out.println("POLLING");
          first = false;
        }
      }
    }
    System.exit(0);
  }
}
