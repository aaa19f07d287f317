package probe

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/report"
)

// TestAmbiguousDSNIsNeverDialled: a password holding a raw '@' or '/'
// used to be split by url.Parse so that a piece of it became the host the
// probe resolved and dialled, and was printed as the target's name. Now the
// probe fails as a config error (not a DNS failure: nothing was looked up)
// that says to percent-encode the password, and no piece of it is printed.
func TestAmbiguousDSNIsNeverDialled(t *testing.T) {
	const pass = "Amb1g@leak-host.invalid/Secr3t"
	for _, c := range []struct{ kind, name, conf string }{
		{"postgres", "postgres ", pgConfig("postgres://u:"+pass+"@127.0.0.1:1/meta", "")},
		{"mysql", "mysql ", fmt.Sprintf("backend = \"mysql_store\"\nstore_addrs = [%q]\n", "mysql://u:"+pass+"@127.0.0.1:1/meta")},
		{"etcd", "etcd (", fmt.Sprintf("backend = \"etcd_store\"\nstore_addrs = [%q]\n", "http://u:"+pass+"@127.0.0.1:1")},
	} {
		t.Run(c.kind, func(t *testing.T) {
			rs := runFile(t, loadTestConfig(t, "metasrv.toml", c.conf), probeOpts())
			r := resultNamed(t, rs, c.name)
			if r.Status != report.Fail || r.Class != ClassConfig {
				t.Errorf("%s: %s %s %q, want FAIL config", r.Name, r.Status, r.Class, r.Message)
			}
			if !strings.Contains(r.Message+r.Suggestion, "ambiguous") && !strings.Contains(r.Suggestion, "percent-encode") {
				t.Errorf("%q / %q does not say to percent-encode the password", r.Message, r.Suggestion)
			}
			for _, x := range rs {
				for _, piece := range []string{"leak-host", "Secr3t", "Amb1g"} {
					if strings.Contains(x.Name+x.Message+x.Suggestion, piece) {
						t.Errorf("%q printed: %s: %s (%s)", piece, x.Name, x.Message, x.Suggestion)
					}
				}
			}
		})
	}
}

// TestDSNHostIsTheDrivers: where url.Parse (or a quick key=value split)
// and the driver read a different host from store_addrs[0], the probe is
// named after, and dials, the host the driver reads (internal/redact's
// parsers), and never a host taken from inside the password.
func TestDSNHostIsTheDrivers(t *testing.T) {
	for _, c := range []struct{ name, kind, dsn, want string }{
		// pgx splits a host list; url.Parse takes "127.0.0.1:1,127.0.0.2"
		// for the host name.
		{"host list", "postgres", "postgres://u:p@127.0.0.1:1,127.0.0.2:1/meta?sslmode=disable", "postgres 127.0.0.1:1/meta"},
		// pgx reads an escaped space as part of the password, which
		// therefore holds "host=leak-host.invalid"; a split at spaces
		// took that for the host.
		{"escaped space in the password", "postgres", `host=127.0.0.1 port=1 user=u password=a\ host=leak-host.invalid dbname=meta sslmode=disable`, "postgres 127.0.0.1:1/meta"},
		{"mysql", "mysql", "mysql://u:p%40leak-host.invalid@127.0.0.1:1/meta", "mysql 127.0.0.1:1/meta"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := pgConfig(c.dsn, "")
			if c.kind == "mysql" {
				conf = myConfig(c.dsn, "")
			}
			rs := runFile(t, loadTestConfig(t, "metasrv.toml", conf), probeOpts())
			r := resultNamed(t, rs, c.kind+" ")
			if r.Name != c.want {
				t.Errorf("named %q, want %q", r.Name, c.want)
			}
			// 127.0.0.1:1 refuses: the driver's host was dialled. A host
			// from inside the password would fail to resolve.
			if r.Status != report.Fail || r.Class != ClassRefused {
				t.Errorf("%s: %s %s %q, want FAIL refused", r.Name, r.Status, r.Class, r.Message)
			}
			for _, x := range rs {
				if strings.Contains(x.Name+x.Message+x.Suggestion, "leak-host") {
					t.Errorf("a piece of the password printed: %s: %s (%s)", x.Name, x.Message, x.Suggestion)
				}
			}
		})
	}
}
