package parallel

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
)

// Every index is visited exactly once, on one core or several.
func TestForVisitsEachOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 8} {
		prev := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 7, 1000} {
			seen := make([]atomic.Int32, n)
			For(context.Background(), n, func(i int) { seen[i].Add(1) })
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("GOMAXPROCS %d, n %d: index %d visited %d times", procs, n, i, c)
				}
			}
		}
		runtime.GOMAXPROCS(prev)
	}
}

// Once the context is done, no new index starts.
func TestForStopsWhenDone(t *testing.T) {
	for _, procs := range []int{1, 4} {
		prev := runtime.GOMAXPROCS(procs)
		ctx, cancel := context.WithCancel(context.Background())
		var ran atomic.Int32
		For(ctx, 10000, func(i int) {
			if ran.Add(1) == 10 {
				cancel()
			}
		})
		if r := ran.Load(); r < 10 || r > 10+int32(procs) {
			t.Errorf("GOMAXPROCS %d: %d calls after cancelling at the 10th, want 10 to %d", procs, r, 10+procs)
		}
		runtime.GOMAXPROCS(prev)
	}
}
