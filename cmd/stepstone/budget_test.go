package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A run whose files together exceed --max-input-bytes is exit 2, naming
// the limit; a wrong value of the flag is exit 2 too.
func TestMaxInputBytes(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		sparseFile(t, dir, fmt.Sprintf("datanode-%d.toml", i), 8<<20)
	}
	r := runCLI(t, "", nil, "stepstone", "lint", "--max-input-bytes", "16MiB", dir)
	if r.code != exitUsage || !strings.Contains(r.stderr, "16 MiB") || !strings.Contains(r.stderr, "--max-input-bytes") {
		t.Fatalf("exit %d, want %d naming the limit\n%s", r.code, exitUsage, clipOutput(r.stderr))
	}
	for _, bad := range []string{"lots", "-1", "0", "9999999999GiB"} {
		r := runCLI(t, "", nil, "stepstone", "lint", "--max-input-bytes", bad, filepath.Join(dir, "datanode-0.toml"))
		if r.code != exitUsage || !strings.Contains(r.stderr, "--max-input-bytes") {
			t.Errorf("%q: exit %d\n%s", bad, r.code, clipOutput(r.stderr))
		}
	}
}
