package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionImpact: on a pull request the Action compares each changed
// config with the base commit (read through the contents API of the
// recording server, as in the distroless image, which has no git) and
// puts "What this change does" into the PR comment, the step summary and
// the JSON report. A config new in the pull request is "added"; secrets
// of either side never show.
func TestActionImpact(t *testing.T) {
	const base = "2222222222222222222222222222222222222222"
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "deploy"), 0o755)
	head := "node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[logging]\nlevel = \"debug\"\n" +
		"[storage]\ntype = \"S3\"\nbucket = \"greptime-v2\"\nroot = \"data\"\nregion = \"us-east-1\"\naccess_key_id = \"AKIAHEAD\"\nsecret_access_key = \"head-secret-4711\"\n"
	old := strings.NewReplacer("debug", "info", "greptime-v2", "greptime", "head-secret-4711", "base-secret-0815").Replace(head)
	os.WriteFile(filepath.Join(ws, "deploy", "datanode.toml"), []byte(head), 0o644)
	os.WriteFile(filepath.Join(ws, "deploy", "metasrv.toml"), []byte("backend = \"etcd_store\"\nstore_addrs = [\"127.0.0.1:2379\"]\n"), 0o644)
	event := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(event, []byte(`{"number":7,"pull_request":{"number":7,"base":{"sha":"`+base+`"},"head":{"sha":"abc123"}}}`), 0o644)
	api := &githubAPI{
		files: []map[string]any{
			{"filename": "deploy/datanode.toml", "status": "modified"},
			{"filename": "deploy/metasrv.toml", "status": "added"},
		},
		contents: map[string]string{base + ":deploy/datanode.toml": old},
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	summary := filepath.Join(t.TempDir(), "summary.md")
	reportJSON := filepath.Join(ws, "report.json")
	res := runCLI(t, "", []string{
		"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH=" + event,
		"GITHUB_STEP_SUMMARY=" + summary, "GITHUB_API_URL=" + srv.URL, "GITHUB_REPOSITORY=acme/cluster", "GITHUB_SHA=abc123",
		"INPUT_PATHS=" + filepath.Join(ws, "deploy"), "INPUT_COMMAND=lint", "INPUT_GITHUB-TOKEN=test-token-123",
		"INPUT_SARIF-FILE=", "INPUT_REPORT-JSON=" + reportJSON, "INPUT_SUGGESTIONS=false",
	}, "stepstone")
	if res.code == exitUsage || res.code == exitInternal {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.comments) != 1 {
		t.Fatalf("%d comments, want 1; calls %v\n%s", len(api.comments), api.calls, res.stdout)
	}
	comment := api.comments[0]["body"].(string)
	sum, _ := os.ReadFile(summary)
	js, _ := os.ReadFile(reportJSON)
	for name, doc := range map[string]string{"comment": comment, "summary": string(sum)} {
		for _, want := range []string{
			"#### What this change does",
			"`deploy/datanode.toml` (datanode, changed): **1 dangerous change(s)**",
			"| `storage.bucket` | `\"greptime\"` | `\"greptime-v2\"` | object storage moves",
			"`logging.level` `\"info\"` → `\"debug\"`",
			"`storage.secret_access_key` `(secret)` → `(secret), changed`",
			"`deploy/metasrv.toml` (metasrv, added): no dangerous change",
			"<summary>2 other change(s)</summary>\n\n- `backend` `(unset)` → `\"etcd_store\"`",
		} {
			if !strings.Contains(doc, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, doc)
			}
		}
	}
	var doc struct {
		Impact []struct {
			File    string `json:"file"`
			Status  string `json:"status"`
			Changes []struct {
				Key       string `json:"key"`
				Dangerous bool   `json:"dangerous"`
				Reason    string `json:"reason"`
			} `json:"changes"`
		} `json:"impact"`
	}
	if err := json.Unmarshal(js, &doc); err != nil || len(doc.Impact) != 2 {
		t.Fatalf("JSON report impact: %v\n%s", err, js)
	}
	if d := doc.Impact[0]; d.File != "deploy/datanode.toml" || d.Status != "changed" || !d.Changes[0].Dangerous || d.Changes[0].Key != "storage.bucket" || d.Changes[0].Reason == "" {
		t.Errorf("JSON impact[0] = %+v", d)
	}
	// The secrets stdout may carry are the ::add-mask:: lines that hide
	// them in the log.
	var logged []string
	for _, l := range strings.Split(res.stdout, "\n") {
		if !strings.HasPrefix(l, "::add-mask::") {
			logged = append(logged, l)
		}
	}
	res.stdout = strings.Join(logged, "\n")
	for _, secret := range []string{"head-secret-4711", "base-secret-0815"} {
		for name, doc := range map[string]string{"comment": comment, "summary": string(sum), "JSON": string(js), "stdout": res.stdout} {
			if strings.Contains(doc, secret) {
				t.Errorf("%s carries the secret %q", name, secret)
			}
		}
	}
	var fetched bool
	for _, c := range api.calls {
		fetched = fetched || c == "GET /repos/acme/cluster/contents/deploy/datanode.toml"
	}
	if !fetched {
		t.Errorf("the base was not read through the contents API: %v", api.calls)
	}
}

// TestGitBase: where the checkout has the base commit, git reads the
// base version; a file the commit lacks is "added"; a commit the clone
// lacks (a shallow checkout) falls back to the API.
func TestGitBase(t *testing.T) {
	ws := t.TempDir()
	gitIn := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", ws, "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	gitIn("init", "-q")
	os.MkdirAll(filepath.Join(ws, "deploy"), 0o755)
	os.WriteFile(filepath.Join(ws, "deploy", "datanode.toml"), []byte("node_id = 1\n"), 0o644)
	gitIn("add", ".")
	gitIn("commit", "-qm", "base")
	sha := gitIn("rev-parse", "HEAD")
	ctx := context.Background()
	if data, found, ok := gitBase(ctx, ws, sha, "deploy/datanode.toml"); !ok || !found || string(data) != "node_id = 1\n" {
		t.Errorf("gitBase = %q, %v, %v", data, found, ok)
	}
	if _, found, ok := gitBase(ctx, ws, sha, "deploy/metasrv.toml"); !ok || found {
		t.Errorf("a file new since the base: found %v, ok %v", found, ok)
	}
	if _, _, ok := gitBase(ctx, ws, strings.Repeat("3", 40), "deploy/datanode.toml"); ok {
		t.Error("a commit the clone lacks must fall back to the API")
	}
}
