package annotate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

const baseSHA = "1111111111111111111111111111111111111111"

func TestPullRequestBase(t *testing.T) {
	event := filepath.Join(t.TempDir(), "event.json")
	for _, tt := range []struct {
		name, payload, want string
	}{
		{"base sha", `{"pull_request":{"number":7,"base":{"sha":"` + baseSHA + `"}}}`, baseSHA},
		{"no base", `{"pull_request":{"number":7}}`, ""},
		{"not a commit id", `{"pull_request":{"number":7,"base":{"sha":"--upload-pack=touch /tmp/x"}}}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(event, []byte(tt.payload), 0o644)
			got, err := Env{EventName: "pull_request", EventPath: event}.PullRequestBase()
			if got != tt.want || (tt.want == "") != (err != nil) {
				t.Errorf("PullRequestBase = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := (Env{EventName: "push", EventPath: event}).PullRequestBase(); !errors.Is(err, ErrNotPullRequest) {
		t.Errorf("push event: %v, want ErrNotPullRequest", err)
	}
}

// TestFileAt reads a base version through the contents API (raw media
// type) of the recording server; a file the commit lacks is not found,
// and a file over the limit is an error.
func TestFileAt(t *testing.T) {
	f := newFakeGitHub(t)
	f.contents = map[string]string{baseSHA + ":deploy/my datanode.toml": "node_id = 1\n"}
	c := f.client()
	data, found, err := c.FileAt(context.Background(), "stepstone-dev/demo", "deploy/my datanode.toml", baseSHA, 1<<20)
	if err != nil || !found || string(data) != "node_id = 1\n" {
		t.Fatalf("FileAt = %q, %v, %v", data, found, err)
	}
	if _, found, err := c.FileAt(context.Background(), "stepstone-dev/demo", "deploy/new.toml", baseSHA, 1<<20); err != nil || found {
		t.Errorf("a file new in the pull request: found %v, %v", found, err)
	}
	if _, _, err := c.FileAt(context.Background(), "stepstone-dev/demo", "deploy/my datanode.toml", baseSHA, 4); err == nil {
		t.Error("a file over the limit must be an error")
	}
	if got := strings.Join(f.calls, "\n"); !strings.Contains(got, "GET /repos/stepstone-dev/demo/contents/deploy/my datanode.toml") {
		t.Errorf("calls:\n%s", got)
	}
}

// TestRunImpact: the report's change impact reaches the PR comment (with
// the reason for a dangerous change, the harmless ones compact) and the
// step summary.
func TestRunImpact(t *testing.T) {
	f := newFakeGitHub(t)
	env := prEnv(t, f, 7)
	r := sample.Report()
	r.Impact = []report.ConfigChanges{{File: "deploy/datanode.toml", Component: "datanode", Status: "changed", Changes: []report.Change{
		{Key: "storage.bucket", Old: `"greptime"`, New: `"greptime-v2"`, Dangerous: true, Reason: "object storage moves: the regions already written are no longer found"},
		{Key: "logging.level", Old: `"info"`, New: `"debug"`},
	}}}
	var stdout bytes.Buffer
	if _, err := Run(context.Background(), r, env, Options{Comment: true, Stdout: &stdout, HTTPClient: f.srv.Client()}); err != nil {
		t.Fatal(err)
	}
	summary, _ := os.ReadFile(env.StepSummary)
	if len(f.comments) != 1 {
		t.Fatalf("%d comments, want 1", len(f.comments))
	}
	for name, doc := range map[string]string{"comment": f.comments[0].Body, "summary": string(summary)} {
		for _, want := range []string{"#### What this change does", "`deploy/datanode.toml` (datanode, changed): **1 dangerous change(s)**",
			"| `storage.bucket` | `\"greptime\"` | `\"greptime-v2\"` | object storage moves: the regions already written are no longer found |",
			"<summary>1 other change(s)</summary>", "- `logging.level` `\"info\"` → `\"debug\"`"} {
			if !strings.Contains(doc, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, doc)
			}
		}
	}
}
