package report

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoPath(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, root, file string
		want             string
		rel              bool
	}{
		{"no root", "", "deploy/a.toml", "deploy/a.toml", true},
		{"no root absolute", "", "/etc/greptime/a.toml", "/etc/greptime/a.toml", false},
		{"under root", "/github/workspace", "/github/workspace/deploy/a.toml", "deploy/a.toml", true},
		{"root with slash", "/github/workspace/", "/github/workspace/a.toml", "a.toml", true},
		{"outside root", "/github/workspace", "/etc/a.toml", "/etc/a.toml", false},
		{"sibling prefix", "/github/work", "/github/workspace/a.toml", "/github/workspace/a.toml", false},
		{"relative under cwd", filepath.Dir(cwd), "testdata/x.toml", filepath.Base(cwd) + "/testdata/x.toml", true},
		{"relative elsewhere", "/github/workspace", "deploy/../deploy/a.toml", "deploy/a.toml", true},
		{"stdin", "/github/workspace", "<stdin>", "", false},
		{"empty", "/github/workspace", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rel := RepoPath(tt.root, tt.file)
			if got != tt.want || rel != tt.rel {
				t.Errorf("RepoPath(%q, %q) = %q, %v; want %q, %v", tt.root, tt.file, got, rel, tt.want, tt.rel)
			}
		})
	}
}

// Append writes what String returns, for every shape of position.
func TestPositionAppend(t *testing.T) {
	for _, p := range []Position{{}, {File: "a.toml"}, {File: "a.toml", Line: 3}, {File: "dir/b c.toml", Line: 12, Col: 7}, {Line: 1, Col: 1}, {File: "x", Line: -1, Col: 4}} {
		if got := string(p.Append([]byte("pre|"))); got != "pre|"+p.String() {
			t.Errorf("%#v: Append gave %q, String %q", p, got, p.String())
		}
	}
}
