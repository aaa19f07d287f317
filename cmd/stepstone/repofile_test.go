package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepoFileFailOn: .stepstone.toml's fail-on applies when --fail-on is
// not given; the flag wins; a bad value is a usage error naming the file.
func TestRepoFileFailOn(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	cfg := filepath.Join(dir, "deploy", "datanode.toml")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	// Warnings only: a data_home under /tmp.
	os.WriteFile(cfg, []byte("node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[storage]\ndata_home = \"/tmp/x\"\n"), 0o644)
	repo := filepath.Join(dir, ".stepstone.toml")

	if res := runCLI(t, "", nil, "stepstone", "lint", cfg); res.code != exitOK {
		t.Fatalf("no repo file: exit %d, want 0 (warnings only)\n%s%s", res.code, res.stdout, res.stderr)
	}
	os.WriteFile(repo, []byte("fail-on = \"warning\"\n"), 0o644)
	if res := runCLI(t, "", nil, "stepstone", "lint", cfg); res.code != exitFindings {
		t.Errorf("fail-on = warning: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := runCLI(t, "", nil, "stepstone", "lint", "--fail-on", "error", cfg); res.code != exitOK {
		t.Errorf("--fail-on error over the file: exit %d, want 0\n%s%s", res.code, res.stdout, res.stderr)
	}
	os.WriteFile(repo, []byte("fail-on = \"fatal\"\n"), 0o644)
	if res := runCLI(t, "", nil, "stepstone", "lint", cfg); res.code != exitUsage || !strings.Contains(res.stderr, ".stepstone.toml") {
		t.Errorf("bad fail-on: exit %d, want 2 naming the file\n%s%s", res.code, res.stdout, res.stderr)
	}
}
