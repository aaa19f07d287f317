package probe

// Faults against the real servers: a server killed in the middle of a
// write, a connection reset in the middle of a read, a listener that never
// answers, slow answers, an etcd cluster that loses its leader and then its
// quorum, PostgreSQL going away in the middle of the check, an object
// store answering 503, a full disk and a name that does not resolve. Each
// probe must end in FAIL with the class that names the fault, well within
// its timeout, and leave nothing under its test prefix.
//
// The shared servers are never restarted: faults are made by TCP and HTTP
// proxies on 127.0.0.1 in front of them, by a private MinIO started from
// the cached binary, and by an embedded etcd cluster.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// faultTimeout is the probe timeout in these tests: short, so that a probe
// that ignored it would stand out against faultBound.
const faultTimeout = 2 * time.Second

// faultBound is how long a probe may take; it is loose on purpose (3x the
// timeout), since these tests check that probes end, not how fast.
const faultBound = 3 * faultTimeout

func faultOpts() Options {
	return Options{Timeout: faultTimeout, OnHost: true, RunID: NewRunID()}
}

// faultRun probes f and checks that the whole run, cleanup included, and
// every probe ended within faultBound.
func faultRun(t *testing.T, f *configs.File, opts Options) []report.ProbeResult {
	t.Helper()
	start := time.Now()
	rs := runFile(t, f, opts)
	if took := time.Since(start); took > faultBound {
		t.Errorf("the run took %s, more than %s with a %s timeout", took.Round(time.Millisecond), faultBound, opts.Timeout)
	}
	for _, r := range rs {
		if r.Duration > faultBound {
			t.Errorf("%s took %s, more than %s", r.Name, r.Duration.Round(time.Millisecond), faultBound)
		}
	}
	return rs
}

// wantFail checks the result named prefix failed with one of classes.
func wantFail(t *testing.T, rs []report.ProbeResult, prefix string, classes ...string) report.ProbeResult {
	t.Helper()
	r := resultNamed(t, rs, prefix)
	for _, c := range classes {
		if r.Status == report.Fail && r.Class == c {
			return r
		}
	}
	t.Errorf("%s: %s [%s] %q, want FAIL of class %s", r.Name, r.Status, r.Class, r.Message, strings.Join(classes, " or "))
	return r
}

// ---- a TCP proxy that breaks streams -------------------------------------

type faultAction int

const (
	faultForward faultAction = iota
	faultCut                 // close both sides
	faultReset               // RST the client (SO_LINGER 0), close the server
)

// faultProxy relays TCP between clients and target. up sees what a client
// sends and down what the server answers, chunk by chunk, before it is
// passed on; delay holds back every answer chunk.
type faultProxy struct {
	Addr     string
	target   string
	up, down func(p *faultPair, b []byte) faultAction
	delay    atomic.Int64 // nanoseconds

	mu     sync.Mutex
	l      net.Listener
	pairs  map[*faultPair]bool
	closed chan struct{}
	wg     sync.WaitGroup
}

// faultPair is one proxied connection; hooks may keep state in it.
type faultPair struct {
	client, server net.Conn
	once           sync.Once
	getObject      atomic.Bool // a GET of an object went up; its answer is next
}

func (p *faultPair) close(rst bool) {
	p.once.Do(func() {
		if tc, ok := p.client.(*net.TCPConn); ok && rst {
			_ = tc.SetLinger(0)
		}
		p.client.Close()
		p.server.Close()
	})
}

func startFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	fp := &faultProxy{target: target, pairs: map[*faultPair]bool{}, closed: make(chan struct{})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fp.Addr = l.Addr().String()
	fp.serve(l)
	t.Cleanup(fp.close)
	return fp
}

func (fp *faultProxy) serve(l net.Listener) {
	fp.mu.Lock()
	fp.l = l
	fp.mu.Unlock()
	fp.wg.Add(1)
	go func() {
		defer fp.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.DialTimeout("tcp", fp.target, 5*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			p := &faultPair{client: c, server: s}
			fp.mu.Lock()
			fp.pairs[p] = true
			fp.mu.Unlock()
			fp.wg.Add(2)
			go fp.pump(p, c, s, true)
			go fp.pump(p, s, c, false)
		}
	}()
}

func (fp *faultProxy) pump(p *faultPair, src, dst net.Conn, up bool) {
	defer fp.wg.Done()
	defer func() {
		p.close(false)
		fp.mu.Lock()
		delete(fp.pairs, p)
		fp.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			b := buf[:n]
			hook := fp.down
			if up {
				hook = fp.up
			}
			act := faultForward
			if hook != nil {
				act = hook(p, b)
			}
			switch act {
			case faultCut:
				p.close(false)
				return
			case faultReset:
				p.close(true)
				return
			}
			if d := time.Duration(fp.delay.Load()); d > 0 && !up {
				select {
				case <-time.After(d):
				case <-fp.closed:
					return
				}
			}
			if _, err := dst.Write(b); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cutAll closes every connection and stops accepting, as a server that
// went down would; restore listens again on the same address.
func (fp *faultProxy) cutAll() {
	fp.mu.Lock()
	if fp.l != nil {
		fp.l.Close()
		fp.l = nil
	}
	pairs := make([]*faultPair, 0, len(fp.pairs))
	for p := range fp.pairs {
		pairs = append(pairs, p)
	}
	fp.mu.Unlock()
	for _, p := range pairs {
		p.close(true)
	}
}

func (fp *faultProxy) restore(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := net.Listen("tcp", fp.Addr)
		if err == nil {
			fp.serve(l)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy cannot listen on %s again: %v", fp.Addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (fp *faultProxy) close() {
	select {
	case <-fp.closed:
		return
	default:
	}
	close(fp.closed)
	fp.cutAll()
	fp.wg.Wait()
}

// ---- a private MinIO that can be killed and restarted ----------------------

type faultMinIO struct {
	testenv.S3Server
	dir, console string
	cmd          *exec.Cmd
	exited       chan struct{}
}

func startFaultMinIO(t *testing.T, shared testenv.S3Server) *faultMinIO {
	t.Helper()
	m := &faultMinIO{
		S3Server: testenv.S3Server{Endpoint: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)),
			AccessKey: shared.AccessKey, SecretKey: shared.SecretKey, Region: shared.Region},
		dir:     t.TempDir(),
		console: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)),
	}
	m.start(t)
	t.Cleanup(m.kill)
	c := faultMinIOClient(t, m.S3Server)
	if err := c.MakeBucket(context.Background(), probeTestBucket, minio.MakeBucketOptions{Region: m.Region}); err != nil {
		t.Fatalf("private MinIO: create bucket: %v", err)
	}
	return m
}

func (m *faultMinIO) start(t *testing.T) {
	t.Helper()
	m.cmd = exec.Command(minioBinary(t), "server", "--quiet", "--address", m.Endpoint, "--console-address", m.console, m.dir)
	m.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.AccessKey, "MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_UPDATE=off", "MINIO_BROWSER=off")
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start MinIO: %v", err)
	}
	m.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(m.cmd, m.exited)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + m.Endpoint + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the private MinIO on %s did not become ready", m.Endpoint)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kill ends MinIO with SIGKILL, as a crashed or OOM-killed server ends.
func (m *faultMinIO) kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	<-m.exited
}

func faultMinIOClient(t *testing.T, s testenv.S3Server) *minio.Client {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: s.Region})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// faultRoot is a bucket root no other test writes under.
func faultRoot() string { return "fault-test/" + NewRunID() }

func faultS3Conf(endpoint, root string, s testenv.S3Server) string {
	return fmt.Sprintf(`node_id = 1
[storage]
type = "S3"
bucket = %q
root = %q
endpoint = %q
region = %q
access_key_id = %q
secret_access_key = %q
`, probeTestBucket, root, endpoint, s.Region, s.AccessKey, s.SecretKey)
}

// isObjectRequest tells an object request ("PUT /bucket/root/...") from a
// bucket request ("GET /bucket/?list-type=2...") in the first bytes of an
// HTTP/1.1 request.
func isObjectRequest(b []byte, method, root string) bool {
	return bytes.HasPrefix(b, []byte(method+" /"+probeTestBucket+"/"+root+"/"))
}

// ---- the faults --------------------------------------------------------

// TestFaultServerKilledMidPut kills a private MinIO with SIGKILL while the
// probe's PUT is on the wire, then starts it again on the same data to
// check that nothing of the half-written object is stored.
func TestFaultServerKilledMidPut(t *testing.T) {
	m := startFaultMinIO(t, testenv.MinIO(t))
	root := faultRoot()
	fp := startFaultProxy(t, m.Endpoint)
	var killed atomic.Bool
	fp.up = func(p *faultPair, b []byte) faultAction {
		if isObjectRequest(b, "PUT", root) && killed.CompareAndSwap(false, true) {
			m.kill()
		}
		return faultForward
	}
	f := loadTestConfig(t, "datanode.toml", faultS3Conf("http://"+fp.Addr, root, m.S3Server))
	rs := faultRun(t, f, faultOpts())
	if !killed.Load() {
		t.Fatal("the probe never sent its PUT")
	}
	r := wantFail(t, rs, "s3", ClassProtocol, ClassRefused)
	if !strings.Contains(r.Message, "cannot write") {
		t.Errorf("the message does not say the write failed: %q", r.Message)
	}
	m.start(t)
	if left := minioObjects(t, faultMinIOClient(t, m.S3Server), root+"/"); len(left) > 0 {
		t.Errorf("left behind after the restart: %q", left)
	}
}

// TestFaultResetMidGet resets the connection (RST) after the first bytes of
// the answer to the probe's read-back, in front of the shared MinIO.
func TestFaultResetMidGet(t *testing.T) {
	s3 := testenv.MinIO(t)
	mc := minioBucket(t, s3)
	root := faultRoot()
	fp := startFaultProxy(t, s3.Endpoint)
	var reset atomic.Bool
	fp.up = func(p *faultPair, b []byte) faultAction {
		if isObjectRequest(b, "GET", root) && !reset.Load() {
			p.getObject.Store(true)
		}
		return faultForward
	}
	fp.down = func(p *faultPair, b []byte) faultAction {
		if p.getObject.Load() && reset.CompareAndSwap(false, true) {
			// Pass on part of the status line, then reset.
			_, _ = p.client.Write(b[:min(len(b), 12)])
			return faultReset
		}
		return faultForward
	}
	f := loadTestConfig(t, "datanode.toml", faultS3Conf("http://"+fp.Addr, root, s3))
	rs := faultRun(t, f, faultOpts())
	if !reset.Load() {
		t.Fatal("the probe never read its object back")
	}
	r := wantFail(t, rs, "s3", ClassProtocol)
	if !strings.Contains(r.Message, "cannot read it back") {
		t.Errorf("the message does not say the read failed: %q", r.Message)
	}
	if left := minioObjects(t, mc, root+"/"); len(left) > 0 {
		t.Errorf("left behind: %q", left)
	}
}

// TestFaultBlackhole points every kind of dependency at a listener that
// accepts and never answers.
func TestFaultBlackhole(t *testing.T) {
	for _, tc := range faultTargets(testenv.BlackholeAddr(t)) {
		t.Run(tc.name, func(t *testing.T) {
			rs := faultRun(t, loadTestConfig(t, tc.file, tc.conf), faultOpts())
			wantFail(t, rs, tc.result, ClassTimeout)
		})
	}
}

// TestFaultUnresolvable names a host under .invalid, which never resolves
// (RFC 6761).
func TestFaultUnresolvable(t *testing.T) {
	for _, tc := range faultTargets("nonexistent.invalid:4000") {
		t.Run(tc.name, func(t *testing.T) {
			rs := faultRun(t, loadTestConfig(t, tc.file, tc.conf), faultOpts())
			r := wantFail(t, rs, tc.result, ClassDNS)
			if !strings.Contains(r.Message, "nonexistent.invalid") {
				t.Errorf("the message does not name the host: %q", r.Message)
			}
		})
	}
}

type faultTarget struct{ name, file, conf, result string }

// faultTargets configures one dependency of each kind at hostPort.
func faultTargets(hostPort string) []faultTarget {
	return []faultTarget{
		{"s3", "datanode.toml", s3Conf("http://"+hostPort, probeTestBucket, "us-east-1", "AKIDFAULT", "fault-secret-key", ""), "s3"},
		{"azblob", "datanode.toml", azConf("http://"+hostPort+"/devstoreaccount1", probeTestBucket, "devstoreaccount1", testenv.AzuriteWellKnownKey), "azblob"},
		{"gcs", "datanode.toml", gcsConf("http://"+hostPort, probeTestBucket, ""), "gcs"},
		{"etcd", "metasrv.toml", fmt.Sprintf("backend = \"etcd_store\"\nstore_addrs = [%q]\n", hostPort), "etcd " + hostPort},
		{"postgres", "metasrv.toml", pgConfig("postgres://u:p@"+hostPort+"/db?sslmode=disable", ""), "postgres"},
		{"mysql", "metasrv.toml", myConfig("mysql://u:p@"+hostPort+"/db", ""), "mysql"},
		{"metasrv", "frontend.toml", fmt.Sprintf("[meta_client]\nmetasrv_addrs = [%q]\n", hostPort), "metasrv"},
	}
}

// TestFaultSlow delays every answer of the shared MinIO: a little (the
// probe passes, slowly) and more than the timeout (it fails in time).
func TestFaultSlow(t *testing.T) {
	s3 := testenv.MinIO(t)
	mc := minioBucket(t, s3)
	for _, tc := range []struct {
		name  string
		delay time.Duration
		pass  bool
	}{
		{"slow", 100 * time.Millisecond, true},
		{"slower than the timeout", faultTimeout + time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := faultRoot()
			fp := startFaultProxy(t, s3.Endpoint)
			fp.delay.Store(int64(tc.delay))
			f := loadTestConfig(t, "datanode.toml", faultS3Conf("http://"+fp.Addr, root, s3))
			rs := faultRun(t, f, faultOpts())
			r := resultNamed(t, rs, "s3")
			if tc.pass {
				if r.Status != report.Pass {
					t.Errorf("%s: %s [%s] %q, want PASS", r.Name, r.Status, r.Class, r.Message)
				}
			} else {
				wantFail(t, rs, "s3", ClassTimeout)
			}
			// The probe wrote nothing (too slow) or cleaned up.
			if left := minioObjects(t, mc, root+"/"); len(left) > 0 {
				t.Errorf("left behind: %q", left)
			}
		})
	}
}

// TestFaultObjectStore503 answers every object write with 503 SlowDown, as
// an overloaded S3 or a MinIO without quorum does, and lets the rest
// through to the shared MinIO.
func TestFaultObjectStore503(t *testing.T) {
	s3 := testenv.MinIO(t)
	mc := minioBucket(t, s3)
	root := faultRoot()
	u, _ := url.Parse(s3.URL())
	rp := httputil.NewSingleHostReverseProxy(u)
	var refused atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			refused.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	f := loadTestConfig(t, "datanode.toml", faultS3Conf("http://"+l.Addr().String(), root, s3))
	rs := faultRun(t, f, faultOpts())
	if refused.Load() == 0 {
		t.Fatal("the probe never tried to write")
	}
	wantFail(t, rs, "s3", ClassUnhealthy)
	if left := minioObjects(t, mc, root+"/"); len(left) > 0 {
		t.Errorf("left behind: %q", left)
	}
}

// TestFaultPostgresRestarted cuts every connection to the shared
// PostgreSQL as the probe sends its test write, as a restart would, and
// accepts connections again a moment later. PostgreSQL itself is never
// restarted (other tests use it); a TCP proxy in front of it goes away
// instead. The write was in a transaction, so nothing may be committed.
func TestFaultPostgresRestarted(t *testing.T) {
	pg := testenv.Postgres(t)
	table := pgFixtureTable(t, pg, "(k bytea PRIMARY KEY, v bytea)")
	fp := startFaultProxy(t, pg.Addr())
	var cut atomic.Bool
	fp.up = func(p *faultPair, b []byte) faultAction {
		// The extended protocol's Parse message carries the SQL text.
		if bytes.Contains(b, []byte("INSERT INTO")) && cut.CompareAndSwap(false, true) {
			go func() {
				fp.cutAll()
				time.Sleep(500 * time.Millisecond)
				fp.restore(t)
			}()
			return faultCut
		}
		return faultForward
	}
	dsn := pg.DSNFor(pg.User, pg.Password)
	dsn = strings.Replace(dsn, pg.Addr(), fp.Addr, 1)
	f := loadTestConfig(t, "metasrv.toml", pgConfig(dsn, fmt.Sprintf("meta_table_name = %q\n", table)))
	rs := faultRun(t, f, faultOpts())
	if !cut.Load() {
		t.Fatal("the probe never sent its test write")
	}
	wantFail(t, rs, "postgres", ClassProtocol)
	noSecrets(t, rs, pg.Password)
	if n := pgRows(t, pg, table); n != 0 {
		t.Errorf("%d rows left in %s", n, table)
	}
}

// TestFaultFullDisk points a File store at a 64 KiB tmpfs filled to the
// last byte. Mounting needs root with CAP_SYS_ADMIN; without it the test
// fails and says so (a container needs --cap-add SYS_ADMIN or
// --privileged).
func TestFaultFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size=64k,mode=0755"); err != nil {
		t.Fatalf("cannot mount a 64 KiB tmpfs on %s (%v): this test needs root with CAP_SYS_ADMIN", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	home := filepath.Join(dir, "data")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	// Fill it: write until the file system says it is full.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the tmpfs: %v", err)
			}
			break
		}
	}
	filler.Close()

	f := loadTestConfig(t, "datanode.toml", fileConf(home))
	rs := faultRun(t, f, faultOpts())
	r := wantFail(t, rs, "data_home", ClassUnhealthy)
	if !strings.Contains(r.Message, "no space left") {
		t.Errorf("the message does not say the disk is full: %q", r.Message)
	}
	if _, err := os.Stat(filepath.Join(home, testPrefixName)); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(filepath.Join(home, testPrefixName))
		t.Errorf("%s is left (stat: %v; entries %v)", filepath.Join(home, testPrefixName), err, entries)
	}
}

// ---- an etcd cluster that loses its leader, then its quorum --------------

type faultEtcdMember struct {
	cfg *embed.Config
	e   *embed.Etcd
}

func (m *faultEtcdMember) addr() string { return m.cfg.ListenClientUrls[0].Host }

// startEtcdCluster starts three embedded etcd members on loopback.
func startEtcdCluster(t *testing.T) []*faultEtcdMember {
	t.Helper()
	var members []*faultEtcdMember
	var initial []string
	for i := 0; i < 3; i++ {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = t.TempDir()
		cfg.LogLevel = "error"
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		cu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)))
		pu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)))
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
		cfg.InitialClusterToken = "stepstone-fault"
		initial = append(initial, cfg.Name+"="+pu.String())
		members = append(members, &faultEtcdMember{cfg: cfg})
	}
	for _, m := range members {
		m.cfg.InitialCluster = strings.Join(initial, ",")
	}
	// Start all three before waiting: none is ready without a quorum.
	for _, m := range members {
		m.start(t)
	}
	for _, m := range members {
		select {
		case <-m.e.Server.ReadyNotify():
		case <-time.After(30 * time.Second):
			t.Fatal("the etcd cluster did not become ready in 30s")
		}
	}
	t.Cleanup(func() {
		for _, m := range members {
			m.stop()
		}
	})
	return members
}

func (m *faultEtcdMember) start(t *testing.T) {
	t.Helper()
	e, err := embed.StartEtcd(m.cfg)
	if err != nil {
		t.Fatalf("start etcd member %s: %v", m.cfg.Name, err)
	}
	m.e = e
}

func (m *faultEtcdMember) stop() {
	if m.e != nil {
		m.e.Close()
		m.e = nil
	}
}

// leaderOf returns the member that leads, as the live members see it.
func leaderOf(members []*faultEtcdMember) *faultEtcdMember {
	for _, m := range members {
		if m.e == nil {
			continue
		}
		lead := m.e.Server.Leader()
		for _, o := range members {
			if o.e != nil && lead != 0 && o.e.Server.MemberID() == lead {
				return o
			}
		}
	}
	return nil
}

func waitEtcd(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("etcd: no %s within 20s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFaultEtcdLosesLeader stops the leader of a three-member cluster: the
// dead member's address fails as refused and the cluster, with a new
// leader, still passes. Then it stops one more member, so the last one has
// no quorum and no leader: that must fail as unhealthy, and the write test
// must fail in time. With the quorum back, no test key may be left.
func TestFaultEtcdLosesLeader(t *testing.T) {
	members := startEtcdCluster(t)
	var addrs []string
	for _, m := range members {
		addrs = append(addrs, m.addr())
	}
	conf := fmt.Sprintf("backend = \"etcd_store\"\nstore_addrs = [%q, %q, %q]\nstore_key_prefix = \"fault\"\n", addrs[0], addrs[1], addrs[2])
	f := loadTestConfig(t, "metasrv.toml", conf)

	old := leaderOf(members)
	if old == nil {
		t.Fatal("the cluster has no leader")
	}
	old.stop()
	waitEtcd(t, "new leader", func() bool { l := leaderOf(members); return l != nil && l != old })
	rs := faultRun(t, f, faultOpts())
	wantFail(t, rs, "etcd "+old.addr(), ClassRefused)
	for _, m := range members {
		if m != old {
			if r := resultNamed(t, rs, "etcd "+m.addr()); r.Status != report.Pass {
				t.Errorf("%s: %s [%s] %q, want PASS (the cluster has a new leader)", r.Name, r.Status, r.Class, r.Message)
			}
		}
	}
	if r := resultNamed(t, rs, "etcd key-value test"); r.Status != report.Pass {
		t.Errorf("%s: %s [%s] %q, want PASS with two of three members", r.Name, r.Status, r.Class, r.Message)
	}

	// Lose the quorum: stop the new leader too.
	second := leaderOf(members)
	second.stop()
	var last *faultEtcdMember
	for _, m := range members {
		if m.e != nil {
			last = m
		}
	}
	waitEtcd(t, "loss of the leader", func() bool { return last.e.Server.Leader() == 0 })
	rs = faultRun(t, f, faultOpts())
	r := wantFail(t, rs, "etcd "+last.addr(), ClassUnhealthy)
	if !strings.Contains(r.Message, "no leader") {
		t.Errorf("the message does not say there is no leader: %q", r.Message)
	}
	wantFail(t, rs, "etcd key-value test", ClassTimeout, ClassUnhealthy)

	// Quorum back: nothing under the test prefix.
	second.start(t)
	waitEtcd(t, "leader after the restart", func() bool { return leaderOf(members) != nil })
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{last.addr(), second.addr()}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, "fault/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	if keys := etcdKeys(resp.Kvs); len(keys) > 0 {
		t.Errorf("test keys left: %q", keys)
	}
}
