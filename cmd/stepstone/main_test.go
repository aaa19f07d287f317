package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the CLI in-process with buffers, as main would.
func runCLI(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	code := run(context.Background(), &environment{
		args:    args,
		stdin:   strings.NewReader(stdin),
		stdout:  &out,
		stderr:  &errb,
		getenv:  func(k string) string { return vars[k] },
		environ: env,
	})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const examples = "../../configs/examples"

func TestLintExamplesPasses(t *testing.T) {
	r := runCLI(t, "", nil, "stepstone", "lint", examples)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Result: PASS") {
		t.Errorf("no PASS verdict in:\n%s", r.stdout)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	broken := writeTestFile(t, dir, "datanode.toml", "node_id = 1\n[storage]\ntype = \"s3\"\n")
	syntax := writeTestFile(t, dir, "metasrv.toml", "backend = \"etcd_store\"\nstore_addrs = [\n")
	warnOnly := writeTestFile(t, dir, "dn2-datanode.toml", "node_id = 2\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[storage]\ntype = \"File\"\nbucket = \"x\"\n")
	unknown := writeTestFile(t, dir, "node.toml", "node_id = 1\n")
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"broken enum is a finding", []string{"lint", broken}, 1, "datanode.toml:3:8"},
		{"syntax error is a finding, not a crash", []string{"lint", syntax}, 1, "[toml-syntax]"},
		{"missing file is a usage error", []string{"lint", filepath.Join(dir, "nope.toml")}, 2, "could not read"},
		{"unknown flag is a usage error", []string{"lint", "--bogus"}, 2, "bogus"},
		{"flag after path is refused", []string{"lint", broken, "-o", "json"}, 2, "flags before the paths"},
		{"unknown format", []string{"lint", "-o", "yaml", broken}, 2, "unknown format"},
		{"bad fail-on", []string{"lint", "--fail-on", "fatal", broken}, 2, "--fail-on"},
		{"undetectable component named explicitly", []string{"lint", unknown}, 2, "--component"},
		{"explicit component", []string{"lint", "--component", "datanode", unknown}, 0, ""},
		{"warnings pass by default", []string{"lint", warnOnly}, 0, "[key-not-for-type]"},
		{"warnings fail with --fail-on warning", []string{"lint", "--fail-on", "warning", warnOnly}, 1, ""},
		{"component command needs -c", []string{"datanode"}, 2, "config"},
		{"static-only shows live checks as SKIP", []string{"datanode", "--static-only", "-c", broken}, 1, "skipped: --static-only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", nil, append([]string{"stepstone"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if tc.want != "" && !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tc.want, r.stdout, r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("stack trace in stderr:\n%s", r.stderr)
			}
		})
	}
}

func TestStdin(t *testing.T) {
	r := runCLI(t, "node_id = \"7\"\n", nil, "stepstone", "datanode", "--static-only", "-o", "json", "-c", "-")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", r.code, r.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if doc["config_file"] != "<stdin>" || doc["component"] != "datanode" {
		t.Errorf("component report = %v", doc)
	}
	if !strings.Contains(r.stdout, `"type-mismatch"`) {
		t.Errorf("no type-mismatch finding in:\n%s", r.stdout)
	}
}

func TestJSONSchema(t *testing.T) {
	r := runCLI(t, "", nil, "stepstone", "lint", "-o", "json", examples)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		OverallResult   string           `json:"overall_result"`
		Reports         []map[string]any `json:"reports"`
		ClusterFindings []any            `json:"cluster_findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OverallResult != "PASS" || len(doc.Reports) != 3 || doc.ClusterFindings == nil {
		t.Fatalf("document = %+v", doc)
	}
	for _, field := range []string{"component", "config_file", "timestamp", "overall_result", "total_checks",
		"passed_checks", "failed_checks", "warning_checks", "total_duration_ms", "message", "details"} {
		if _, ok := doc.Reports[0][field]; !ok {
			t.Errorf("report lacks field %q", field)
		}
	}
}

func TestDisplayNameFollowsArgv0(t *testing.T) {
	for argv0, want := range map[string]string{
		"/usr/local/bin/kubectl-stepstone": "kubectl stepstone",
		"gtctl-stepstone":                  "gtctl stepstone",
		"./stepstone":                      "stepstone",
	} {
		r := runCLI(t, "", nil, argv0, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("%s --help: exit %d, want %q in:\n%s", argv0, r.code, want, r.stdout)
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	const secret = "sUp3r-s3cret-Key-9876"
	p := writeTestFile(t, dir, "datanode.toml", `node_id = 1
[meta_client]
metasrv_addrs = ["127.0.0.1:3002"]
[storage]
type = "S3"
bucket = "b"
region = "us-east-1"
access_key_id = "AKIDEXAMPLE"
secret_access_key = "`+secret+`"
`)
	env := []string{"GREPTIMEDB_DATANODE__STORAGE__ACCESS_KEY_SECRET=" + secret + "-env"}
	for _, format := range []string{"human", "json"} {
		r := runCLI(t, "", env, "stepstone", "lint", "--verbose", "-o", format, p)
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("-o %s printed the secret:\n%s%s", format, r.stdout, r.stderr)
		}
	}
}

func TestEnvOverrideShadowedByFile(t *testing.T) {
	dir := t.TempDir()
	p := writeTestFile(t, dir, "datanode.toml", "node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[storage]\ntype = \"File\"\n")
	env := []string{"GREPTIMEDB_DATANODE__STORAGE__TYPE=S3", "GREPTIMEDB_DATANODE__STORAGE__DATA_HOME=/var/lib/greptime"}
	r := runCLI(t, "", env, "stepstone", "lint", "--verbose", p)
	if !strings.Contains(r.stdout, "[env-shadowed]") {
		t.Errorf("no env-shadowed finding:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, `storage.data_home = "/var/lib/greptime"  (env GREPTIMEDB_DATANODE__STORAGE__DATA_HOME)`) {
		t.Errorf("verbose output lacks the env origin:\n%s", r.stdout)
	}
	r = runCLI(t, "", env, "stepstone", "lint", "--no-env", p)
	if strings.Contains(r.stdout, "env-shadowed") {
		t.Errorf("--no-env still read the environment:\n%s", r.stdout)
	}
}

// TestRulesDocIsCurrent keeps docs/rules.md equal to what the code says;
// regenerate with: go run ./cmd/stepstone rules --format markdown > docs/rules.md
func TestRulesDocIsCurrent(t *testing.T) {
	r := runCLI(t, "", nil, "stepstone", "rules", "--format", "markdown")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != r.stdout {
		t.Error("docs/rules.md is stale: go run ./cmd/stepstone rules --format markdown > docs/rules.md")
	}
}
