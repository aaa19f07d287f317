package run

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

func load(t *testing.T, path, conf string, c configs.Component) *configs.File {
	t.Helper()
	f, err := configs.Load(path, []byte(conf), c)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A missing bucket is reported once: by the rule, while the probe of that
// table is skipped and says why.
func TestMissingBucketReportedOnce(t *testing.T) {
	f := load(t, "datanode.toml", "node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:1\"]\n[storage]\ntype = \"S3\"\nregion = \"us-east-1\"\n", configs.Datanode)
	r := Run(context.Background(), []Unit{{File: f}}, Options{Live: true, Timeout: 1, Deadline: 1})
	if len(r.Components) != 1 {
		t.Fatalf("%d components", len(r.Components))
	}
	c := r.Components[0]
	var rule bool
	for _, fd := range c.Findings {
		if fd.Rule == "storage-required-field" && fd.Key == "storage.bucket" {
			rule = true
		}
	}
	if !rule {
		t.Errorf("no storage-required-field finding for storage.bucket: %v", c.Findings)
	}
	var probed bool
	for _, p := range c.Probes {
		if strings.HasPrefix(p.Name, "s3 bucket") {
			probed = true
			if p.Status != report.Skip || !strings.Contains(p.Message, "storage-required-field") {
				t.Errorf("the s3 probe should be skipped, naming the rule: %+v", p)
			}
		}
	}
	if !probed {
		t.Errorf("no s3 probe result: %+v", c.Probes)
	}
}

// Quiet units are compared by the cluster rules but not reported, and
// findings come back sorted.
func TestQuietUnitsAndSorting(t *testing.T) {
	a := load(t, "dir/datanode.toml", "node_id = 1\nzzz = 1\naaa = 2\n", configs.Datanode)
	b := load(t, "dir/datanode2.toml", "node_id = 1\n", configs.Datanode)
	r := Run(context.Background(), []Unit{{File: a, Group: "dir"}, {File: b, Group: "dir", Quiet: true}}, Options{})
	if len(r.Components) != 1 || r.Components[0].ConfigFile != "dir/datanode.toml" {
		t.Fatalf("components: %+v", r.Components)
	}
	fs := r.Components[0].Findings
	for i := 1; i < len(fs); i++ {
		if fs[i].Pos.Line < fs[i-1].Pos.Line {
			t.Errorf("findings not sorted: %v", fs)
		}
	}
	dup := 0
	for _, cf := range r.ClusterFindings {
		if cf.Pos.File != "dir/datanode.toml" {
			t.Errorf("a cluster finding on a quiet unit was reported: %v", cf)
		}
		if cf.Rule == "duplicate-node-id" {
			dup++
			// The group is put on the shown file; the quiet one is related.
			if len(cf.Related) != 1 || cf.Related[0].File != "dir/datanode2.toml" {
				t.Errorf("related places: %+v", cf.Related)
			}
		}
	}
	if dup != 1 {
		t.Errorf("want the duplicate node_id reported once, on the shown file: %v", r.ClusterFindings)
	}
}

// Run attaches fixes and applies stepstone:ignore comments: the accepted
// finding moves to Suppressed with its justification.
func TestFixesAndSuppressions(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/datanode.toml"
	conf := "node_id = 1\n[storage]\ntype = \"s3\" # stepstone:ignore invalid-enum kept for a test\nbucket = \"b\"\nroot = \"r\"\nregion = \"r\"\n"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	f := load(t, path, conf, configs.Datanode)
	r := Run(context.Background(), []Unit{{File: f}}, Options{Fixes: true, Suppress: true})
	c := r.Components[0]
	if len(c.Suppressed) != 1 || c.Suppressed[0].Rule != "invalid-enum" || c.Suppressed[0].Suppressed == nil ||
		c.Suppressed[0].Suppressed.Justification != "kept for a test" {
		t.Fatalf("suppressed: %+v", c.Suppressed)
	}
	if c.Suppressed[0].Fix == nil {
		t.Errorf("the invalid-enum finding carries no fix")
	}
	for _, fd := range c.Findings {
		if fd.Rule == "invalid-enum" {
			t.Errorf("a suppressed finding is still reported: %v", fd)
		}
	}
}
