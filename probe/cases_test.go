package probe

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// probeCase is one row of a probe's table test: a config and what the probe
// must report for it.
type probeCase struct {
	name, conf string
	readOnly   bool
	status     report.Status
	class, key string
	// line is where key is set; 0 finds it in conf as "<last part of key> =".
	line int
	msg  string // a substring the message must hold, if set
}

// runProbeCases probes each case's conf, loaded as file, in a subtest and
// checks the result named probe; no secret may show in any result.
func runProbeCases(t *testing.T, file, probe string, cases []probeCase, secrets ...string) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := probeOpts()
			opts.ReadOnly = c.readOnly
			if c.readOnly {
				forbidWrites(t)
			}
			rs := runFile(t, loadTestConfig(t, file, c.conf), opts)
			line := c.line
			if line == 0 {
				line = lineOf(t, c.conf, c.key[strings.LastIndex(c.key, ".")+1:]+" =")
			}
			r := resultNamed(t, rs, probe)
			wantResult(t, r, c.status, c.class, c.key, line)
			if c.msg != "" && !strings.Contains(r.Message, c.msg) {
				t.Errorf("message %q does not mention %q", r.Message, c.msg)
			}
			noSecrets(t, rs, secrets...)
		})
	}
}

// forbidWrites fails the test if any probe writes (for ReadOnly runs).
func forbidWrites(t *testing.T) {
	t.Helper()
	testHookAfterWrite = func(kind string) { t.Errorf("a read-only run wrote to %s", kind) }
	t.Cleanup(func() { testHookAfterWrite = nil })
}

// runInterrupted probes f and cancels the run right after the probe of kind
// writes, as a Ctrl-C would; the result named probe must say canceled.
func runInterrupted(t *testing.T, f *configs.File, kind, probe string, opts Options) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	testHookAfterWrite = func(k string) {
		if k == kind {
			cancel()
		}
	}
	defer func() { testHookAfterWrite = nil }()
	rs := RunProbes(ctx, []*configs.File{f}, opts)[0]
	r := resultNamed(t, rs, probe)
	if r.Status != report.Skip || r.Class != ClassCanceled {
		t.Errorf("got %s [%s] %s", r.Status, r.Class, r.Message)
	}
}

// runSQLInterrupted checks that a SQL metadata store's probe, canceled
// right after its write test writes, says so and leaves no row behind.
func runSQLInterrupted(t *testing.T, kind, conf string, rows func() int) {
	t.Helper()
	runInterrupted(t, loadTestConfig(t, "metasrv.toml", conf), kind, kind, probeOpts())
	if n := rows(); n != 0 {
		t.Errorf("an interrupted write test left %d rows", n)
	}
}

// metaTableConf sets the metadata table of a SQL metadata store.
func metaTableConf(table string) string {
	return fmt.Sprintf("meta_table_name = %q\n", table)
}
