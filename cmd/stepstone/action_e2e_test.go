package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// githubAPI is a recording stand-in for GitHub's REST API, answering the
// calls stepstone makes with the shapes GitHub documents: PR files,
// issue comments list, create (201) and update (200).
type githubAPI struct {
	mu       sync.Mutex
	calls    []string
	comments []map[string]any
	nextID   int
	files    []map[string]any
	// contents are the files of the base commit, by "SHA:PATH" (the
	// contents API with the raw media type).
	contents map[string]string
}

func (g *githubAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer test-token-123" {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/repos/acme/cluster/contents/"):
		data, ok := g.contents[r.URL.Query().Get("ref")+":"+strings.TrimPrefix(r.URL.Path, "/repos/acme/cluster/contents/")]
		if !ok || r.Header.Get("Accept") != "application/vnd.github.raw+json" {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		w.Write([]byte(data))
	case r.Method == "GET" && r.URL.Path == "/repos/acme/cluster/pulls/7/files":
		json.NewEncoder(w).Encode(g.files)
	case r.Method == "GET" && r.URL.Path == "/repos/acme/cluster/issues/7/comments":
		json.NewEncoder(w).Encode(g.comments)
	case r.Method == "POST" && r.URL.Path == "/repos/acme/cluster/issues/7/comments":
		var in struct{ Body string }
		json.NewDecoder(r.Body).Decode(&in)
		g.nextID++
		c := map[string]any{"id": g.nextID, "body": in.Body, "user": map[string]any{"login": "github-actions[bot]"},
			"html_url": fmt.Sprintf("https://github.example/acme/cluster/pull/7#issuecomment-%d", g.nextID)}
		g.comments = append(g.comments, c)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(c)
	case r.Method == "PATCH" && strings.HasPrefix(r.URL.Path, "/repos/acme/cluster/issues/comments/"):
		var in struct{ Body string }
		json.NewDecoder(r.Body).Decode(&in)
		for _, c := range g.comments {
			if fmt.Sprint(c["id"]) == strings.TrimPrefix(r.URL.Path, "/repos/acme/cluster/issues/comments/") {
				c["body"] = in.Body
				json.NewEncoder(w).Encode(c)
				return
			}
		}
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	default:
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	}
}

// buildBinary builds stepstone once for end-to-end tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stepstone")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestActionEndToEnd runs the built binary as the container action runs
// it: no arguments, inputs as INPUT_* variables, a pull_request event.
func TestActionEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	ws := t.TempDir()
	cfgDir := filepath.Join(ws, "deploy")
	os.MkdirAll(cfgDir, 0o755)
	// The changed file has an injection attempt in a value and a typo.
	os.WriteFile(filepath.Join(cfgDir, "datanode.toml"), []byte("node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[storage]\ntype = \"s3%0A::error::pwned\"\nbuket = \"x\"\n"), 0o644)
	// An unchanged file with an error that must not be annotated.
	os.WriteFile(filepath.Join(cfgDir, "frontend.toml"), []byte("[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n[http]\ntimeout = 30\n"), 0o644)
	event := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(event, []byte(`{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"sha":"abc123"}},"repository":{"full_name":"acme/cluster"}}`), 0o644)

	api := &githubAPI{files: []map[string]any{{"filename": "deploy/datanode.toml", "status": "modified"}}}
	srv := httptest.NewServer(api)
	defer srv.Close()

	runOnce := func() (stdout, summary, outputs string, code int) {
		summaryPath := filepath.Join(t.TempDir(), "summary.md")
		outputPath := filepath.Join(t.TempDir(), "output")
		cmd := exec.Command(bin)
		cmd.Dir = ws
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
			"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "GITHUB_EVENT_NAME=pull_request",
			"GITHUB_EVENT_PATH=" + event, "GITHUB_STEP_SUMMARY=" + summaryPath, "GITHUB_OUTPUT=" + outputPath,
			"GITHUB_API_URL=" + srv.URL, "GITHUB_SERVER_URL=https://github.example", "GITHUB_REPOSITORY=acme/cluster",
			"GITHUB_SHA=abc123", "GITHUB_RUN_ID=42", "RUNNER_TEMP=" + t.TempDir(),
			"INPUT_PATHS=deploy", "INPUT_COMMAND=lint", "INPUT_GITHUB-TOKEN=test-token-123",
			"INPUT_SARIF-FILE=" + filepath.Join(ws, "out.sarif"),
		}
		out, err := cmd.Output()
		code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		s, _ := os.ReadFile(summaryPath)
		o, _ := os.ReadFile(outputPath)
		return string(out), string(s), string(o), code
	}

	stdout, summary, outputs, code := runOnce()
	if code != 1 {
		t.Errorf("exit %d, want 1 (the changed config has errors)\n%s", code, stdout)
	}
	if !strings.Contains(stdout, "::add-mask::test-token-123") {
		t.Errorf("the token was not masked first:\n%s", stdout)
	}
	if !strings.Contains(stdout, "file=deploy/datanode.toml,line=5,title=stepstone invalid-enum::") {
		t.Errorf("no error annotation on deploy/datanode.toml line 5:\n%s", stdout)
	}
	// A cross-file finding placed on the changed file may name the
	// unchanged one in its text; no annotation may stand on it.
	if strings.Contains(stdout, "file=deploy/frontend.toml") {
		t.Errorf("an unchanged file was annotated:\n%s", stdout)
	}
	// Every line is one command stepstone meant: the injected "::error::"
	// stays inside an escaped message.
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if strings.HasPrefix(line, "::error::pwned") || !strings.HasPrefix(line, "::") {
			t.Errorf("unexpected line, a config value may have injected a command: %q", line)
		}
	}
	if !strings.Contains(summary, "datanode.toml") || !strings.Contains(outputs, "result<<") {
		t.Errorf("summary or outputs missing:\nsummary:\n%s\noutputs:\n%s", summary, outputs)
	}
	if _, err := os.Stat(filepath.Join(ws, "out.sarif")); err != nil {
		t.Errorf("no SARIF file: %v", err)
	}
	// report-json is a workspace-relative path a later step can upload.
	if !strings.Contains(outputs, "report-json<<") || !strings.Contains(outputs, "\nstepstone-report.json\n") {
		t.Errorf("report-json output is not the workspace-relative default:\n%s", outputs)
	}
	if data, err := os.ReadFile(filepath.Join(ws, "stepstone-report.json")); err != nil || !json.Valid(data) {
		t.Errorf("no JSON report in the workspace: %v", err)
	}

	// A second push: the same comment is edited, not a new one added.
	runOnce()
	api.mu.Lock()
	defer api.mu.Unlock()
	var posts, patches int
	for _, c := range api.calls {
		switch {
		case strings.HasPrefix(c, "POST "):
			posts++
		case strings.HasPrefix(c, "PATCH "):
			patches++
		}
	}
	if posts != 1 || patches != 1 || len(api.comments) != 1 {
		t.Errorf("calls %v: want exactly one POST then one PATCH and one comment", api.calls)
	}
	if body := fmt.Sprint(api.comments[0]["body"]); !strings.Contains(body, "<!-- stepstone -->") {
		t.Errorf("comment lacks the marker:\n%s", body)
	}
}

// TestActionBadInputs: a bad input is an ::error:: annotation naming it
// and exit 2, whichever way the Action started the binary (action.yml and
// docker:// both start it with no arguments and INPUT_* variables).
func TestActionBadInputs(t *testing.T) {
	ws := t.TempDir()
	env := []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "INPUT_COMMAND=bogus", "INPUT_COMMENT=1",
		"INPUT_FAIL_ON=warning", "INPUT_PATHS=."}
	res := runCLI(t, "", env, "stepstone")
	if res.code != exitUsage {
		t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{
		"::error title=stepstone input command::input \"command\" must be run or lint, not \"bogus\"\n",
		"::error title=stepstone input comment::input \"comment\" must be true or false, not \"1\"\n",
		"::warning title=stepstone input fail_on::input \"fail_on\" is not an input of stepstone",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
		}
	}
	if !strings.Contains(res.stderr, "2 bad action input(s)") {
		t.Errorf("stderr: %s", res.stderr)
	}
}

func TestStampedVersion(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	action := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_ACTION_REF": "v1.4.0"}
	for _, tt := range []struct {
		stamped string
		env     map[string]string
		want    string
	}{
		{"v1.2.3", action, "v1.2.3"},
		{"dev", action, "v1.4.0"},
		{"dev", map[string]string{"GITHUB_ACTION_REF": "v1.4.0"}, "dev"},
		{"dev", map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_ACTION_REF": "v1\n::error::x"}, "dev"},
		{"dev", map[string]string{"GITHUB_ACTIONS": "true"}, "dev"},
	} {
		if got := stampedVersion(tt.stamped, env(tt.env)); got != tt.want {
			t.Errorf("stampedVersion(%q, %v) = %q, want %q", tt.stamped, tt.env, got, tt.want)
		}
	}
}
