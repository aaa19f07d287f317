// Package memo remembers the answers of pure functions that the configs of
// one run ask again and again (the same keys come back in every file), up
// to a bound, so that a hostile file of 100,000 distinct keys cannot make
// it hold them all.
package memo

import (
	"sync"
	"sync/atomic"
)

// Map remembers up to Max answers; it is safe for concurrent use. The zero
// value remembers nothing.
type Map[K comparable, V any] struct {
	Max int64
	m   sync.Map
	n   atomic.Int64
}

// Get returns the answer for k, working it out with f the first time (and
// every time once Max answers are remembered).
func (m *Map[K, V]) Get(k K, f func(K) V) V {
	if v, ok := m.m.Load(k); ok {
		return v.(V)
	}
	v := f(k)
	if m.n.Add(1) <= m.Max {
		m.m.Store(k, v)
	}
	return v
}
