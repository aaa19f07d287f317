package main

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime/debug"
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

// capHeap's policy by the size of a run: the collector waits for the
// limit (GOGC off) up to twice the 64 MiB floor, 1,000 datanode configs
// among them, and runs at 5 × what it finds live above that; the limit
// is twice what the run is expected to hold, never under the floor.
func TestCapHeapPolicy(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	files := func(n int, size int64) []input {
		in := make([]input, n)
		for i := range in {
			in[i].size = size
		}
		return in
	}
	for _, tt := range []struct {
		name    string
		inputs  []input
		percent int
		floor   bool
	}{
		{"one config", files(1, 26<<10), -1, true},
		{"1,000 configs", files(1000, 26<<10), -1, false},
		{"3,000 configs", files(3000, 26<<10), 400, false},
		{"a dense 9 MiB file", files(1, 9<<20), 400, false},
	} {
		restore := capHeap(tt.inputs)
		percent := debug.SetGCPercent(100)
		limit := debug.SetMemoryLimit(math.MaxInt64)
		restore()
		if percent != tt.percent {
			t.Errorf("%s: GOGC %d, want %d", tt.name, percent, tt.percent)
		}
		if limit < heapFloor || (limit == heapFloor) != tt.floor {
			t.Errorf("%s: limit %d MiB (floor %d MiB), want the floor: %v", tt.name, limit>>20, heapFloor>>20, tt.floor)
		}
	}
}
