// Package memo remembers the answers of pure functions that the configs of
// one run ask again and again (the same keys come back in every file), up
// to a bound, so that a hostile file of 100,000 distinct keys cannot make
// it hold them all.
package memo

import "sync"

// Map remembers up to Max answers; it is safe for concurrent use. The zero
// value remembers nothing.
//
// A plain map under a read-write lock, not a sync.Map: answers are read
// far more often than stored, and sync.Map hashes its keys as interfaces,
// which made a look-up cost twice as much (Retain asks once for every key
// of every file).
type Map[K comparable, V any] struct {
	Max int64
	mu  sync.RWMutex
	m   map[K]V
}

// Get returns the answer for k, working it out with f the first time (and
// every time once Max answers are remembered).
func (m *Map[K, V]) Get(k K, f func(K) V) V {
	m.mu.RLock()
	v, ok := m.m[k]
	m.mu.RUnlock()
	if ok {
		return v
	}
	v = f(k)
	m.mu.Lock()
	if int64(len(m.m)) < m.Max {
		if m.m == nil {
			m.m = map[K]V{}
		}
		m.m[k] = v
	}
	m.mu.Unlock()
	return v
}
