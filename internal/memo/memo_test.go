package memo

import (
	"strconv"
	"sync"
	"testing"
)

// Answers are the function's, each worked out once while under Max, and
// no more than Max are kept: a run of distinct keys past the bound is
// worked out every time.
func TestMapBound(t *testing.T) {
	m := Map[int, string]{Max: 3}
	calls := map[int]int{}
	var mu sync.Mutex
	f := func(k int) string {
		mu.Lock()
		calls[k]++
		mu.Unlock()
		return strconv.Itoa(k * 2)
	}
	for range 2 {
		for k := range 5 {
			if got := m.Get(k, f); got != strconv.Itoa(k*2) {
				t.Fatalf("Get(%d) = %q", k, got)
			}
		}
	}
	for k := range 3 {
		if calls[k] != 1 {
			t.Errorf("key %d worked out %d times, want once", k, calls[k])
		}
	}
	for k := 3; k < 5; k++ {
		if calls[k] != 2 {
			t.Errorf("key %d past the bound worked out %d times, want every time", k, calls[k])
		}
	}
	if kept := len(m.m); kept != 3 {
		t.Errorf("%d answers kept, want 3", kept)
	}
}
