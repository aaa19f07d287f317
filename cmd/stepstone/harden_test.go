package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestComponentConfigIsADirectory: `datanode -c DIR` is bad usage (exit
// 2) with a message that says so, even when DIR holds a datanode.toml
// (issue 14: it was checked as if it were `run DIR`).
func TestComponentConfigIsADirectory(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "datanode.toml", "node_id = 1\n")
	res := runCLI(t, "", nil, "stepstone", "datanode", "-c", dir, "--static-only")
	if res.code != 2 || !strings.Contains(res.stderr, "is a directory") {
		t.Fatalf("exit %d, stderr %q; want 2 and \"is a directory\"", res.code, res.stderr)
	}
}

// TestGitHubReportJSONIgnoresPlantedSymlink: -o github writes the
// report-json file into the workspace (a later step finds it there); a
// symlink a pull request planted at that path is replaced, never followed,
// and nothing is written under $TMPDIR (issue 14).
func TestGitHubReportJSONIgnoresPlantedSymlink(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	report := filepath.Join(dir, "stepstone-report.json")
	if err := os.Symlink(victim, report); err != nil {
		t.Fatal(err)
	}
	cfg := writeTestFile(t, dir, "datanode.toml", "node_id = 1\n")
	outputs := writeTestFile(t, dir, "output", "")
	res := runCLI(t, "", []string{"GITHUB_OUTPUT=" + outputs, "GITHUB_EVENT_NAME=push"},
		"stepstone", "datanode", "-c", cfg, "--static-only", "-o", "github", "--report-json", report)
	if res.code == 3 {
		t.Fatalf("exit 3: %s", res.stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Fatalf("the planted symlink was followed: victim holds %q", b)
	}
	if st, err := os.Lstat(report); err != nil || !st.Mode().IsRegular() {
		t.Fatalf("%s is not a regular file: %v", report, err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("-o github wrote under $TMPDIR: %v", left)
	}
}

// TestVerboseSkippedNamesAreEscaped: --verbose lists skipped files on
// stderr; a name holding a line break must not forge a workflow command
// (issue 14).
func TestVerboseSkippedNamesAreEscaped(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "datanode.toml", "node_id = 1\n")
	writeTestFile(t, dir, "notes\n::error file=x::forged.toml", "a = 1\n")
	res := runCLI(t, "", nil, "stepstone", "run", "--static-only", "--verbose", dir)
	if !strings.Contains(res.stderr, "skipped") {
		t.Fatalf("the file was not listed as skipped (exit %d):\n%s", res.code, res.stderr)
	}
	for _, out := range []string{res.stdout, res.stderr} {
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "::") {
				t.Errorf("a line starts a workflow command: %q", line)
			}
		}
	}
}
