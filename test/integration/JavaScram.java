// The official Java client (kafka-clients from the test cluster's jar cache) authenticates
// with SCRAM and describes a user's SCRAM credentials: run as a single-file program by
// test/integration/harness_kcat.sh (java -cp CLASSPATH JavaScram.java ...), so no build step
// and no dependence on where a Kafka release keeps its command-line tools.
//   JavaScram.java BOOTSTRAP SECURITY_PROTOCOL MECHANISM USER PASSWORD CA_PEM
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;

public class JavaScram {
  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: JavaScram.java BOOTSTRAP SECURITY_PROTOCOL MECHANISM USER PASSWORD CA_PEM");
      System.exit(2);
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("security.protocol", args[1]);
    p.put("sasl.mechanism", args[2]);
    p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + args[3] + "\" password=\"" + args[4] + "\";");
    p.put("ssl.truststore.type", "PEM");
    p.put("ssl.truststore.location", args[5]);
    p.put("request.timeout.ms", "10000");
    p.put("default.api.timeout.ms", "30000");
    try (Admin admin = Admin.create(p)) {
      System.out.println(admin.describeUserScramCredentials(List.of(args[3])).all().get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) System.out.println(t.getClass().getName() + ": " + t.getMessage());
      System.exit(1);
    }
  }
}
