package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionSuggestionsInput: the suggestions input (and --suggestions)
// decides whether a pull request run reads and posts review comments; the
// comment is posted either way.
func TestActionSuggestionsInput(t *testing.T) {
	ws := t.TempDir()
	cfg := filepath.Join(ws, "datanode.toml")
	// "raftengine" is an enum spelling stepstone fix repairs.
	os.WriteFile(cfg, []byte("node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[wal]\nprovider = \"raftengine\"\n"), 0o644)
	event := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(event, []byte(`{"number":7,"pull_request":{"number":7,"head":{"sha":"abc123"}},"repository":{"full_name":"acme/cluster"}}`), 0o644)
	for _, tt := range []struct {
		name  string
		extra []string
		want  bool
	}{
		{"default", nil, true},
		{"input false", []string{"INPUT_SUGGESTIONS=false"}, false},
		{"input FALSE", []string{"INPUT_SUGGESTIONS=FALSE"}, false},
		{"input true", []string{"INPUT_SUGGESTIONS=true"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &githubAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			env := append([]string{
				"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "GITHUB_EVENT_NAME=pull_request",
				"GITHUB_EVENT_PATH=" + event, "GITHUB_API_URL=" + srv.URL, "GITHUB_REPOSITORY=acme/cluster",
				"GITHUB_SHA=abc123", "INPUT_PATHS=" + cfg, "INPUT_COMMAND=lint", "INPUT_GITHUB-TOKEN=test-token-123",
				"INPUT_CHANGED-ONLY=false", "INPUT_SARIF-FILE=", "INPUT_REPORT-JSON=",
			}, tt.extra...)
			res := runCLI(t, "", env, "stepstone")
			if res.code != exitFindings {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			var reviewed, commented bool
			for _, c := range api.calls {
				reviewed = reviewed || strings.Contains(c, "/pulls/7/comments") || strings.Contains(c, "/pulls/7/reviews")
				commented = commented || c == "POST /repos/acme/cluster/issues/7/comments"
			}
			if reviewed != tt.want || !commented {
				t.Errorf("calls %v: review calls %v, want %v; the PR comment always", api.calls, reviewed, tt.want)
			}
		})
	}
	t.Run("bad input", func(t *testing.T) {
		res := runCLI(t, "", []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "INPUT_SUGGESTIONS=no", "INPUT_PATHS=."}, "stepstone")
		want := "::error title=stepstone input suggestions::input \"suggestions\" must be true or false, not \"no\"\n"
		if res.code != exitUsage || !strings.Contains(res.stdout, want) {
			t.Errorf("exit %d, stdout lacks %q:\n%s", res.code, want, res.stdout)
		}
	})
}
