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
