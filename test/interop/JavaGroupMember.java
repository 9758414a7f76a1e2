// A member of a consumer group made with Kafka's own Java consumer (kafka-clients from the
// test cluster's jar cache), for the mixed-group tests (test/integration/interop_group_it.cc).
// Run as a single-file program: java -cp CLASSPATH JavaGroupMember.java BOOTSTRAP TOPIC GROUP
// PROTOCOL [ASSIGNOR] (PROTOCOL classic or consumer; ASSIGNOR: classic's partition.assignment
// .strategy class or consumer's group.remote.assignor). It reads from the beginning and
// prints, flushed at once:
//   A 0,3,5   its whole assignment, after each change (the listener's onPartitionsAssigned)
//   R 1,2     partitions revoked (onPartitionsRevoked / onPartitionsLost)
//   M 4 17    a message: partition and value
// Offsets are committed synchronously after each poll's records were printed, so a partition
// that moves starts elsewhere right after the last printed value. It stops (commits, leaves,
// prints "S") when its stdin closes.
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public class JavaGroupMember {
  static String list(Collection<TopicPartition> tps) {
    TreeSet<Integer> s = new TreeSet<>();
    for (TopicPartition tp : tps) s.add(tp.partition());
    List<String> out = new ArrayList<>();
    for (int p : s) out.add(Integer.toString(p));
    return String.join(",", out);
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: JavaGroupMember.java BOOTSTRAP TOPIC GROUP classic|consumer [ASSIGNOR]");
      System.exit(2);
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("group.id", args[2]);
    p.put("group.protocol", args[3]);
    if (args.length > 4 && args[3].equals("consumer")) p.put("group.remote.assignor", args[4]);
    if (args.length > 4 && args[3].equals("classic")) p.put("partition.assignment.strategy", args[4]);
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    AtomicBoolean stop = new AtomicBoolean(false);
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
        }
      } catch (Exception e) {
      }
      stop.set(true);
    });
    watcher.setDaemon(true);
    watcher.start();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(args[1]), new ConsumerRebalanceListener() {
        public void onPartitionsRevoked(Collection<TopicPartition> tps) {
          if (!tps.isEmpty()) System.out.println("R " + list(tps));
          System.out.flush();
        }
        public void onPartitionsLost(Collection<TopicPartition> tps) {
          if (!tps.isEmpty()) System.out.println("R " + list(tps));
          System.out.flush();
        }
        public void onPartitionsAssigned(Collection<TopicPartition> tps) {
          System.out.println("A " + list(c.assignment()));
          System.out.flush();
        }
      });
      while (!stop.get()) {
        ConsumerRecords<String, String> recs = c.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> r : recs) System.out.println("M " + r.partition() + " " + r.value());
        System.out.flush();
        if (!recs.isEmpty()) c.commitSync();
      }
    }
    System.out.println("S");
    System.out.flush();
  }
}
