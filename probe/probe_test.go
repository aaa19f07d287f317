package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/minio/minio-go/v7"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/api/googleapi"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

func TestProbeNewRunID(t *testing.T) {
	id := NewRunID()
	if !regexp.MustCompile(`^\d{8}T\d{4}-[0-9a-f]{6}$`).MatchString(id) {
		t.Errorf("run id %q is not like 20261123T0544-3f9a2c", id)
	}
	if NewRunID() == id {
		t.Errorf("two run ids are equal")
	}
}

func TestProbeRedact(t *testing.T) {
	cases := []struct {
		in      string
		secrets []string
		want    string
	}{
		{"postgres://stepstone:s3cr3t-pw@db:5432/meta", nil, "postgres://***@db:5432/meta"},
		{"dial mysql://root:pa%24%24@h:3306/x failed", []string{"pa$$"}, "dial mysql://***@h:3306/x failed"},
		{"host=db user=u password='a b c' dbname=x", nil, "host=db user=u password=*** dbname=x"},
		{"host=db password=hunter22 dbname=x", nil, "host=db password=*** dbname=x"},
		{"u:Secr3tPw@tcp(127.0.0.1:3306)/db", nil, "u:***@tcp(127.0.0.1:3306)/db"},
		{"GET https://acct.blob.core.windows.net/c?sv=2020&sig=abc%2Bdef&se=x", nil, "GET https://acct.blob.core.windows.net/c?sv=2020&sig=***&se=x"},
		{"https://s3/b/o?X-Amz-Credential=AKIA&X-Amz-Signature=deadbeef", nil, "https://s3/b/o?X-Amz-Credential=***&X-Amz-Signature=***"},
		{"the key wJalrXUtnFEMI/K7MDENG appears", []string{"wJalrXUtnFEMI/K7MDENG"}, "the key *** appears"},
		{"escaped wJalrXUtnFEMI%2FK7MDENG too", []string{"wJalrXUtnFEMI/K7MDENG"}, "escaped *** too"},
		// A very short secret is removed only where it stands alone, so
		// "tcp" keeps its p.
		{"dial tcp: user u password p failed", []string{"p"}, "dial tcp: user u password *** failed"},
		{"nothing secret here", []string{""}, "nothing secret here"},
	}
	for _, c := range cases {
		if got := redact.New(c.secrets...).String(c.in); got != c.want {
			t.Errorf("redact.New(%q).String(%q)\n got %q\nwant %q", c.secrets, c.in, got, c.want)
		}
	}
	if got := redact.StripUserinfo("http://root:pw@etcd:2379"); got != "http://etcd:2379" {
		t.Errorf("stripUserinfo: %q", got)
	}
}

func TestProbeClassify(t *testing.T) {
	dnsErr := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		name  string
		class string
		got   func() (string, string)
	}{
		{"dns", ClassDNS, func() (string, string) { return classify(dnsErr) }},
		{"refused", ClassRefused, func() (string, string) { return classify(refused) }},
		{"deadline", ClassTimeout, func() (string, string) { return classify(fmt.Errorf("x: %w", context.DeadlineExceeded)) }},
		{"canceled", ClassCanceled, func() (string, string) { return classify(context.Canceled) }},
		{"config", ClassConfig, func() (string, string) { return classify(configErrorf("bad")) }},
		{"eof", ClassProtocol, func() (string, string) { return classify(fmt.Errorf("read: %w", errors.New("unexpected EOF"))) }},
		{"pg 28P01", ClassAuth, func() (string, string) { return classifyPG(&pgconn.PgError{Code: "28P01"}) }},
		{"pg 28000", ClassAuth, func() (string, string) { return classifyPG(&pgconn.PgError{Code: "28000"}) }},
		{"pg 42501", ClassPermission, func() (string, string) { return classifyPG(&pgconn.PgError{Code: "42501"}) }},
		{"pg 3D000", ClassNotFound, func() (string, string) { return classifyPG(&pgconn.PgError{Code: "3D000"}) }},
		{"mysql 1045", ClassAuth, func() (string, string) { return classifyMySQL(&mysql.MySQLError{Number: 1045}) }},
		{"mysql 1044", ClassPermission, func() (string, string) { return classifyMySQL(&mysql.MySQLError{Number: 1044}) }},
		{"mysql 1049", ClassNotFound, func() (string, string) { return classifyMySQL(&mysql.MySQLError{Number: 1049}) }},
		{"mysql 1142", ClassPermission, func() (string, string) { return classifyMySQL(&mysql.MySQLError{Number: 1142}) }},
		{"etcd permission", ClassPermission, func() (string, string) { return classifyEtcd(rpctypes.ErrPermissionDenied) }},
		{"etcd auth", ClassAuth, func() (string, string) { return classifyEtcd(rpctypes.ErrAuthFailed) }},
		{"etcd too many ops", ClassConfig, func() (string, string) { return classifyEtcd(rpctypes.ErrTooManyOps) }},
		{"s3 AccessDenied", ClassPermission, func() (string, string) {
			return classifyS3(minio.ErrorResponse{Code: "AccessDenied"}, "storage", false)
		}},
		{"s3 NoSuchBucket", ClassNotFound, func() (string, string) {
			return classifyS3(minio.ErrorResponse{Code: "NoSuchBucket"}, "storage", false)
		}},
		{"s3 InvalidAccessKeyId", ClassAuth, func() (string, string) {
			return classifyS3(minio.ErrorResponse{Code: "InvalidAccessKeyId"}, "storage", false)
		}},
		{"s3 SignatureDoesNotMatch", ClassAuth, func() (string, string) {
			return classifyS3(minio.ErrorResponse{Code: "SignatureDoesNotMatch"}, "storage", false)
		}},
		{"s3 PermanentRedirect", ClassConfig, func() (string, string) {
			return classifyS3(minio.ErrorResponse{Code: "PermanentRedirect", Region: "eu-west-1"}, "storage", false)
		}},
		{"gcs 403", ClassPermission, func() (string, string) { return classifyGCS(&googleapi.Error{Code: 403}, "storage") }},
		{"gcs 404", ClassNotFound, func() (string, string) { return classifyGCS(&googleapi.Error{Code: 404}, "storage") }},
	}
	for _, c := range cases {
		class, sug := c.got()
		if class != c.class || sug == "" {
			t.Errorf("%s: got class %q (suggestion %q), want %q", c.name, class, sug, c.class)
		}
	}
	if _, sug := classifyS3(minio.ErrorResponse{Code: "PermanentRedirect", Region: "eu-west-1"}, "storage.providers[2]", false); !strings.Contains(sug, "storage.providers[2].region") {
		t.Errorf("the redirect suggestion should name the provider's region key: %s", sug)
	}
}

func TestProbeTargets(t *testing.T) {
	f := loadTestConfig(t, "metasrv.toml", "# no backend settings\n")
	ts := Targets(f, Options{})
	var kinds []string
	for _, tg := range ts {
		kinds = append(kinds, tg.Kind+":"+tg.Key)
	}
	if got := strings.Join(kinds, " "); got != "etcd:store_addrs[0] etcd-write:store_addrs[0] etcd-txn:max_txn_ops" {
		t.Errorf("default metasrv targets: %s", got)
	}
	// A target does not carry the timeout: RunProbes sets it as its
	// probe's deadline.
	if ts[0].Addr != "127.0.0.1:2379" || ts[0].Pos.Line != 0 || ts[0].Opts.RunID == "" || ts[0].Opts.Timeout != 0 {
		t.Errorf("default etcd target: %+v", ts[0])
	}

	// An env override takes effect where the file says nothing.
	f = loadTestConfig(t, "metasrv.toml", "backend = \"etcd_store\"\n")
	configs.ApplyEnv(f, []string{"GREPTIMEDB_METASRV__STORE_ADDRS=a:2379,b:2379"}, "")
	if ts := Targets(f, Options{}); len(ts) != 4 || ts[1].Addr != "b:2379" {
		t.Errorf("env store_addrs: %+v", ts)
	}

	f = loadTestConfig(t, "metasrv.toml", "backend = \"memory_store\"\n")
	ts = Targets(f, Options{})
	if len(ts) != 1 || ts[0].Kind != "memory" || ts[0].Pos.Line != 1 {
		t.Errorf("memory_store targets: %+v", ts)
	}
	rs := runFile(t, f, probeOpts())
	wantResult(t, rs[0], report.Warn, "", "backend", 1)

	f = loadTestConfig(t, "datanode.toml", `node_id = 1
[meta_client]
metasrv_addrs = ["m1:3002", "m2:3002"]
[storage]
type = "S3"
bucket = "b"
secret_access_key = "very-secret-key"
[[storage.providers]]
type = "Azblob"
container = "c"
account_key = "another-secret"
[[storage.providers]]
type = "File"
`)
	ts = Targets(f, Options{})
	kinds = kinds[:0]
	for _, tg := range ts {
		kinds = append(kinds, tg.Kind+":"+tg.Key)
		if strings.Contains(tg.Name, "secret") {
			t.Errorf("a target name carries a secret: %s", tg.Name)
		}
	}
	want := "metasrv:meta_client.metasrv_addrs[0] metasrv:meta_client.metasrv_addrs[1] s3:storage.bucket azblob:storage.providers[0].container"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("datanode targets:\n got %s\nwant %s", got, want)
	}
	if ts[3].Pos.Line != 10 || ts[2].Secrets[0] != "very-secret-key" || ts[3].Secrets[0] != "another-secret" {
		t.Errorf("provider target: %+v", ts[3])
	}
}

func TestProbeRunnerRecoversPanics(t *testing.T) {
	old := Registry["memory"]
	Registry["memory"] = Backend{Probe: func(context.Context, Target) report.ProbeResult { panic("boom with Sup3rSecret inside") }}
	defer func() { Registry["memory"] = old }()
	f := loadTestConfig(t, "metasrv.toml", "backend = \"memory_store\"\n")
	rs := RunProbes(context.Background(), []*configs.File{f}, probeOpts())
	r := rs[0][0]
	if r.Status != report.Fail || r.Class != ClassInternal || !strings.Contains(r.Message, "boom") || strings.Contains(r.Message, "goroutine") {
		t.Errorf("a panicking probe: %+v", r)
	}
	if r.Key != "backend" || r.Pos.Line != 1 {
		t.Errorf("the internal failure should keep the target's position: %s %s", r.Key, r.Pos)
	}
}

func TestProbeRunnerDeadline(t *testing.T) {
	// A probe that ignores its context must not hold up the run.
	oldCleanup, oldSlack := cleanupTimeout, runSlack
	cleanupTimeout, runSlack = 200*time.Millisecond, 200*time.Millisecond
	old := Registry["memory"]
	release, finished := make(chan struct{}), make(chan struct{})
	Registry["memory"] = Backend{Probe: func(context.Context, Target) report.ProbeResult {
		defer close(finished)
		<-release
		return report.ProbeResult{}
	}}
	defer func() {
		// Let the abandoned probe end before restoring what it reads.
		close(release)
		<-finished
		Registry["memory"] = old
		cleanupTimeout, runSlack = oldCleanup, oldSlack
	}()
	files := []*configs.File{
		loadTestConfig(t, "metasrv.toml", "backend = \"memory_store\"\n"),
		loadTestConfig(t, "datanode.toml", "node_id = 1\n"),
	}
	opts := probeOpts()
	opts.Timeout = 300 * time.Millisecond
	opts.OnHost = false
	start := time.Now()
	rs := RunProbes(context.Background(), files, opts)
	if time.Since(start) > 10*time.Second {
		t.Errorf("RunProbes waited %s for a hung probe", time.Since(start))
	}
	if len(rs) != 2 || rs[0][0].Status != report.Fail || rs[0][0].Class != ClassTimeout {
		t.Errorf("hung probe: %+v", rs)
	}
	// The other file's results are in place and in order.
	if len(rs[1]) == 0 || !strings.HasPrefix(rs[1][0].Name, "metasrv") {
		t.Errorf("second file results: %+v", rs[1])
	}
}

func TestProbeRunnerCanceledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := loadTestConfig(t, "metasrv.toml", "store_addrs = [\"127.0.0.1:1\"]\n")
	rs := RunProbes(ctx, []*configs.File{f}, probeOpts())
	for _, r := range rs[0] {
		if r.Status != report.Skip || r.Class != ClassCanceled {
			t.Errorf("%s: %s [%s] %s", r.Name, r.Status, r.Class, r.Message)
		}
	}
}

func TestProbeTargetPrintsNoSecrets(t *testing.T) {
	tg := Target{Kind: "postgres", Name: "postgres db:5432/meta", Addr: "postgres://u:Hunter2Secret@db:5432/meta", Secrets: []string{"Hunter2Secret"}}
	for _, s := range []string{fmt.Sprint(tg), fmt.Sprintf("%v %+v %#v %s", tg, tg, tg, tg)} {
		if strings.Contains(s, "Hunter2Secret") {
			t.Errorf("a printed Target carries the password: %s", s)
		}
	}
}
