package probe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

func fileConf(home string) string {
	return fmt.Sprintf("node_id = 1\n[storage]\ntype = \"File\"\ndata_home = %q\n", home)
}

func TestProbeFile(t *testing.T) {
	home := t.TempDir()
	notDir := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, home      string
		readOnly, local bool
		status          report.Status
		class, msg      string
	}{
		{name: "writable", home: home, local: true, status: report.Pass, msg: "fsynced"},
		{name: "read-only", home: home, local: true, readOnly: true, status: report.Pass, msg: "read-only"},
		{name: "not created yet", home: filepath.Join(home, "new", "data"), local: true, status: report.Pass, msg: "will create it"},
		{name: "a file", home: notDir, local: true, status: report.Fail, class: ClassConfig},
		{name: "not on the host", home: home, status: report.Skip, msg: "--on-host"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := probeOpts()
			opts.ReadOnly, opts.OnHost = c.readOnly, c.local
			if c.readOnly {
				forbidWrites(t)
			}
			rs := runFile(t, loadTestConfig(t, "standalone.toml", fileConf(c.home)), opts)
			r := resultNamed(t, rs, "data_home")
			wantResult(t, r, c.status, c.class, "storage.data_home", 4)
			if c.msg != "" && !strings.Contains(r.Message, c.msg) {
				t.Errorf("message %q does not mention %q", r.Message, c.msg)
			}
			if c.status == report.Pass && !c.readOnly && !strings.Contains(r.Message, "free") {
				t.Errorf("free space missing: %s", r.Message)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(home, ".stepstone")); !os.IsNotExist(err) {
		t.Errorf("the test directory was left in data_home (stat: %v)", err)
	}
	if _, err := os.Stat(filepath.Join(home, "new")); !os.IsNotExist(err) {
		t.Errorf("a missing data_home must not be created (stat: %v)", err)
	}
}

func TestProbeFileInterruptedWrite(t *testing.T) {
	home := t.TempDir()
	f := loadTestConfig(t, "datanode.toml", fileConf(home))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	testHookAfterWrite = func(kind string) {
		if kind == "file" {
			cancel()
		}
	}
	defer func() { testHookAfterWrite = nil }()
	RunProbes(ctx, []*configs.File{f}, probeOpts())
	if entries, _ := os.ReadDir(home); len(entries) > 0 {
		t.Errorf("an interrupted run left %d entries in data_home", len(entries))
	}
}
