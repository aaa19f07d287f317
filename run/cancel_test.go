package run

import (
	"context"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

// TestLoadAndRunStopWhenCancelled: once ctx is done, Load reads nothing
// more and reports no error (the sources are left out), and Run lints
// nothing more and marks the report interrupted (issue 14).
func TestLoadAndRunStopWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	reads := 0
	srcs := make([]Source, 50)
	for i := range srcs {
		srcs[i] = Source{Path: "datanode.toml", Size: 12, Component: configs.Datanode,
			Read: func() ([]byte, error) { reads++; return []byte("node_id = 1\n"), nil }}
	}
	files, skipped, err := Load(ctx, srcs, LoadOptions{})
	if err != nil || len(files) != 0 || len(skipped) != 0 || reads != 0 {
		t.Fatalf("Load after cancel: %d files, %d skipped, %d reads, err %v", len(files), len(skipped), reads, err)
	}
	files, _, err = Load(context.Background(), srcs[:1], LoadOptions{})
	if err != nil || len(files) != 1 {
		t.Fatalf("Load: %d files, err %v", len(files), err)
	}
	r := Run(ctx, []Unit{{File: files[0]}}, Options{})
	if !r.Interrupted || len(r.Components) != 0 {
		t.Errorf("Run after cancel: interrupted %v, %d components", r.Interrupted, len(r.Components))
	}
}
