package main

import (
	"encoding/json"
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

// repoWithWarning makes a repository with a datanode config whose only
// finding is a warning, and returns the config's path and where
// .stepstone.toml goes.
func repoWithWarning(t *testing.T) (cfg, repo string) {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	cfg = filepath.Join(dir, "deploy", "datanode.toml")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	os.WriteFile(cfg, []byte("node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[storage]\ndata_home = \"/tmp/x\"\n"), 0o644)
	return cfg, filepath.Join(dir, ".stepstone.toml")
}

// TestFailOnPrecedence: the Action's fail-on input, when given, beats
// .stepstone.toml's; when not given (action.yml's default is now empty,
// and docker:// passes no variable at all) the file decides, as for a
// local run.
func TestFailOnPrecedence(t *testing.T) {
	cfg, repo := repoWithWarning(t)
	os.WriteFile(repo, []byte("fail-on = \"warning\"\n"), 0o644)
	base := []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + filepath.Dir(repo), "INPUT_PATHS=" + cfg,
		"INPUT_COMMAND=lint", "INPUT_SARIF-FILE=", "INPUT_REPORT-JSON=", "INPUT_COMMENT=false"}
	for _, tt := range []struct {
		name string
		env  []string
		want int
	}{
		{"action.yml, input left at its default", []string{"INPUT_FAIL-ON="}, exitFindings},
		{"docker://, input not given", nil, exitFindings},
		{"input given: error", []string{"INPUT_FAIL-ON=error"}, exitOK},
		{"input given: warning", []string{"INPUT_FAIL-ON=warning"}, exitFindings},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, "", append(append([]string(nil), base...), tt.env...), "stepstone")
			if res.code != tt.want {
				t.Errorf("exit %d, want %d\n%s%s", res.code, tt.want, res.stdout, res.stderr)
			}
		})
	}
	// Without the file, the default is error.
	os.Remove(repo)
	if res := runCLI(t, "", append(base, "INPUT_FAIL-ON="), "stepstone"); res.code != exitOK {
		t.Errorf("no file, no input: exit %d, want 0\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestRepoFilePlaceholders: .stepstone.toml's placeholders make values
// template placeholders, unless --placeholder is given; a bad pattern is
// exit 2 naming the file.
func TestRepoFilePlaceholders(t *testing.T) {
	cfg, repo := repoWithWarning(t)
	os.WriteFile(cfg, []byte("node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[storage]\ntype = \"@@STORAGE@@\"\n"), 0o644)
	if res := runCLI(t, "", nil, "stepstone", "lint", cfg); res.code != exitFindings || !strings.Contains(res.stdout, "[invalid-enum]") {
		t.Fatalf("no file: exit %d, want 1 with invalid-enum\n%s%s", res.code, res.stdout, res.stderr)
	}
	os.WriteFile(repo, []byte("placeholders = ['^@@[A-Z]+@@$']\n"), 0o644)
	res := runCLI(t, "", nil, "stepstone", "lint", cfg)
	if res.code != exitOK || !strings.Contains(res.stdout, "[template-placeholders]") || strings.Contains(res.stdout, "[invalid-enum]") {
		t.Errorf("file's placeholder: exit %d, want 0 with template-placeholders only\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runCLI(t, "", nil, "stepstone", "lint", "--placeholder", "^nothing$", cfg)
	if res.code != exitFindings || !strings.Contains(res.stdout, "[invalid-enum]") {
		t.Errorf("--placeholder over the file: exit %d, want 1 with invalid-enum\n%s%s", res.code, res.stdout, res.stderr)
	}
	os.WriteFile(repo, []byte("placeholders = ['(']\n"), 0o644)
	if res := runCLI(t, "", nil, "stepstone", "lint", cfg); res.code != exitUsage || !strings.Contains(res.stderr, ".stepstone.toml") {
		t.Errorf("bad pattern: exit %d, want 2 naming the file\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestRepoFileGreptimeDBVersion: .stepstone.toml's greptimedb-version
// judges the configs, the flag (or the Action input) beats it, and
// without either the newest stable release does.
func TestRepoFileGreptimeDBVersion(t *testing.T) {
	cfg, repo := repoWithWarning(t)
	version := func(t *testing.T, args ...string) (string, string) {
		t.Helper()
		res := runCLI(t, "", nil, append(append([]string{"stepstone", "lint", "-o", "json"}, args...), cfg)...)
		var doc struct {
			Reports []struct {
				Version string `json:"greptimedb_version"`
				Source  string `json:"greptimedb_version_source"`
			} `json:"reports"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil || len(doc.Reports) != 1 {
			t.Fatalf("JSON: %v\n%s%s", err, res.stdout, res.stderr)
		}
		return doc.Reports[0].Version, doc.Reports[0].Source
	}
	def, _ := version(t)
	os.WriteFile(repo, []byte("greptimedb-version = \"v0.12.0\"\n"), 0o644)
	if v, src := version(t); v != "v0.12.0" || !strings.Contains(src, ".stepstone.toml") {
		t.Errorf("file: judged by %q from %q, want v0.12.0 from .stepstone.toml", v, src)
	}
	if v, _ := version(t, "--greptimedb-version", "v0.12.1"); v != "v0.12.1" {
		t.Errorf("flag over the file: judged by %q, want v0.12.1", v)
	}
	os.WriteFile(repo, []byte("greptimedb-version = \"nonsense\"\n"), 0o644)
	if res := runCLI(t, "", nil, "stepstone", "lint", cfg); res.code != exitUsage || !strings.Contains(res.stderr, ".stepstone.toml") {
		t.Errorf("bad version: exit %d, want 2 naming the file\n%s%s", res.code, res.stdout, res.stderr)
	}
	os.Remove(repo)
	if v, _ := version(t); v != def {
		t.Errorf("no file: judged by %q, want the default %q", v, def)
	}
}
