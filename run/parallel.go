package run

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// forEach calls fn(i) for every i in [0, n) on at most GOMAXPROCS
// goroutines. fn writes only its own slot of a slice indexed by i, so the
// results keep the order of the inputs whatever the scheduling. Once ctx
// is done no new i is started (Ctrl-C in the static phase); the calls
// under way finish, and the slots of the others are left as they were.
func forEach(ctx context.Context, n int, fn func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// unitValues returns the effective values of u for its report.
func unitValues(u Unit) []report.Value {
	if u.Values != nil {
		return u.Values()
	}
	return configs.EffectiveValues(u.File)
}
