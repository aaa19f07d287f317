package probe

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// The Kafka probes run against franz-go's kfake, a Kafka-protocol broker
// in process, started by each test on free ports.

// startKafka starts a kfake cluster closed after the test.
func startKafka(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// kafkaConf writes a [wal] section for brokers, then extra lines.
func kafkaConf(brokers []string, extra string) string {
	q := make([]string, len(brokers))
	for i, b := range brokers {
		q[i] = fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("[wal]\nprovider = \"kafka\"\nbroker_endpoints = [%s]\n%s", strings.Join(q, ", "), extra)
}

func walTopics(prefix string, n int) []string {
	var ts []string
	for i := range n {
		ts = append(ts, fmt.Sprintf("%s_%d", prefix, i))
	}
	return ts
}

func TestProbeKafkaPlain(t *testing.T) {
	c := startKafka(t, kfake.SeedTopics(1, walTopics("seeded", 3)...))
	addrs := c.ListenAddrs()
	refused := testenv.RefusedAddr(t)
	runProbeCases(t, "metasrv.toml", "kafka "+addrs[0], []probeCase{
		{name: "broker answers", conf: kafkaConf(addrs, ""), status: report.Pass, key: "wal.broker_endpoints[0]", line: 3, msg: "broker 0 (the controller)"},
	})
	runProbeCases(t, "metasrv.toml", "kafka "+refused, []probeCase{
		{name: "stopped broker", conf: kafkaConf([]string{addrs[0], refused}, ""), status: report.Fail, class: ClassRefused, key: "wal.broker_endpoints[1]", line: 3},
	})
	runProbeCases(t, "metasrv.toml", "kafka stepstone-no-such-host.invalid:9092", []probeCase{
		{name: "dns", conf: kafkaConf([]string{"stepstone-no-such-host.invalid:9092"}, ""), status: report.Fail, class: ClassDNS, key: "wal.broker_endpoints[0]", line: 3},
	})
	runProbeCases(t, "metasrv.toml", "kafka WAL topics", []probeCase{
		{name: "topics present", conf: kafkaConf(addrs, "topic_name_prefix = \"seeded\"\nnum_topics = 3\n"),
			status: report.Pass, key: "wal.topic_name_prefix", msg: "all 3 topics seeded_0..seeded_2 present"},
		{name: "topics creatable", conf: kafkaConf(addrs, "topic_name_prefix = \"fresh\"\nnum_topics = 4\n"),
			status: report.Warn, key: "wal.topic_name_prefix", msg: "4 of 4 WAL topics do not exist yet"},
		{name: "some topics missing", conf: kafkaConf(addrs, "topic_name_prefix = \"seeded\"\nnum_topics = 5\n"),
			status: report.Warn, key: "wal.topic_name_prefix", msg: "2 of 5 WAL topics do not exist yet (seeded_3, seeded_4)"},
		{name: "auto create off", conf: kafkaConf(addrs, "topic_name_prefix = \"fresh\"\nnum_topics = 2\nauto_create_topics = false\n"),
			status: report.Fail, class: ClassNotFound, key: "wal.auto_create_topics"},
		{name: "replication above live brokers", conf: kafkaConf(addrs, "topic_name_prefix = \"fresh\"\nnum_topics = 2\nreplication_factor = 3\n"),
			status: report.Fail, class: ClassConfig, key: "wal.replication_factor", msg: "exceeds the 1 live brokers"},
		{name: "no topics", conf: kafkaConf(addrs, "num_topics = 0\n"), status: report.Fail, class: ClassConfig, key: "wal.num_topics"},
	})
	// Metadata requests never create a topic, even on a broker that would
	// auto-create: the probe wrote nothing.
	for _, name := range walTopics("fresh", 4) {
		if c.TopicInfo(name) != nil {
			t.Errorf("the probe created WAL topic %s", name)
		}
	}
	runProbeCases(t, "datanode.toml", "kafka WAL topics", []probeCase{
		{name: "datanode reads topics", conf: kafkaConf(addrs, "topic_name_prefix = \"seeded\"\nnum_topics = 3\n"),
			status: report.Pass, key: "wal.topic_name_prefix", msg: "3 topics readable"},
		{name: "datanode before metasrv", conf: kafkaConf(addrs, "topic_name_prefix = \"fresh\"\nnum_topics = 2\n"),
			status: report.Warn, key: "wal.topic_name_prefix", msg: "2 of 2 WAL topics do not exist yet"},
	})
}

func TestProbeKafkaTimeout(t *testing.T) {
	hole := testenv.BlackholeAddr(t)
	f := loadTestConfig(t, "metasrv.toml", kafkaConf([]string{hole}, "[wal.tls]\n"))
	opts := probeOpts()
	opts.Timeout = testTimeout / 5
	r := resultNamed(t, runFile(t, f, opts), "kafka "+hole)
	wantResult(t, r, report.Fail, ClassTimeout, "wal.broker_endpoints[0]", 3)
}

func TestProbeKafkaSASL(t *testing.T) {
	const pass = "Kafka-s3cret-Passw0rd"
	const wrong = "Wr0ng-kafka-Passw0rd"
	c := startKafka(t, kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plainuser", pass),
		kfake.Superuser("SCRAM-SHA-256", "scram256", pass),
		kfake.Superuser("SCRAM-SHA-512", "scram512", pass),
		kfake.SeedTopics(1, walTopics("greptimedb_wal_topic", 2)...))
	addrs := c.ListenAddrs()
	sasl := func(typ, user, pw string) string {
		return fmt.Sprintf("num_topics = 2\n[wal.sasl]\ntype = %q\nusername = %q\npassword = %q\n", typ, user, pw)
	}
	runProbeCases(t, "datanode.toml", "kafka "+addrs[0], []probeCase{
		{name: "PLAIN", conf: kafkaConf(addrs, sasl("PLAIN", "plainuser", pass)), status: report.Pass, key: "wal.broker_endpoints[0]", line: 3, msg: "SASL PLAIN as plainuser"},
		{name: "SCRAM-SHA-256", conf: kafkaConf(addrs, sasl("SCRAM-SHA-256", "scram256", pass)), status: report.Pass, key: "wal.broker_endpoints[0]", line: 3},
		{name: "SCRAM-SHA-512", conf: kafkaConf(addrs, sasl("SCRAM-SHA-512", "scram512", pass)), status: report.Pass, key: "wal.broker_endpoints[0]", line: 3},
		{name: "wrong password", conf: kafkaConf(addrs, sasl("SCRAM-SHA-256", "scram256", wrong)), status: report.Fail, class: ClassAuth, key: "wal.sasl.password"},
		{name: "wrong mechanism", conf: kafkaConf(addrs, sasl("SCRAM-SHA-512", "plainuser", pass)), status: report.Fail, class: ClassAuth, key: "wal.sasl.password"},
		{name: "no SASL", conf: kafkaConf(addrs, ""), status: report.Fail, key: "wal.broker_endpoints[0]", line: 3,
			class: ClassAuth, msg: "answered ApiVersions"},
	}, pass, wrong)
	runProbeCases(t, "datanode.toml", "kafka WAL topics", []probeCase{
		{name: "topics readable with SCRAM", conf: kafkaConf(addrs, sasl("SCRAM-SHA-512", "scram512", pass)), status: report.Pass, key: "wal.topic_name_prefix", line: 4, msg: "2 topics readable"},
	}, pass)
}

func TestProbeKafkaACL(t *testing.T) {
	const pass = "Kafka-acl-Passw0rd"
	allow := func(res kmsg.ACLResourceType, name string, op kmsg.ACLOperation) kfake.ACL {
		return kfake.ACL{Resource: res, Name: name, Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: op, Allow: true}
	}
	c := startKafka(t, kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser("SCRAM-SHA-256", "admin", "admin-"+pass),
		kfake.User("SCRAM-SHA-256", "describer", pass,
			allow(kmsg.ACLResourceTypeTopic, "*", kmsg.ACLOperationDescribe),
			allow(kmsg.ACLResourceTypeCluster, "kafka-cluster", kmsg.ACLOperationDescribe)),
		kfake.SeedTopics(1, walTopics("acl", 1)...))
	addrs := c.ListenAddrs()
	conf := func(prefix string) string {
		return kafkaConf(addrs, fmt.Sprintf("topic_name_prefix = %q\nnum_topics = 1\n[wal.sasl]\ntype = \"SCRAM-SHA-256\"\nusername = \"describer\"\npassword = %q\n", prefix, pass))
	}
	runProbeCases(t, "metasrv.toml", "kafka WAL topics", []probeCase{
		{name: "no Create", conf: conf("absent"), status: report.Fail, class: ClassPermission, key: "wal.topic_name_prefix", msg: "may not create them"},
	}, pass)
	runProbeCases(t, "datanode.toml", "kafka WAL topics", []probeCase{
		{name: "no Read", conf: conf("acl"), status: report.Fail, class: ClassPermission, key: "wal.topic_name_prefix", msg: "fetch from acl_0"},
	}, pass)
}

func TestProbeKafkaTLS(t *testing.T) {
	pki := newTestPKI(t, "kafka")
	cert, key := pki.issue(t, "kafka-broker", true, time.Time{})
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	c := startKafka(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}))
	addrs := c.ListenAddrs()
	other := newTestPKI(t, "kafka-other").CAFile
	clientCert, clientKey := pki.issue(t, "kafka-client", false, time.Time{})
	runProbeCases(t, "metasrv.toml", "kafka "+addrs[0], []probeCase{
		{name: "TLS with the CA", conf: kafkaConf(addrs, fmt.Sprintf("[wal.tls]\nserver_ca_cert_path = %q\n", pki.CAFile)),
			status: report.Pass, key: "wal.broker_endpoints[0]", line: 3, msg: "TLS"},
		{name: "TLS with a client certificate", conf: kafkaConf(addrs, fmt.Sprintf("[wal.tls]\nserver_ca_cert_path = %q\nclient_cert_path = %q\nclient_key_path = %q\n", pki.CAFile, clientCert, clientKey)),
			status: report.Pass, key: "wal.broker_endpoints[0]", line: 3, msg: "TLS"},
		{name: "client key missing", conf: kafkaConf(addrs, fmt.Sprintf("[wal.tls]\nserver_ca_cert_path = %q\nclient_cert_path = %q\n", pki.CAFile, clientCert)),
			status: report.Warn, key: "wal.tls.client_cert_path", msg: "sends no client certificate"},
		{name: "untrusted", conf: kafkaConf(addrs, fmt.Sprintf("[wal.tls]\nserver_ca_cert_path = %q\n", other)),
			status: report.Fail, class: ClassTLS, key: "wal.tls.server_ca_cert_path"},
		{name: "CA file missing", conf: kafkaConf(addrs, "[wal.tls]\nserver_ca_cert_path = \"/nonexistent/ca.pem\"\n"),
			status: report.Fail, class: ClassConfig, key: "wal.tls.server_ca_cert_path"},
		{name: "plain client, TLS broker", conf: kafkaConf(addrs, ""),
			status: report.Fail, class: ClassTLS, key: "wal.broker_endpoints[0]", line: 3},
	})
}

func TestProbeKafkaReplication(t *testing.T) {
	c := startKafka(t, kfake.NumBrokers(3))
	addrs := c.ListenAddrs()
	runProbeCases(t, "metasrv.toml", "kafka WAL topics", []probeCase{
		{name: "replication factor 3 on 3 brokers", conf: kafkaConf(addrs[:1], "replication_factor = 3\nnum_topics = 2\n"),
			status: report.Warn, key: "wal.num_topics", line: 5, msg: "replication factor 3"},
		{name: "replication factor 4 on 3 brokers", conf: kafkaConf(addrs[:1], "replication_factor = 4\nnum_topics = 2\n"),
			status: report.Fail, class: ClassConfig, key: "wal.replication_factor", msg: "exceeds the 3 live brokers"},
	})
}

func TestProbeKafkaRoundTrip(t *testing.T) {
	c := startKafka(t, kfake.NumBrokers(3))
	addrs := c.ListenAddrs()
	conf := kafkaConf(addrs, "num_topics = 1\nreplication_factor = 3\n")
	opts := probeOpts()
	opts.KafkaRoundTrip = true
	rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), opts)
	r := resultNamed(t, rs, "kafka round trip")
	wantResult(t, r, report.Pass, "", "wal.broker_endpoints", 3)
	if !strings.Contains(r.Message, "replication factor 3") || !strings.Contains(r.Message, "test topic deleted") {
		t.Errorf("message: %s", r.Message)
	}
	if left := kafkaTopicsOf(t, addrs, kafkaTestTopicPrefix+opts.RunID); len(left) > 0 {
		t.Errorf("the test topic is still there: %q", left)
	}
	if c.TopicInfo("greptimedb_wal_topic_0") != nil {
		t.Errorf("the round trip touched a WAL topic")
	}

	// Read-only: no round trip at all.
	opts.ReadOnly = true
	forbidWrites(t)
	for _, r := range runFile(t, loadTestConfig(t, "metasrv.toml", conf), opts) {
		if strings.HasPrefix(r.Name, "kafka round trip") {
			t.Errorf("read-only run has a round trip: %s", r.Message)
		}
	}
}

func TestProbeKafkaRoundTripInterrupted(t *testing.T) {
	c := startKafka(t)
	opts := probeOpts()
	opts.KafkaRoundTrip = true
	f := loadTestConfig(t, "metasrv.toml", kafkaConf(c.ListenAddrs(), "num_topics = 1\n"))
	runInterrupted(t, f, "kafka", "kafka round trip", opts)
	if left := kafkaTopicsOf(t, c.ListenAddrs(), kafkaTestTopicPrefix+opts.RunID); len(left) > 0 {
		t.Errorf("an interrupted round trip left its topic behind: %q", left)
	}
}

func TestKafkaTargets(t *testing.T) {
	for _, c := range []struct {
		file, conf string
		want       int
	}{
		{"metasrv.toml", "[wal]\nprovider = \"raft_engine\"\n", 0},
		{"metasrv.toml", "[wal]\nprovider = \"kafka\"\n", 2},
		{"datanode.toml", kafkaConf([]string{"a:9092", "b:9092"}, ""), 3},
		{"standalone.toml", kafkaConf([]string{"a:9092"}, ""), 2},
		{"frontend.toml", "", 0},
	} {
		f := loadTestConfig(t, c.file, c.conf)
		var n int
		for _, tg := range Targets(f, probeOpts()) {
			if strings.HasPrefix(tg.Kind, "kafka") {
				n++
			}
		}
		if n != c.want {
			t.Errorf("%s %q: %d kafka targets, want %d", c.file, c.conf, n, c.want)
		}
	}
}
