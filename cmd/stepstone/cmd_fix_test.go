package main

import (
	"os"
	"strings"
	"testing"
)

func TestFixCommand(t *testing.T) {
	dir := t.TempDir()
	src := "# keep me\nnode_id = 1\n[storage]\ntype = \"s3\"\nbucket = \"b\"\nroot = \"r\"\nsecret_access_key = \"hunter2secret\"\n[wal]\nprovider = \"raftengine\"\n"
	p := writeTestFile(t, dir, "datanode.toml", src)
	r := runCLI(t, "", nil, "stepstone", "fix", "--dry-run", p)
	if r.code != 1 || !strings.Contains(r.stdout, "-type = \"s3\"\n+type = \"S3\"") || !strings.Contains(r.stdout, "+provider = \"raft_engine\"") {
		t.Fatalf("dry run: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "hunter2") {
		t.Errorf("the diff shows a secret:\n%s", r.stdout)
	}
	if b, _ := os.ReadFile(p); string(b) != src {
		t.Fatal("--dry-run wrote the file")
	}
	r = runCLI(t, "", nil, "stepstone", "fix", p)
	if r.code != 0 || !strings.Contains(r.stdout, `write storage.type as "S3" [invalid-enum]`) {
		t.Fatalf("fix: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	b, _ := os.ReadFile(p)
	if !strings.HasPrefix(string(b), "# keep me\n") || !strings.Contains(string(b), `type = "S3"`) {
		t.Errorf("fixed file:\n%s", b)
	}
	r = runCLI(t, "", nil, "stepstone", "fix", "--dry-run", p)
	if r.code != 0 || r.stdout != "" {
		t.Errorf("a second fix must find nothing: code %d\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "", nil, "stepstone", "lint", "-o", "json", p)
	if strings.Contains(r.stdout, `"rule": "invalid-enum"`) {
		t.Errorf("lint still reports the fixed enum:\n%s", r.stdout)
	}
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	old := writeTestFile(t, dir, "old.toml", "node_id = 1\n[storage]\ntype = \"S3\"\nbucket = \"a\"\nroot = \"r\"\n")
	new := writeTestFile(t, dir, "new.toml", "node_id = 1\n[storage]\ntype = \"S3\"\nbucket = \"b\"\nroot = \"r\"\n[logging]\nlevel = \"debug\"\n")
	r := runCLI(t, "", nil, "stepstone", "diff", "--component", "datanode", old, new)
	if r.code != 1 || !strings.Contains(r.stdout, "! storage.bucket") || !strings.Contains(r.stdout, "object storage moves") || !strings.Contains(r.stdout, "logging.level") {
		t.Fatalf("code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", nil, "stepstone", "diff", "--component", "datanode", "-o", "json", old, old)
	if r.code != 0 || !strings.Contains(r.stdout, `"changes": null`) && !strings.Contains(r.stdout, `"changes": []`) {
		t.Fatalf("code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", nil, "stepstone", "diff", old); r.code != 2 {
		t.Errorf("one file must be a usage error, got %d", r.code)
	}
}
