package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSnippetOnTerminal: on a terminal the human report shows the
// offending line with a caret, secrets masked; --no-snippet and a pipe
// show none.
func TestSnippetOnTerminal(t *testing.T) {
	dir := t.TempDir()
	const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
	path := writeTestFile(t, dir, "datanode.toml", "[storage]\ntype = \"S3\"\nbucket = \"b\"\nroot = \"r\"\nendpoint = \"http://minio:9000\"\nregion = \"us-east-1\"\naccess_key_id = \"test-access-key-id\"\nsecret_access_key = \""+secret+"\"\n\n[http]\ntimeout = \"30\"\n")
	lint := func(tty bool, args ...string) string {
		var out, errb bytes.Buffer
		run(context.Background(), &environment{
			args:   append([]string{"stepstone", "lint", "--no-color"}, append(args, path)...),
			stdin:  strings.NewReader(""),
			stdout: &out, stderr: &errb,
			getenv: func(string) string { return "" },
			isTTY:  tty,
		})
		return out.String()
	}
	out := lint(true)
	if !strings.Contains(out, `| timeout = "30"`) || !strings.Contains(out, "|           ^~~~") {
		t.Errorf("no snippet under http.timeout:\n%s", out)
	}
	if strings.Contains(out, secret) || strings.Contains(out, secret[:8]) {
		t.Errorf("the snippet shows the secret:\n%s", out)
	}
	for _, o := range []string{lint(true, "--no-snippet"), lint(false)} {
		if strings.Contains(o, "^") {
			t.Errorf("a snippet with --no-snippet or in a pipe:\n%s", o)
		}
	}
}
