package annotate

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/sample"
)

// prEnv is the environment of a pull_request run of stepstone-dev/demo
// against f, with fresh summary, output and event files.
func prEnv(t *testing.T, f *fakeGitHub, number int) Env {
	t.Helper()
	dir := t.TempDir()
	event := filepath.Join(dir, "event.json")
	payload := `{"action":"synchronize","number":` + strconv.Itoa(number) + `,"pull_request":{"number":` + strconv.Itoa(number) + `,"head":{"sha":"abc"}}}`
	if err := os.WriteFile(event, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"summary.md", "output"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	getenv := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    sample.Workspace,
		"GITHUB_EVENT_NAME":   "pull_request",
		"GITHUB_EVENT_PATH":   event,
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_API_URL":      f.srv.URL + "/",
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_REPOSITORY":   "stepstone-dev/demo",
		"GITHUB_SHA":          "0123456789abcdef0123456789abcdef01234567",
		"GITHUB_RUN_ID":       "42",
		"INPUT_GITHUB-TOKEN":  f.token,
		"GITHUB_TOKEN":        "not-this-one",
	}
	return EnvFromOS(func(k string) string { return getenv[k] })
}

// readOutputs parses a GITHUB_OUTPUT file the way the runner does.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, delim, ok := strings.Cut(sc.Text(), "<<")
		if !ok {
			t.Fatalf("not a heredoc line: %q", sc.Text())
		}
		var lines []string
		for sc.Scan() && sc.Text() != delim {
			lines = append(lines, sc.Text())
		}
		out[name] = strings.Join(lines, "\n")
	}
	return out
}

func TestRun(t *testing.T) {
	f := newFakeGitHub(t)
	env := prEnv(t, f, 7)
	if err := os.WriteFile(env.StepSummary, []byte("earlier step output\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	opts := Options{
		Comment: true, SARIFPath: "stepstone.sarif", ReportJSONPath: "stepstone.json",
		Secrets: []string{"s3cr3t-key", "line one\nline two"}, Stdout: &stdout,
		HTTPClient: f.srv.Client(),
	}
	for run := 1; run <= 2; run++ {
		stdout.Reset()
		res, err := Run(context.Background(), sample.Report(), env, opts)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if res.CommentCreated != (run == 1) || res.CommentURL == "" || res.CommentFallback {
			t.Errorf("run %d: result %+v", run, res)
		}
		if res.Annotated != 9 || res.Omitted.Total() != 0 {
			t.Errorf("run %d: annotated %d, omitted %+v", run, res.Annotated, res.Omitted)
		}
	}
	if f.count("POST ") != 1 || f.count("PATCH ") != 1 {
		t.Errorf("want one POST then one PATCH, got %d and %d", f.count("POST "), f.count("PATCH "))
	}

	// Masks come before anything else, the token's included.
	lines := strings.Split(stdout.String(), "\n")
	wantMasks := []string{"s3cr3t-key", "line one\nline two", "line one", "line two", f.token}
	for i, want := range wantMasks {
		c, ok := parseCommand(lines[i])
		if !ok || c.name != "add-mask" || c.data != want {
			t.Errorf("line %d = %q, want add-mask of %q", i, lines[i], want)
		}
	}
	if c, _ := parseCommand(lines[len(wantMasks)]); c.name != "error" {
		t.Errorf("first annotation should follow the masks and be an error: %q", lines[len(wantMasks)])
	}

	outs := readOutputs(t, env.Output)
	want := map[string]string{"result": "fail", "errors": "3", "warnings": "4",
		"sarif-file": "stepstone.sarif", "report-json": "stepstone.json"}
	for k, v := range want {
		if outs[k] != v {
			t.Errorf("output %s = %q, want %q", k, outs[k], v)
		}
	}

	sum, _ := os.ReadFile(env.StepSummary)
	if !strings.HasPrefix(string(sum), "earlier step output\n## ❌ stepstone: FAIL") {
		t.Errorf("summary was not appended:\n%.200s", sum)
	}
	if !strings.Contains(string(sum), "(<https://github.com/stepstone-dev/demo/blob/0123456789abcdef0123456789abcdef01234567/deploy/datanode.toml#L19>)") {
		t.Errorf("summary lacks blob links")
	}
	body := f.comments[0].Body
	if !strings.Contains(body, "stepstone: FAIL") || !strings.HasSuffix(body, Marker+"\n") {
		t.Errorf("comment body:\n%s", body)
	}
}

func TestRunCommentFallback(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeGitHub, *Env)
	}{
		{"403 on create", func(f *fakeGitHub, _ *Env) { f.failOn["POST"] = 403 }},
		{"404 on list", func(f *fakeGitHub, _ *Env) { f.failOn["GET"] = 404 }},
		{"no token", func(_ *fakeGitHub, e *Env) { e.Token = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			env := prEnv(t, f, 7)
			tt.setup(f, &env)
			var stdout bytes.Buffer
			res, err := Run(context.Background(), sample.Report(), env,
				Options{Comment: true, Stdout: &stdout, HTTPClient: f.srv.Client()})
			if err != nil {
				t.Fatalf("a refused comment must not be an error: %v", err)
			}
			if !res.CommentFallback {
				t.Errorf("CommentFallback not set")
			}
			if !strings.Contains(stdout.String(), "::notice title=stepstone::could not comment on the pull request") {
				t.Errorf("no notice printed:\n%s", stdout.String())
			}
			// The annotations and summary still carry the report.
			if res.Annotated == 0 {
				t.Errorf("no annotations")
			}
			if sum, _ := os.ReadFile(env.StepSummary); len(sum) == 0 {
				t.Errorf("no step summary")
			}
		})
	}
}

// TestRunCommentServerError: a 5xx or an unreachable API is a warning, not
// stepstone's failure: the checks ran and their exit code stands (issue 14).
func TestRunCommentServerError(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(*fakeGitHub, *Env)
	}{
		{"500 on create", func(f *fakeGitHub, _ *Env) { f.failOn["POST"] = 500 }},
		{"API unreachable", func(_ *fakeGitHub, e *Env) { e.APIURL = "http://127.0.0.1:1" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			env := prEnv(t, f, 7)
			tt.setup(f, &env)
			var stdout bytes.Buffer
			res, err := Run(context.Background(), sample.Report(), env, Options{Comment: true, Stdout: &stdout, HTTPClient: f.srv.Client()})
			if err != nil || !res.CommentFailed {
				t.Fatalf("the comment's failure must be a warning: err=%v, failed=%v", err, res.CommentFailed)
			}
			if !strings.Contains(stdout.String(), "::warning title=stepstone::could not comment on the pull request") {
				t.Errorf("no warning printed:\n%s", stdout.String())
			}
			if outs := readOutputs(t, env.Output); outs["result"] != "fail" {
				t.Errorf("outputs must be written before the comment is tried")
			}
		})
	}
}

// TestRunCommentClientError: a 4xx other than a refusal (a body GitHub
// rejects) is stepstone's own bug, still exit 3.
func TestRunCommentClientError(t *testing.T) {
	f := newFakeGitHub(t)
	f.failOn["POST"] = 422
	env := prEnv(t, f, 7)
	var stdout bytes.Buffer
	if _, err := Run(context.Background(), sample.Report(), env, Options{Comment: true, Stdout: &stdout, HTTPClient: f.srv.Client()}); err == nil {
		t.Fatal("a 422 must be an error")
	}
}

func TestRunOutsidePullRequests(t *testing.T) {
	f := newFakeGitHub(t)
	env := prEnv(t, f, 7)
	env.EventName = "push"
	var stdout bytes.Buffer
	res, err := Run(context.Background(), sample.Report(), env, Options{Comment: true, Stdout: &stdout, HTTPClient: f.srv.Client()})
	if err != nil || res.CommentFallback || res.CommentURL != "" {
		t.Fatalf("push run: %+v, %v", res, err)
	}
	if n := len(f.calls); n != 0 {
		t.Errorf("push run called the API %d times", n)
	}
}

func TestEnvFromOS(t *testing.T) {
	env := EnvFromOS(func(k string) string {
		return map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "t1", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "abc", "GITHUB_RUN_ID": "9"}[k]
	})
	if !env.Actions || env.Token != "t1" || env.APIURL != "https://api.github.com" || env.ServerURL != "https://github.com" {
		t.Errorf("defaults: %+v", env)
	}
	if env.BlobURL() != "https://github.com/o/r/blob/abc" || env.RunURL() != "https://github.com/o/r/actions/runs/9" {
		t.Errorf("urls: %q %q", env.BlobURL(), env.RunURL())
	}
	ghes := EnvFromOS(func(k string) string {
		return map[string]string{"GITHUB_API_URL": "https://ghe.example.com/api/v3/", "GITHUB_SERVER_URL": "https://ghe.example.com"}[k]
	})
	if ghes.APIURL != "https://ghe.example.com/api/v3" || NewClient(ghes, nil).url("/repos/o/r") != "https://ghe.example.com/api/v3/repos/o/r" {
		t.Errorf("GHES API URL: %q", ghes.APIURL)
	}
}
