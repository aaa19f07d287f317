package fix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestApplyDropsOverlaps(t *testing.T) {
	src := []byte("a = 1\nb = 2\n")
	fixes := []Fix{
		{Rule: "r1", Edits: []Edit{{Start: 0, End: 1, Text: "x"}}},
		{Rule: "r2", Edits: []Edit{{Start: 0, End: 5, Text: "y = 3"}}},
		{Rule: "r3", Edits: []Edit{{Start: 6, End: 7, Text: "c"}, {Start: 12, End: 12, Text: "d = 4\n"}}},
		{Rule: "r4", Edits: []Edit{{Start: 40, End: 41}}},
	}
	out, applied, dropped := Apply(src, fixes)
	if got, want := string(out), "x = 1\nc = 2\nd = 4\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(applied) != 2 || len(dropped) != 2 {
		t.Errorf("applied %d, dropped %d; want 2 and 2", len(applied), len(dropped))
	}
	same, _, _ := Apply(src, nil)
	if &same[0] != &src[0] {
		t.Error("no fixes must return the input itself")
	}
}

func TestUnifiedDiff(t *testing.T) {
	old := []byte("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n")
	new := []byte("a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk")
	want := "--- a/x.toml\n+++ b/x.toml\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n\\ No newline at end of file\n"
	if got := UnifiedDiff("x.toml", old, new); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if UnifiedDiff("x", old, old) != "" {
		t.Error("equal texts must give no diff")
	}
}

func TestWriteFileKeepsMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "datanode.toml")
	if err := os.WriteFile(p, []byte("a = 1\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("a = 2\n")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(b) != "a = 2\n" || st.Mode().Perm() != 0o640 {
		t.Errorf("got %q mode %v", b, st.Mode())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("a temporary file was left behind: %v", ents)
	}
}

func TestSyntax11(t *testing.T) {
	src := "a = { x = 1,\n  y = [1,\n 2,],\n}\nb = \"\\e[0m\\x41\"\nc = { x = 1, # note\n}\nd = 'lit\\e'\n"
	out, _, _ := Apply([]byte(src), syntax11([]byte(src)))
	want := "a = { x = 1, y = [1, 2,] }\nb = \"\\u001B[0m\\u0041\"\nc = { x = 1, # note\n}\nd = 'lit\\e'\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestRespell(t *testing.T) {
	for in, want := range map[string]string{"1gb": "1GB", "512mib": "512MiB", "64MB": "", "1 kb": "1 KB", "1xb": ""} {
		if got := respellSize(in); got != want {
			t.Errorf("respellSize(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"10S": "10s", "5MS": "5ms", "10M": "", "1.5s": "1500ms", "0.5h": "30m", "1H 30M": "", "3s": "", "1.25ms": "1250us"} {
		if got := respellDuration(in); got != want {
			t.Errorf("respellDuration(%q) = %q, want %q", in, got, want)
		}
	}
	if got := respellEnum("raftengine", []string{"raft_engine", "kafka"}); got != "raft_engine" {
		t.Errorf("respellEnum = %q", got)
	}
	if got := respellEnum("kafak", []string{"raft_engine", "kafka"}); got != "" {
		t.Errorf("a typo has no one answer, got %q", got)
	}
	if !strings.Contains(Fixable["invalid-enum"], "S3") {
		t.Error("Fixable must describe invalid-enum")
	}
}
