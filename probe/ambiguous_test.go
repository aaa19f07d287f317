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
