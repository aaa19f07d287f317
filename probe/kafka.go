package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// The Kafka remote WAL, as GreptimeDB configures it
// (src/common/wal/src/config/kafka/common.rs): [wal] broker_endpoints,
// an optional [wal.sasl] (type PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512) and
// an optional [wal.tls] whose presence turns TLS on (system roots plus
// server_ca_cert_path; a client certificate only when both
// client_cert_path and client_key_path are set). metasrv's topic pool
// (src/common/meta/src/wal_provider/topic_pool.rs) names its topics
// "<topic_name_prefix>_<i>" for i in 0..num_topics, creates the missing
// ones when auto_create_topics is on, and uses partition 0 of each.
//
// The probes only read WAL topics: metadata, offsets and an empty fetch.
// Only --kafka-roundtrip writes, to a topic of its own.

const (
	defaultKafkaBroker      = "127.0.0.1:9092"
	defaultKafkaTopicPrefix = "greptimedb_wal_topic"
	defaultKafkaNumTopics   = 64
	// kafkaTestTopicPrefix names the round trip's topic, followed by the
	// run id.
	kafkaTestTopicPrefix = "__stepstone_"
)

// kafkaWAL reports whether f uses the Kafka remote WAL.
func kafkaWAL(f *configs.File) bool {
	switch f.Component {
	case configs.Metasrv, configs.Datanode, configs.Standalone:
		return probeString(f, "wal.provider", "raft_engine") == "kafka"
	}
	return false
}

// kafkaTargets lists the Kafka probes of a metasrv, datanode or standalone
// config whose WAL is Kafka: each broker, the WAL topics, and the round
// trip when asked for and writes are allowed.
func kafkaTargets(f *configs.File, opts Options) []Target {
	if !kafkaWAL(f) {
		return nil
	}
	brokers := probeStrings(f, "wal.broker_endpoints", []string{defaultKafkaBroker})
	secrets := kafkaSecrets(f)
	var ts []Target
	for i, b := range brokers {
		key := fmt.Sprintf("wal.broker_endpoints[%d]", i)
		ts = append(ts, Target{Kind: "kafka", Name: "kafka " + strings.TrimSpace(b), Key: key, Addr: b, Addrs: brokers,
			Index: i, Section: "wal", Secrets: secrets, Pos: probePos(f, key, "wal.broker_endpoints", "wal.provider")})
	}
	if len(brokers) == 0 {
		return []Target{{Kind: "kafka", Name: "kafka (no broker_endpoints)", Key: "wal.broker_endpoints", Index: 0, Section: "wal"}}
	}
	ts = append(ts, Target{Kind: "kafka-topics", Name: "kafka WAL topics", Key: "wal.topic_name_prefix", Addrs: brokers, Index: -1,
		Section: "wal", Secrets: secrets, Pos: probePos(f, "wal.topic_name_prefix", "wal.num_topics", "wal.provider")})
	if opts.KafkaRoundTrip && !opts.ReadOnly {
		ts = append(ts, Target{Kind: "kafka-roundtrip", Name: "kafka round trip", Key: "wal.broker_endpoints", Addrs: brokers, Index: -1,
			Section: "wal", Secrets: secrets, Pos: probePos(f, "wal.broker_endpoints", "wal.provider")})
	}
	return ts
}

// kafkaSecrets returns the SASL password, for redaction.
func kafkaSecrets(f *configs.File) []string {
	if p, _, ok := f.LookupString("wal.sasl.password"); ok && p != "" {
		return []string{p}
	}
	return nil
}

// kafkaConn is the connection part of the [wal] section.
type kafkaConn struct {
	saslType, user, password  string
	hasSASL, hasTLS           bool
	caPath, certPath, keyPath string
}

func readKafkaConn(f *configs.File) kafkaConn {
	c := kafkaConn{
		hasSASL: probeSet(f, "wal.sasl.type") || f.Has("wal.sasl"),
		hasTLS:  f.Has("wal.tls"),
	}
	if c.hasSASL {
		c.saslType = probeString(f, "wal.sasl.type", "")
		c.user = probeString(f, "wal.sasl.username", "")
		c.password = probeString(f, "wal.sasl.password", "")
	}
	if c.hasTLS {
		c.caPath = probeString(f, "wal.tls.server_ca_cert_path", "")
		c.certPath = probeString(f, "wal.tls.client_cert_path", "")
		c.keyPath = probeString(f, "wal.tls.client_key_path", "")
	}
	return c
}

// kafkaConfigError is a [wal] setting GreptimeDB would refuse.
func kafkaConfigError(key, format string, args ...any) error {
	return &kafkaKeyError{key: key, err: configErrorf(format, args...)}
}

// saslMechanism builds the SASL mechanism [wal.sasl] names.
func (c kafkaConn) saslMechanism() (sasl.Mechanism, error) {
	if !c.hasSASL {
		return nil, nil
	}
	switch strings.ToUpper(c.saslType) {
	case "PLAIN":
		return plain.Auth{User: c.user, Pass: c.password}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: c.user, Pass: c.password}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: c.user, Pass: c.password}.AsSha512Mechanism(), nil
	}
	return nil, kafkaConfigError("wal.sasl.type", "wal.sasl.type %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.saslType)
}

// tlsConfig builds the client TLS config as GreptimeDB does with rustls:
// the system roots plus every certificate in server_ca_cert_path, and a
// client certificate only when both its paths are set.
func (c kafkaConn) tlsConfig(host string) (*tls.Config, error) {
	if !c.hasTLS {
		return nil, nil
	}
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if c.caPath != "" {
		pem, err := os.ReadFile(c.caPath)
		if err != nil {
			return nil, kafkaConfigError("wal.tls.server_ca_cert_path", "cannot read wal.tls.server_ca_cert_path %q: %v", c.caPath, errors.Unwrap(err))
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, kafkaConfigError("wal.tls.server_ca_cert_path", "wal.tls.server_ca_cert_path %q holds no PEM certificate", c.caPath)
		}
	}
	tc := &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}
	if c.certPath != "" && c.keyPath != "" {
		cert, err := tls.LoadX509KeyPair(c.certPath, c.keyPath)
		if err != nil {
			return nil, kafkaConfigError("wal.tls.client_cert_path", "cannot load the client certificate (wal.tls.client_cert_path, client_key_path): %s", probeErrText(err))
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// kafkaKeyError is a [wal] setting stepstone refuses before dialling, with
// the key to point at; it unwraps to a configError (class "config").
type kafkaKeyError struct {
	key string
	err error
}

func (e *kafkaKeyError) Error() string { return e.err.Error() }
func (e *kafkaKeyError) Unwrap() error { return e.err }

// kafkaClient builds a franz-go client for brokers with the [wal]
// connection settings. Retries are off: a probe wants the first error.
func kafkaClient(f *configs.File, brokers []string, extra ...kgo.Opt) (*kgo.Client, error) {
	return kafkaClientSASL(f, brokers, true, extra...)
}

// kafkaClientSASL is kafkaClient, with SASL only when withSASL is set.
func kafkaClientSASL(f *configs.File, brokers []string, withSASL bool, extra ...kgo.Opt) (*kgo.Client, error) {
	c := readKafkaConn(f)
	if !withSASL {
		c.hasSASL = false
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RequestRetries(0),
		kgo.RetryTimeout(time.Second),
		kgo.MetadataMinAge(10 * time.Millisecond),
		kgo.WithLogger(nil),
	}
	if d, err := configs.ParseDuration(probeString(f, "wal.connect_timeout", "3s")); err == nil && d > 0 {
		opts = append(opts, kgo.DialTimeout(d))
	}
	mech, err := c.saslMechanism()
	if err != nil {
		return nil, err
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	if c.hasTLS {
		host := ""
		if len(brokers) > 0 {
			host, _, _ = net.SplitHostPort(strings.TrimSpace(brokers[0]))
		}
		tc, err := c.tlsConfig(host)
		if err != nil {
			return nil, err
		}
		// franz-go sets ServerName per broker when it is empty.
		tc.ServerName = ""
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	return kgo.NewClient(append(opts, extra...)...)
}

// kafkaDialCheck connects to one broker (and shakes hands when TLS is on)
// so that DNS, refused, timeout and TLS failures are told apart.
func kafkaDialCheck(ctx context.Context, f *configs.File, hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return kafkaConfigError("wal.broker_endpoints", "broker endpoint %q is not host:port: %v", hostport, errors.Unwrap(err))
	}
	c := readKafkaConn(f)
	tc, err := c.tlsConfig(host)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return err
	}
	defer conn.Close()
	if tc == nil {
		return nil
	}
	tconn := tls.Client(conn, tc)
	if dl, ok := ctx.Deadline(); ok {
		_ = tconn.SetDeadline(dl)
	}
	return tconn.HandshakeContext(ctx)
}

// classifyKafka sorts Kafka errors into failure classes.
func classifyKafka(err error) (string, string) {
	var ke *kerr.Error
	var ce *kafkaKeyError
	switch {
	case errors.As(err, &ce):
		return ClassConfig, "fix " + ce.key + " in the config file"
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		return ClassAuth, "the broker rejected the SASL credentials: check wal.sasl.username, wal.sasl.password and wal.sasl.type"
	case errors.Is(err, kerr.UnsupportedSaslMechanism):
		return ClassAuth, "the broker does not enable this SASL mechanism: set wal.sasl.type to one it offers (sasl.enabled.mechanisms)"
	case errors.Is(err, kerr.IllegalSaslState):
		return ClassAuth, "the broker does not expect SASL on this listener: remove [wal.sasl] or point at its SASL listener"
	case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed),
		errors.Is(err, kerr.GroupAuthorizationFailed):
		return ClassPermission, "the broker's ACLs deny this: grant the WAL user Describe, Read and Write on the WAL topics, and Create on the cluster (or the topics) when metasrv creates them"
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		return ClassNotFound, "the topic does not exist"
	case errors.Is(err, kerr.InvalidReplicationFactor):
		return ClassConfig, "lower wal.replication_factor to at most the number of live brokers"
	case errors.As(err, &ke):
		return ClassProtocol, "the broker answered with error " + ke.Message + ": see the broker's log"
	case strings.Contains(err.Error(), "is TLS missing?"):
		return ClassTLS, "the broker requires TLS on this port: add a [wal.tls] section (an empty one uses the system roots)"
	case strings.Contains(err.Error(), "is TLS misconfigured"):
		return ClassTLS, "the broker does not speak TLS on this port: remove [wal.tls] or point at its TLS listener"
	case strings.Contains(err.Error(), "is SASL missing?"):
		return ClassAuth, "the broker requires SASL on this listener: configure [wal.sasl] (type, username, password)"
	case strings.Contains(err.Error(), "unknown broker"), strings.Contains(err.Error(), "invalid large response size"),
		strings.Contains(err.Error(), "unable to read"), strings.Contains(err.Error(), "correlation id"):
		return ClassProtocol, "the port does not answer as Kafka: check it is a broker's client listener, and that TLS ([wal.tls]) and SASL ([wal.sasl]) match it"
	}
	class, sug := classify(err)
	if class == ClassProtocol {
		sug = "the broker closed the connection: check the port is a Kafka client listener and that TLS ([wal.tls]) and SASL ([wal.sasl]) match what it expects"
	}
	return class, sug
}

// kafkaFailAt points a failure at the key most likely to fix it.
func kafkaFailAt(r *probeRun, class string) {
	switch class {
	case ClassAuth:
		r.at("wal.sasl.password", "wal.sasl.type", "wal.sasl", r.t.Key)
	case ClassTLS:
		r.at("wal.tls.server_ca_cert_path", "wal.tls", r.t.Key)
	}
}

// ProbeKafka checks one broker endpoint: it resolves, accepts a
// connection (and TLS and SASL as configured), answers ApiVersions and
// says which broker of which cluster it is.
func ProbeKafka(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		if t.Addr == "" {
			r.fail(ClassConfig, "list the Kafka brokers in wal.broker_endpoints", "wal.broker_endpoints is empty")
			return
		}
		hp := strings.TrimSpace(t.Addr)
		if err := kafkaDialCheck(ctx, t.File, hp); err != nil {
			class, sug := classifyKafka(err)
			var ce *kafkaKeyError
			if errors.As(err, &ce) {
				r.at(ce.key, t.Key)
			}
			kafkaFailAt(r, class)
			r.fail(class, sug, "cannot reach Kafka broker %s (%s): %s", hp, t.Key, probeErrText(err))
			return
		}
		// ApiVersions first without SASL (Kafka answers it before
		// authentication), so that a broker closing the connection later
		// can be told from a port that does not speak Kafka at all.
		conn := readKafkaConn(t.File)
		plainCl, err := kafkaClientSASL(t.File, []string{hp}, false)
		if err != nil {
			class, sug := classifyKafka(err)
			var ce *kafkaKeyError
			if errors.As(err, &ce) {
				r.at(ce.key, t.Key)
			}
			r.fail(class, sug, "cannot set up a Kafka client for %s: %s", hp, probeErrText(err))
			return
		}
		defer plainCl.Close()
		req := kmsg.NewPtrApiVersionsRequest()
		req.ClientSoftwareName, req.ClientSoftwareVersion = "stepstone", "1"
		resp, err := kafkaSeedRequest(ctx, plainCl, req)
		if err == nil {
			err = kerr.ErrorForCode(resp.(*kmsg.ApiVersionsResponse).ErrorCode)
		}
		if err != nil {
			class, sug := classifyKafka(err)
			kafkaFailAt(r, class)
			r.fail(class, sug, "Kafka broker %s did not answer ApiVersions: %s", hp, probeErrText(err))
			return
		}
		av := resp.(*kmsg.ApiVersionsResponse)
		facts := []string{fmt.Sprintf("%d APIs", len(av.ApiKeys))}
		if g := kversion.FromApiVersionsResponse(av).VersionGuess(); g != "" {
			facts = append(facts, "API versions of Kafka "+g)
		}
		cl := plainCl
		if conn.hasSASL {
			cl, err = kafkaClient(t.File, []string{hp})
			if err != nil {
				r.at("wal.sasl.type", t.Key)
				r.failErr(err, classifyKafka, "cannot set up a Kafka client for %s", hp)
				return
			}
			defer cl.Close()
		}
		mreq := kmsg.NewPtrMetadataRequest()
		mreq.Topics = []kmsg.MetadataRequestTopic{}
		mresp, err := kafkaSeedRequest(ctx, cl, mreq)
		if err != nil {
			class, sug := classifyKafka(err)
			if class == ClassProtocol {
				// The broker spoke Kafka a moment ago: closing the
				// connection now is how brokers refuse authentication.
				class = ClassAuth
				if conn.hasSASL {
					sug = "the broker closed the connection during SASL authentication: check wal.sasl.username, wal.sasl.password and that the broker enables wal.sasl.type"
				} else {
					sug = "the broker closed the connection after ApiVersions: its listener probably requires SASL; configure [wal.sasl]"
				}
			}
			kafkaFailAt(r, class)
			r.fail(class, sug, "Kafka broker %s answered ApiVersions (%s) but not a metadata request: %s", hp, strings.Join(facts, ", "), probeErrText(err))
			return
		}
		md := mresp.(*kmsg.MetadataResponse)
		facts = append(facts, kafkaWhichBroker(hp, md)...)
		if conn.hasSASL {
			facts = append(facts, "SASL "+strings.ToUpper(conn.saslType)+" as "+conn.user)
		}
		if conn.hasTLS {
			facts = append(facts, "TLS")
		}
		r.pass("Kafka broker %s answers: %s", hp, strings.Join(facts, ", "))
		if c := conn; c.hasTLS && (c.certPath == "") != (c.keyPath == "") {
			r.at("wal.tls.client_cert_path", "wal.tls.client_key_path", "wal.tls")
			r.warn("set both wal.tls.client_cert_path and wal.tls.client_key_path, or neither",
				"only one of wal.tls.client_cert_path and client_key_path is set, so GreptimeDB sends no client certificate")
		}
	})
}

// kafkaSeedRequest sends req to the client's only seed broker.
func kafkaSeedRequest(ctx context.Context, cl *kgo.Client, req kmsg.Request) (kmsg.Response, error) {
	seeds := cl.SeedBrokers()
	if len(seeds) == 0 {
		return nil, errors.New("no seed broker")
	}
	return seeds[0].Request(ctx, req)
}

// kafkaWhichBroker says which broker of the cluster answered at hp, by
// matching hp against the brokers the cluster advertises.
func kafkaWhichBroker(hp string, md *kmsg.MetadataResponse) []string {
	var facts []string
	if md.ClusterID != nil && *md.ClusterID != "" {
		facts = append(facts, "cluster "+*md.ClusterID)
	}
	var advertised []string
	self := int32(-1)
	for _, b := range md.Brokers {
		a := net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		advertised = append(advertised, fmt.Sprintf("%d=%s", b.NodeID, a))
		if a == hp {
			self = b.NodeID
		}
	}
	sort.Strings(advertised)
	switch {
	case self >= 0 && self == md.ControllerID:
		facts = append(facts, fmt.Sprintf("broker %d (the controller)", self))
	case self >= 0:
		facts = append(facts, fmt.Sprintf("broker %d", self))
	default:
		facts = append(facts, fmt.Sprintf("the cluster advertises %s, which GreptimeDB connects to after the first contact", probeListNames(advertised, 5)))
	}
	facts = append(facts, fmt.Sprintf("%d live brokers", len(md.Brokers)))
	return facts
}

// kafkaTopicNames returns the topics metasrv's pool uses.
func kafkaTopicNames(f *configs.File) (prefix string, names []string) {
	prefix = probeString(f, "wal.topic_name_prefix", defaultKafkaTopicPrefix)
	n := probeInt(f, "wal.num_topics", defaultKafkaNumTopics)
	for i := int64(0); i < n && i < 100000; i++ {
		names = append(names, fmt.Sprintf("%s_%d", prefix, i))
	}
	return prefix, names
}

// ProbeKafkaTopics checks the WAL topics: present (or creatable, checked
// with a validate-only CreateTopics, when metasrv may create them),
// replicated as configured on live brokers, and for a datanode readable.
// Nothing is written.
func ProbeKafkaTopics(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		f := t.File
		prefix, names := kafkaTopicNames(f)
		if len(names) == 0 {
			r.at("wal.num_topics")
			r.fail(ClassConfig, "set wal.num_topics to at least 1", "wal.num_topics is 0: metasrv refuses to start with no WAL topics")
			return
		}
		cl, err := kafkaClient(f, t.Addrs)
		if err != nil {
			r.failErr(err, classifyKafka, "cannot set up a Kafka client")
			return
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		if !t.Opts.KafkaRoundTrip || t.Opts.ReadOnly {
			defer sweepKafkaTopics(ctx, r, adm, "") // else the round trip does it
		}
		md, err := adm.Metadata(ctx, names...)
		if err != nil {
			class, sug := classifyKafka(err)
			if class == ClassProtocol && readKafkaConn(f).hasSASL {
				class, sug = ClassAuth, "the brokers closed the connection, which is how they refuse SASL credentials: see the broker results, and check [wal.sasl]"
			}
			kafkaFailAt(r, class)
			r.fail(class, sug, "cannot read topic metadata from the brokers: %s", probeErrText(err))
			return
		}
		live := len(md.Brokers)
		rf := probeInt(f, "wal.replication_factor", 1)
		parts := probeInt(f, "wal.num_partitions", 1)
		creator := f.Component == configs.Metasrv || f.Component == configs.Standalone
		autoCreate := probeBool(f, "wal.auto_create_topics", true)

		var present, missing, denied, noLeader, underRF, underISR []string
		for _, name := range names {
			d, ok := md.Topics[name]
			switch {
			case !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition):
				missing = append(missing, name)
			case errors.Is(d.Err, kerr.TopicAuthorizationFailed):
				denied = append(denied, name)
			case d.Err != nil:
				class, sug := classifyKafka(d.Err)
				r.fail(class, sug, "cannot describe WAL topic %s: %s", name, probeErrText(d.Err))
				return
			default:
				present = append(present, name)
				p, ok := d.Partitions[0]
				switch {
				case !ok || p.Leader < 0:
					noLeader = append(noLeader, name)
				case int64(len(p.Replicas)) < rf:
					underRF = append(underRF, fmt.Sprintf("%s (%d)", name, len(p.Replicas)))
				case len(p.ISR) < len(p.Replicas):
					underISR = append(underISR, fmt.Sprintf("%s (%d of %d in sync)", name, len(p.ISR), len(p.Replicas)))
				}
			}
		}
		facts := []string{fmt.Sprintf("%d live brokers", live)}
		if len(denied) > 0 {
			kafkaFailAt(r, ClassPermission)
			r.fail(ClassPermission, fmt.Sprintf("grant the WAL user Describe on topics prefixed %q", prefix),
				"the brokers deny describing %d of %d WAL topics (%s)", len(denied), len(names), probeListNames(denied, 3))
			return
		}
		if len(noLeader) > 0 {
			r.fail(ClassUnhealthy, "check the brokers holding these topics are up; a partition without a leader can be neither written nor read",
				"partition 0 of %d WAL topics has no leader: %s", len(noLeader), probeListNames(noLeader, 3))
			return
		}
		switch {
		case len(missing) == 0:
			facts = append(facts, fmt.Sprintf("all %d topics %s_0..%s_%d present", len(names), prefix, prefix, len(names)-1))
		case creator && autoCreate:
			// Would metasrv be allowed to create them? Ask the
			// controller to validate the creation without doing it.
			if rf > int64(live) {
				r.at("wal.replication_factor")
				r.fail(ClassConfig, fmt.Sprintf("lower wal.replication_factor to at most %d, or add brokers", live),
					"%d WAL topics are missing and wal.replication_factor = %d exceeds the %d live brokers, so metasrv cannot create them", len(missing), rf, live)
				return
			}
			res, err := adm.ValidateCreateTopics(ctx, int32(parts), int16(rf), nil, missing...)
			if err == nil {
				err = res.Error()
			}
			if err != nil {
				class, sug := classifyKafka(err)
				if class == ClassPermission {
					sug = "grant the WAL user Create on the cluster (or on topics prefixed " + strconv.Quote(prefix) + "), or create the topics in advance"
				}
				r.at("wal.auto_create_topics", "wal.topic_name_prefix", "wal.provider")
				r.fail(class, sug, "%d of %d WAL topics are missing and metasrv may not create them: %s", len(missing), len(names), probeErrText(err))
				return
			}
			r.at("wal.topic_name_prefix", "wal.num_topics", "wal.provider")
			r.warn("nothing to do if this is a new cluster; otherwise check wal.topic_name_prefix and wal.num_topics match the existing topics",
				"%d of %d WAL topics do not exist yet (%s): metasrv will create them (creation validated, %d partitions, replication factor %d)",
				len(missing), len(names), probeListNames(missing, 3), parts, rf)
		case creator:
			r.at("wal.auto_create_topics", "wal.topic_name_prefix", "wal.provider")
			r.fail(ClassNotFound, "create the topics (partition 0 is used), or set wal.auto_create_topics = true",
				"%d of %d WAL topics are missing (%s) and wal.auto_create_topics is off", len(missing), len(names), probeListNames(missing, 3))
			return
		default:
			r.at("wal.topic_name_prefix", "wal.num_topics", "wal.provider")
			r.warn("start metasrv first (it creates the topics), and check wal.topic_name_prefix and wal.num_topics match metasrv's",
				"%d of %d WAL topics do not exist yet (%s)", len(missing), len(names), probeListNames(missing, 3))
		}
		if rf > int64(live) {
			r.at("wal.replication_factor")
			r.warn(fmt.Sprintf("lower wal.replication_factor to at most %d, or add brokers", live),
				"wal.replication_factor = %d exceeds the %d live brokers", rf, live)
		}
		if len(underRF) > 0 {
			r.warn("raise the topics' replication (kafka-reassign-partitions) to wal.replication_factor",
				"%d WAL topics have fewer replicas than wal.replication_factor = %d: %s", len(underRF), rf, probeListNames(underRF, 3))
		}
		if len(underISR) > 0 {
			r.warn("check the brokers holding the out-of-sync replicas",
				"%d WAL topics are under-replicated: %s", len(underISR), probeListNames(underISR, 3))
		}
		if f.Component != configs.Metasrv && len(present) > 0 {
			if err := kafkaReadable(ctx, cl, adm, md, present); err != nil {
				class, sug := classifyKafka(err)
				kafkaFailAt(r, class)
				r.fail(class, sug, "cannot read the WAL topics: %s", probeErrText(err))
				return
			}
			facts = append(facts, fmt.Sprintf("%d topics readable", len(present)))
		}
		r.pass("Kafka WAL topics: %s", strings.Join(facts, ", "))
	})
}

// kafkaReadable lists the end offsets of partition 0 of each topic and
// fetches from there, which needs Describe and Read but returns nothing.
func kafkaReadable(ctx context.Context, cl *kgo.Client, adm *kadm.Client, md kadm.Metadata, topics []string) error {
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return err
	}
	if err := ends.Error(); err != nil {
		return err
	}
	byLeader := map[int32]*kmsg.FetchRequest{}
	for _, name := range topics {
		d := md.Topics[name]
		p := d.Partitions[0]
		o, ok := ends.Lookup(name, 0)
		if !ok {
			continue
		}
		req := byLeader[p.Leader]
		if req == nil {
			req = kmsg.NewPtrFetchRequest()
			req.ReplicaID = -1
			req.MaxWaitMillis = 0
			req.MinBytes = 0
			req.MaxBytes = 1
			byLeader[p.Leader] = req
		}
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = name, d.ID
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = 0, o.Offset, 1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
	}
	names := map[kadm.TopicID]string{}
	for _, name := range topics {
		names[md.Topics[name].ID] = name
	}
	for leader, req := range byLeader {
		resp, err := cl.Broker(int(leader)).Request(ctx, req)
		if err != nil {
			return err
		}
		fr := resp.(*kmsg.FetchResponse)
		if err := kerr.ErrorForCode(fr.ErrorCode); err != nil {
			return err
		}
		for _, rt := range fr.Topics {
			for _, rp := range rt.Partitions {
				if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
					name := rt.Topic
					if name == "" {
						name = names[kadm.TopicID(rt.TopicID)]
					}
					return fmt.Errorf("fetch from %s: %w", name, err)
				}
			}
		}
	}
	return nil
}

// ProbeKafkaRoundTrip creates a topic of its own, produces one record,
// consumes it and deletes the topic, cleaning up on failure and Ctrl-C.
// WAL topics are never touched.
func ProbeKafkaRoundTrip(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		if t.Opts.ReadOnly {
			r.skip("read-only: the Kafka round trip is skipped")
			return
		}
		topic := kafkaRoundTripTopic(ctx, t.Opts.RunID) // the name holds its lease (kafka_lease.go)
		cl, err := kafkaClient(t.File, t.Addrs, kgo.DefaultProduceTopic(topic), kgo.RecordRetries(1),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
		if err != nil {
			r.failErr(err, classifyKafka, "cannot set up a Kafka client")
			return
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		sweepKafkaTopics(ctx, r, adm, topic)
		brokers, err := adm.ListBrokers(ctx)
		if err != nil {
			class, sug := classifyKafka(err)
			kafkaFailAt(r, class)
			r.fail(class, sug, "cannot list the brokers: %s", probeErrText(err))
			return
		}
		rf := int16(min(probeInt(t.File, "wal.replication_factor", 1), int64(len(brokers))))
		start := time.Now()
		cres, err := adm.CreateTopic(ctx, 1, max(rf, 1), nil, topic)
		if err == nil {
			err = cres.Err
		}
		if err != nil {
			class, sug := classifyKafka(err)
			if class == ClassPermission {
				sug = "grant the user Create on topics prefixed " + strconv.Quote(kafkaTestTopicPrefix) + ", or run without --kafka-roundtrip"
			}
			kafkaFailAt(r, class)
			r.fail(class, sug, "cannot create test topic %s: %s", topic, probeErrText(err))
			// The request may have created it all the same.
			kafkaDeleteTopic(ctx, r, adm, topic)
			return
		}
		defer kafkaDeleteTopic(ctx, r, adm, topic)
		afterWrite("kafka")
		payload := []byte("stepstone " + probeNonce())
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: payload}).FirstErr(); err != nil {
			class, sug := classifyKafka(err)
			r.fail(class, sug, "produced no record to %s: %s", topic, probeErrText(err))
			return
		}
		for {
			fs := cl.PollFetches(ctx)
			if err := ctx.Err(); err != nil {
				r.failErr(err, classifyKafka, "did not consume the record back from %s", topic)
				return
			}
			for _, fe := range fs.Errors() {
				class, sug := classifyKafka(fe.Err)
				r.fail(class, sug, "cannot consume from %s: %s", topic, probeErrText(fe.Err))
				return
			}
			found := false
			fs.EachRecord(func(rec *kgo.Record) {
				if string(rec.Value) == string(payload) {
					found = true
				}
			})
			if found {
				break
			}
		}
		r.pass("Kafka round trip: created %s (replication factor %d), produced and consumed one record in %s", topic, max(rf, 1), time.Since(start).Round(time.Millisecond))
	})
}

// kafkaDeleteTopic removes the test topic, even after Ctrl-C.
func kafkaDeleteTopic(ctx context.Context, r *probeRun, adm *kadm.Client, topic string) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	res, err := adm.DeleteTopic(cctx, topic)
	if err == nil {
		err = res.Err
	}
	if err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) {
		r.leftovers([]string{topic}, "delete it with kafka-topics.sh --delete --topic "+topic)
		r.note("deleting %s failed: %s", topic, probeErrText(err))
		return
	}
	if err == nil {
		r.note("test topic deleted")
	}
}
