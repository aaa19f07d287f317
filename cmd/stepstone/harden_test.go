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

// TestGitHubReportJSONIgnoresPlantedSymlink: without RUNNER_TEMP, -o github
// wrote $TMPDIR/stepstone-report.json and followed a symlink planted
// there; now it writes a fresh private file (issue 14).
func TestGitHubReportJSONIgnoresPlantedSymlink(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(tmp, "stepstone-report.json")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := writeTestFile(t, dir, "datanode.toml", "node_id = 1\n")
	outputs := writeTestFile(t, dir, "output", "")
	res := runCLI(t, "", []string{"GITHUB_OUTPUT=" + outputs, "GITHUB_EVENT_NAME=push"},
		"stepstone", "datanode", "-c", cfg, "--static-only", "-o", "github")
	if res.code == 3 {
		t.Fatalf("exit 3: %s", res.stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Fatalf("the planted symlink was followed: victim holds %q", b)
	}
	out, _ := os.ReadFile(outputs)
	i := strings.Index(string(out), "report-json<<")
	if i < 0 {
		t.Fatalf("no report-json output:\n%s", out)
	}
	path := strings.SplitN(string(out[i:]), "\n", 3)[1]
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 || filepath.Dir(path) != tmp {
		t.Fatalf("report-json %q: %v, mode %v", path, err, st.Mode())
	}
}

// TestGitHubReportJSONInRunnerTemp: in RUNNER_TEMP the documented name
// stays, and a symlink planted there is replaced, not followed.
func TestGitHubReportJSONInRunnerTemp(t *testing.T) {
	tmp := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	fixed := filepath.Join(tmp, "stepstone-report.json")
	if err := os.Symlink(victim, fixed); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := writeTestFile(t, dir, "datanode.toml", "node_id = 1\n")
	outputs := writeTestFile(t, dir, "output", "")
	res := runCLI(t, "", []string{"GITHUB_OUTPUT=" + outputs, "GITHUB_EVENT_NAME=push", "RUNNER_TEMP=" + tmp},
		"stepstone", "datanode", "-c", cfg, "--static-only", "-o", "github")
	if res.code == 3 {
		t.Fatalf("exit 3: %s", res.stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Fatalf("the planted symlink was followed: victim holds %q", b)
	}
	if st, err := os.Lstat(fixed); err != nil || !st.Mode().IsRegular() {
		t.Fatalf("%s: %v", fixed, err)
	}
	if out, _ := os.ReadFile(outputs); !strings.Contains(string(out), fixed) {
		t.Errorf("report-json is not %s:\n%s", fixed, out)
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
