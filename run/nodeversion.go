package run

import (
	"context"
	"sync"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/textsafe"
	"github.com/stepstone-dev/stepstone/probe"
)

// nodeVersionWorkers bounds the /status requests in flight: they wait on
// the network, not the CPU.
const nodeVersionWorkers = 16

// judgeByNodes lets each running node choose the release its config is
// judged by, when the user chose none: the schema of the release that
// runs is the one that matters (a file's image tag says what should run).
// It asks only when node checks are on and the run is live, before lint.
func judgeByNodes(ctx context.Context, units []Unit, shown []int, o Options) {
	if !o.Live || (!o.Nodes && !o.NodesAuto) || o.GreptimeDBVersion != nil {
		return
	}
	timeout := o.timeout()
	sem := make(chan struct{}, nodeVersionWorkers)
	var wg sync.WaitGroup
	for _, i := range shown {
		u := units[i]
		f := u.File
		if u.ProbeFile != nil {
			f = u.ProbeFile
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ver, addr, ok := probe.NodeVersion(ctx, f, timeout)
			if !ok {
				return
			}
			// Server text: a version that names no release leaves the
			// file judged as before.
			v, err := configs.ParseVersion(textsafe.Line(ver), probe.NodeVersionSource+textsafe.Line(addr)+" (/status)")
			if err != nil {
				return
			}
			for _, g := range []*configs.File{u.File, u.LintFile, u.ProbeFile} {
				if g != nil {
					g.Version = v
				}
			}
		}()
	}
	wg.Wait()
}
