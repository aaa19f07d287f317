package probe

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// tlsMariaDB is a MariaDB of the test's own, serving TLS with a certificate
// of a test CA. The machine's shared MariaDB has TLS off, and turning it on
// there would mean restarting a server other tests use.
type tlsMariaDB struct {
	addr string
	pki  *testPKI
	db   string
	// tlsUser must connect over TLS; x509User must also show a client
	// certificate of the test CA.
	tlsUser, x509User, password string
}

// startTLSMariaDB installs a data directory and starts mariadbd on a free
// loopback port; it is stopped (and its directory removed) after the test.
func startTLSMariaDB(t *testing.T) *tlsMariaDB {
	t.Helper()
	installDB, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		t.Fatalf("mariadb-install-db is not installed (%v): run ./scripts/testenv.sh up, which installs MariaDB", err)
	}
	const server = "/usr/sbin/mariadbd"
	if _, err := os.Stat(server); err != nil {
		t.Fatalf("%s is not installed (%v): run ./scripts/testenv.sh up, which installs MariaDB", server, err)
	}
	dir := t.TempDir()
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "mysqld.sock")
	// --user=root: the tests run as root and mariadbd refuses that unless
	// asked; a non-root run owns the directory anyway.
	user := "root"
	if os.Geteuid() != 0 {
		user = ""
	}
	install := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if user != "" {
		install = append(install, "--user="+user)
	}
	if out, err := exec.Command(installDB, install...).CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}

	m := &tlsMariaDB{pki: newTestPKI(t, "mariadb"), db: "stepstone_tls", tlsUser: "stepstone_tls", x509User: "stepstone_x509", password: "stepstone-tls-pass"}
	cert, key := m.pki.issue(t, "mariadb-server", true, time.Time{})
	port := testenv.FreePort(t)
	m.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{"--no-defaults", "--datadir=" + data, "--socket=" + sock, "--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--log-error=" + filepath.Join(dir, "error.log"),
		"--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=16M",
		"--ssl-ca=" + m.pki.CAFile, "--ssl-cert=" + cert, "--ssl-key=" + key}
	if user != "" {
		args = append(args, "--user="+user)
	}
	cmd := exec.Command(server, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mariadbd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	// Administer it as root over the socket (root@localhost has no
	// password in a fresh data directory).
	admin := openMySQL(t, "root", "", "unix", sock, "")
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = admin.PingContext(ctx)
		cancel()
		if err == nil {
			break
		}
		select {
		case werr := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("mariadbd exited (%v) before it served:\n%s", werr, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("mariadbd did not answer within 60 s (%v):\n%s", err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, q := range []string{
		"CREATE DATABASE " + m.db,
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s' REQUIRE SSL", m.tlsUser, m.password),
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s' REQUIRE X509", m.x509User, m.password),
		fmt.Sprintf("GRANT ALL ON %s.* TO '%s'@'%%'", m.db, m.tlsUser),
		fmt.Sprintf("GRANT ALL ON %s.* TO '%s'@'%%'", m.db, m.x509User),
	} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("set up the TLS MariaDB: %s: %v", q, err)
		}
	}
	return m
}

func (m *tlsMariaDB) url(user, query string) string {
	u := fmt.Sprintf("mysql://%s:%s@%s/%s", user, m.password, m.addr, m.db)
	if query != "" {
		u += "?" + query
	}
	return u
}

// TestProbeMySQLTLS runs the MySQL probe against a MariaDB that serves TLS
// and has users that must use it: each [backend_tls] mode and the URL's
// ssl-mode, a CA that did not sign the server, and client certificates.
func TestProbeMySQLTLS(t *testing.T) {
	m := startTLSMariaDB(t)
	otherCA := newTestPKI(t, "other").CAFile
	clientCert, clientKey := m.pki.issue(t, "stepstone-client", false, time.Time{})
	tlsConf := func(mode string, extra ...string) string {
		s := fmt.Sprintf("[backend_tls]\nmode = %q\n", mode)
		for i := 0; i+1 < len(extra); i += 2 {
			s += fmt.Sprintf("%s = %q\n", extra[i], extra[i+1])
		}
		return s
	}
	runProbeCases(t, "metasrv.toml", "mysql", []probeCase{
		// GreptimeDB's default ssl-mode is PREFERRED: TLS when offered.
		{name: "no backend_tls: TLS preferred", conf: myConfig(m.url(m.tlsUser, ""), ""),
			status: report.Warn, key: "store_addrs[0]", line: 2, msg: "TLS TLS_"},
		{name: "require", conf: myConfig(m.url(m.tlsUser, ""), tlsConf("require")),
			status: report.Warn, key: "store_addrs[0]", line: 2, msg: "TLS TLS_"},
		{name: "verify_ca with the server's CA", conf: myConfig(m.url(m.tlsUser, ""), tlsConf("verify_ca", "ca_cert_path", m.pki.CAFile)),
			status: report.Warn, key: "store_addrs[0]", line: 2, msg: "TLS TLS_"},
		{name: "verify_full with the server's CA", conf: myConfig(m.url(m.tlsUser, ""), tlsConf("verify_full", "ca_cert_path", m.pki.CAFile)),
			status: report.Warn, key: "store_addrs[0]", line: 2, msg: "TLS TLS_"},
		{name: "verify_full with another CA", conf: myConfig(m.url(m.tlsUser, ""), tlsConf("verify_full", "ca_cert_path", otherCA)),
			status: report.Fail, class: ClassTLS, key: "backend_tls.mode", msg: "VERIFY_IDENTITY"},
		// Since v1.0 a missing [backend_tls] is mode "prefer", which
		// overrides the URL's ssl-mode; "disable" leaves the URL's in force.
		{name: "URL ssl-mode DISABLED, overridden by the default prefer", conf: myConfig(m.url(m.tlsUser, "ssl-mode=DISABLED"), ""),
			status: report.Warn, key: "store_addrs[0]", line: 2, msg: "TLS TLS_"},
		{name: "URL ssl-mode DISABLED kept by mode disable, for a user that must use TLS", conf: myConfig(m.url(m.tlsUser, "ssl-mode=DISABLED"), tlsConf("disable")),
			status: report.Fail, class: ClassAuth, key: "store_addrs[0]", line: 2, msg: "Access denied"},
		{name: "client certificate required and given", conf: myConfig(m.url(m.x509User, ""),
			tlsConf("verify_full", "ca_cert_path", m.pki.CAFile, "cert_path", clientCert, "key_path", clientKey)),
			status: report.Warn, key: "store_addrs[0]", line: 2, msg: "TLS TLS_"},
		{name: "client certificate required, none given", conf: myConfig(m.url(m.x509User, ""), tlsConf("verify_full", "ca_cert_path", m.pki.CAFile)),
			status: report.Fail, class: ClassAuth, key: "store_addrs[0]", line: 2, msg: "Access denied"},
	}, m.password)

	// "Access denied" alone would send the operator after the password.
	for _, c := range []struct{ name, conf, want string }{
		{"TLS off", myConfig(m.url(m.tlsUser, "ssl-mode=DISABLED"), tlsConf("disable")), "must connect over TLS"},
		{"no client certificate", myConfig(m.url(m.x509User, ""), tlsConf("require")), "must show a client certificate"},
	} {
		r := resultNamed(t, runFile(t, loadTestConfig(t, "metasrv.toml", c.conf), probeOpts()), "mysql")
		if r.Status != report.Fail || !strings.Contains(r.Suggestion, c.want) {
			t.Errorf("%s: %s, suggestion %q lacks %q", c.name, r.Status, r.Suggestion, c.want)
		}
	}
}
