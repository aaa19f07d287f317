// Package parallel runs the independent steps of a loop on every core.
package parallel

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn(i) for every i in [0, n) on at most GOMAXPROCS goroutines.
// fn writes only its own slot of a slice indexed by i, so the results keep
// the order of the inputs whatever the scheduling. Once ctx is done no new
// i is started (Ctrl-C while linting); the calls under way finish, and the
// slots of the others are left as they were.
func For(ctx context.Context, n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// Ordered calls produce(i) for every i in [0, n) on at most GOMAXPROCS
// goroutines, and consume(i) for each i in order on the calling goroutine
// as soon as produce(i) has returned. At most ahead indices are produced
// and not yet consumed, so produce(i) may write slot i%ahead of a ring of
// ahead buffers: consume(i-ahead) has returned by then. Unlike For over
// windows, no core waits at a window's end while the consumer works. The
// first error consume returns stops the loop: no new index is produced,
// and Ordered returns that error once the calls under way have returned.
func Ordered(n, ahead int, produce func(i int), consume func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || ahead <= 1 {
		for i := range n {
			produce(i)
			if err := consume(i); err != nil {
				return err
			}
		}
		return nil
	}
	// A token per slot: a worker takes one before its index, and the
	// consumer returns it once it has consumed the index.
	tokens := make(chan struct{}, ahead)
	for range ahead {
		tokens <- struct{}{}
	}
	done := make([]chan struct{}, ahead)
	for k := range done {
		done[k] = make(chan struct{}, 1)
	}
	stop := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-tokens:
				case <-stop:
					return
				}
				// Tokens are taken before indices, and indices in
				// order: every index from the one being consumed to i
				// holds a token, so i is less than ahead past it.
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				produce(i)
				done[i%ahead] <- struct{}{}
			}
		})
	}
	var err error
	for i := range n {
		<-done[i%ahead]
		if err = consume(i); err != nil {
			break
		}
		tokens <- struct{}{}
	}
	close(stop)
	wg.Wait()
	return err
}
