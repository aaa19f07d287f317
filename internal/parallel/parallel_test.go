package parallel

import (
	"context"
	"errors"
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

// Ordered consumes every index once, in order, never more than ahead past
// the one being consumed, and stops at the first error.
func TestOrdered(t *testing.T) {
	for _, procs := range []int{1, 2, 8} {
		prev := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 7, 1000} {
			for _, ahead := range []int{1, 2, 3, 64} {
				slots := make([]int, ahead)
				var consumed atomic.Int64
				var bad atomic.Int32
				want := 0
				err := Ordered(n, ahead, func(i int) {
					if int64(i) >= consumed.Load()+int64(ahead) {
						bad.Add(1)
					}
					slots[i%ahead] = i
				}, func(i int) error {
					if i != want || slots[i%ahead] != i {
						t.Fatalf("GOMAXPROCS %d, n %d, ahead %d: consumed %d (slot holds %d), want %d", procs, n, ahead, i, slots[i%ahead], want)
					}
					want++
					consumed.Store(int64(want))
					return nil
				})
				if err != nil || want != n || bad.Load() != 0 {
					t.Fatalf("GOMAXPROCS %d, n %d, ahead %d: err %v, consumed %d, %d produced too far ahead", procs, n, ahead, err, want, bad.Load())
				}
			}
		}
		stopErr := errors.New("stop")
		var produced atomic.Int32
		err := Ordered(1000, 4, func(int) { produced.Add(1) }, func(i int) error {
			if i == 10 {
				return stopErr
			}
			return nil
		})
		if err != stopErr || produced.Load() > 10+4 {
			t.Fatalf("GOMAXPROCS %d: err %v after %d produced, want the consumer's error within 14", procs, err, produced.Load())
		}
		runtime.GOMAXPROCS(prev)
	}
}
