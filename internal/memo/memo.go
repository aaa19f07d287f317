// Package memo remembers the answers of pure functions that the configs of
// one run ask again and again (the same keys come back in every file), up
// to a bound, so that a hostile file of 100,000 distinct keys cannot make
// it hold them all.
package memo

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Map remembers up to Max answers; it is safe for concurrent use. The zero
// value remembers nothing.
//
// Answers are read far more often than stored, by the files being linted
// on every core. A look-up reads a snapshot through an atomic pointer and
// takes no lock: a read lock's counter, written by every look-up, bounced
// between the cores. Misses go to m under mu, which is copied into a new
// snapshot once as many look-ups have missed as it holds (sync.Map's
// scheme, with typed keys: sync.Map hashes its keys as interfaces, twice
// the cost of a look-up here).
type Map[K comparable, V any] struct {
	Max    int64
	read   atomic.Pointer[map[K]V]
	mu     sync.Mutex
	m      map[K]V
	misses int
}

// Get returns the answer for k, working it out with f the first time (and
// every time once Max answers are remembered).
func (m *Map[K, V]) Get(k K, f func(K) V) V {
	if r := m.read.Load(); r != nil {
		if v, ok := (*r)[k]; ok {
			return v
		}
	}
	m.mu.Lock()
	v, ok := m.m[k]
	m.mu.Unlock()
	if !ok {
		v = f(k)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, known := m.m[k]; !known && int64(len(m.m)) < m.Max {
		if m.m == nil {
			m.m = map[K]V{}
		}
		m.m[k] = v
	}
	if m.misses++; len(m.m) > 0 && m.misses >= len(m.m) {
		snapshot := maps.Clone(m.m)
		m.read.Store(&snapshot)
		m.misses = 0
	}
	return v
}

// Intern returns b as a string: the same string for the same bytes, up to
// m's Max of them, so that a text every file holds (a key) is one string
// for the run, not a new one a file. A known text costs a look-up and no
// allocation.
func Intern(m *Map[string, string], b []byte) string {
	if r := m.read.Load(); r != nil {
		if s, ok := (*r)[string(b)]; ok {
			return s
		}
	}
	return m.Get(string(b), func(s string) string { return s })
}
