package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// manySources returns n datanode configs in one cluster folder, each
// made different so that findings and their order depend on the input.
func manySources(t *testing.T, n int) []Source {
	t.Helper()
	base, err := os.ReadFile("../configs/examples/datanode.toml")
	if err != nil {
		t.Fatal(err)
	}
	srcs := make([]Source, n)
	for i := range srcs {
		data := append([]byte(nil), base...)
		switch i % 4 {
		case 1:
			data = append(data, fmt.Sprintf("\nunknown_key_%d = %d\n", i, i)...)
		case 2:
			data = append([]byte(fmt.Sprintf("node_id = %d\n", i%7)), data...)
		case 3:
			data = append(data, "\n[broken\n"...)
		}
		srcs[i] = Source{Path: fmt.Sprintf("cluster/datanode-%03d.toml", i), Size: int64(len(data)),
			Read: func() ([]byte, error) { return data, nil }, Explicit: true, Component: configs.Datanode}
	}
	return srcs
}

var varying = regexp.MustCompile(`"(duration_ms|total_duration_ms|timestamp|generated_at|started)": [^,\n]*`)

func jsonAt(t *testing.T, procs int, srcs []Source) string {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	files, skipped, err := Load(context.Background(), srcs, LoadOptions{})
	if err != nil || len(skipped) != 0 {
		t.Fatalf("Load: %v (skipped %v)", err, skipped)
	}
	units := make([]Unit, len(files))
	for i, f := range files {
		units[i] = Unit{File: f, Group: "cluster"}
	}
	r := Run(context.Background(), units, Options{Command: "lint", Version: "test", Values: true, FailOn: report.Error})
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return varying.ReplaceAllString(b.String(), `"$1": X`)
}

// The report does not depend on how many cores read, parse and lint.
func TestParallelSameReport(t *testing.T) {
	srcs := manySources(t, 200)
	one, eight := jsonAt(t, 1, srcs), jsonAt(t, 8, srcs)
	if one != eight {
		a, b := strings.Split(one, "\n"), strings.Split(eight, "\n")
		for i := range a {
			if i >= len(b) || a[i] != b[i] {
				t.Fatalf("GOMAXPROCS=1 and 8 differ at line %d:\n%s\n%s", i+1, a[i], b[min(i, len(b)-1)])
			}
		}
		t.Fatalf("GOMAXPROCS=1 and 8 differ in length: %d and %d lines", len(a), len(b))
	}
	if !strings.Contains(one, "datanode-199.toml") {
		t.Fatal("the report misses the last file")
	}
}

// A run whose configs together exceed the budget is refused, naming it,
// before anything is read when the sizes are known.
func TestLoadBudget(t *testing.T) {
	big := bytes.Repeat([]byte("# hostile\n"), 1<<20) // 10 MiB
	read := 0
	var mu sync.Mutex
	srcs := make([]Source, 3)
	for i := range srcs {
		srcs[i] = Source{Path: fmt.Sprintf("big-%d.toml", i), Size: int64(len(big)), Component: configs.Datanode,
			Read: func() ([]byte, error) { mu.Lock(); read++; mu.Unlock(); return big, nil }}
	}
	_, _, err := Load(context.Background(), srcs, LoadOptions{MaxInputBytes: 16 << 20})
	var be *BudgetError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "16 MiB") || !strings.Contains(err.Error(), "--max-input-bytes") {
		t.Fatalf("want a budget error naming 16 MiB and the flag, got %v", err)
	}
	if read != 0 {
		t.Fatalf("%d files were read before the budget was checked", read)
	}
	// Sizes not known up front (stdin) count once read.
	for i := range srcs {
		srcs[i].Size = 0
	}
	if _, _, err := Load(context.Background(), srcs, LoadOptions{MaxInputBytes: 16 << 20, MaxFileBytes: 10<<20 + 1}); !errors.As(err, &be) {
		t.Fatalf("want a budget error for unknown sizes, got %v", err)
	}
}

// Many tiny files are bounded by their number: each counts as at least
// MinFileWeight, what a run keeps of a file whatever its size; as many
// as the budget holds are read.
func TestLoadBudgetCountsFiles(t *testing.T) {
	tiny := []byte("node_id = 1\n")
	srcs := make([]Source, 1025) // 1,025 × 16 KiB > 16 MiB
	for i := range srcs {
		srcs[i] = Source{Path: fmt.Sprintf("datanode-%d.toml", i), Size: int64(len(tiny)), Component: configs.Datanode,
			Read: func() ([]byte, error) { return tiny, nil }}
	}
	_, _, err := Load(context.Background(), srcs, LoadOptions{MaxInputBytes: 16 << 20})
	var be *BudgetError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "16 KiB") || !strings.Contains(err.Error(), "--max-input-bytes") {
		t.Fatalf("want a budget error naming the per-file weight, got %v", err)
	}
	files, _, err := Load(context.Background(), srcs[:1024], LoadOptions{MaxInputBytes: 16 << 20})
	if err != nil || len(files) != 1024 {
		t.Fatalf("1,024 tiny files within a 16 MiB budget: %d files, %v", len(files), err)
	}
}

// Large files are parsed one after another: the bytes being read and
// parsed at once never exceed ParseBytes.
func TestLoadParseBudget(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	big := bytes.Repeat([]byte("# hostile\n"), 1<<20) // 10 MiB
	var mu sync.Mutex
	var inFlight, peak int64
	srcs := make([]Source, 4)
	for i := range srcs {
		srcs[i] = Source{Path: fmt.Sprintf("big-%d.toml", i), Size: int64(len(big)), Component: configs.Datanode,
			Read: func() ([]byte, error) {
				mu.Lock()
				inFlight += int64(len(big))
				peak = max(peak, inFlight)
				mu.Unlock()
				runtime.Gosched()
				mu.Lock()
				inFlight -= int64(len(big))
				mu.Unlock()
				return big, nil
			}}
	}
	files, _, err := Load(context.Background(), srcs, LoadOptions{ParseBytes: 16 << 20, MaxFileBytes: 10 << 20})
	if err != nil || len(files) != 4 {
		t.Fatalf("Load: %v, %d files", err, len(files))
	}
	if peak > 16<<20 {
		t.Fatalf("%d bytes were read at once, over the 16 MiB parse budget", peak)
	}
}
