package memo

import (
	"strconv"
	"sync"
	"testing"
	"unsafe"
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

// Intern gives one string for equal bytes, allocates nothing for bytes it
// knows, and past Max still gives their text.
func TestIntern(t *testing.T) {
	m := Map[string, string]{Max: 2}
	a := Intern(&m, []byte("storage.type"))
	// Enough look-ups for the snapshot that reads without a lock.
	for range 4 {
		if b := Intern(&m, []byte("storage.type")); b != a || unsafe.StringData(b) != unsafe.StringData(a) {
			t.Fatalf("Intern gave %q at %p, then %q at %p: want one string", a, unsafe.StringData(a), b, unsafe.StringData(b))
		}
	}
	key := []byte("storage.type")
	if n := testing.AllocsPerRun(100, func() { Intern(&m, key) }); n != 0 {
		t.Errorf("Intern of a known text allocated %v times", n)
	}
	Intern(&m, []byte("wal.provider"))
	if got := Intern(&m, []byte("http.addr")); got != "http.addr" {
		t.Errorf("past Max: Intern gave %q", got)
	}
	if len(m.m) != 2 {
		t.Errorf("%d texts held, want Max (2)", len(m.m))
	}
}
