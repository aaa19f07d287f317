package lint_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/lint"
	"github.com/stepstone-dev/stepstone/report"
)

// TestClusterFindingsGrouped checks that a cause many files share is one
// finding, with every other file as a related place: 300 identical
// datanodes bind the same three ports and carry the same node_id.
func TestClusterFindingsGrouped(t *testing.T) {
	const n = 300
	src := "node_id = 7\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[grpc]\nbind_addr = \"127.0.0.1:3001\"\n"
	var files []*configs.File
	for i := range n {
		f, err := configs.Load(fmt.Sprintf("dn/datanode-%03d.toml", i), []byte(src), configs.Datanode)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	byRule := map[string][]report.Finding{}
	for _, f := range report.SortFindings(lint.LintCluster(files)) {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	ids := byRule["duplicate-node-id"]
	if len(ids) != 1 {
		t.Fatalf("want one duplicate-node-id finding, got %d", len(ids))
	}
	if got := len(ids[0].Related); got != n-1 {
		t.Errorf("duplicate-node-id: %d related places, want %d", got, n-1)
	}
	last := fmt.Sprintf("dn/datanode-%03d.toml", n-1)
	if ids[0].Pos.File != last || !strings.Contains(ids[0].Message, "of dn/datanode-000.toml and 298 more") {
		t.Errorf("duplicate-node-id at %s: %q", ids[0].Pos, ids[0].Message)
	}
	clashes := byRule["port-clash"]
	ports := map[string]bool{}
	for _, f := range clashes {
		if len(f.Related) != n-1 {
			t.Errorf("%s: %d related places, want %d", f, len(f.Related), n-1)
		}
		seen := map[string]bool{f.Pos.File: true}
		for _, r := range f.Related {
			if seen[r.File] {
				t.Errorf("%s: %s listed twice", f, r.File)
			}
			seen[r.File] = true
		}
		if f.Severity != report.Warning || !strings.Contains(f.Message, fmt.Sprintf("and %d more: %d servers bind port", n-2, n)) {
			t.Errorf("port-clash: %s %q", f.Severity, f.Message)
		}
		ports[f.Key] = true
	}
	// grpc.bind_addr (written) and the default http.addr; the gRPC port is
	// reported at the last file that writes it.
	if len(clashes) != 2 || !ports["grpc.bind_addr"] || !ports["http.addr"] {
		t.Errorf("want one port-clash for grpc.bind_addr and one for http.addr, got %v", clashes)
	}
}

// TestClusterGroupShown checks that a group is put on a file that is
// reported when the last one is only read for comparison (changed-only).
func TestClusterGroupShown(t *testing.T) {
	var files []*configs.File
	for i := range 3 {
		f, err := configs.Load(fmt.Sprintf("datanode-%d.toml", i), []byte("node_id = 1\n"), configs.Datanode)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	shown := func(f *configs.File) bool { return f.Path == "datanode-0.toml" }
	for _, f := range lint.LintClusterShown(files, shown) {
		if f.Pos.File != "datanode-0.toml" {
			t.Errorf("%s is on a file that is not reported", f)
		}
		if f.Rule == "duplicate-node-id" && !strings.Contains(f.Message, "of datanode-1.toml and 1 more") {
			t.Errorf("%q", f.Message)
		}
	}
}
