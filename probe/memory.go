package probe

import (
	"context"

	"github.com/stepstone-dev/stepstone/report"
)

// ProbeMemoryStore warns that memory_store keeps metadata only in memory.
func ProbeMemoryStore(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		r.warn(`use backend = "etcd_store", "postgres_store" or "mysql_store" for anything but tests`,
			`backend = "memory_store" keeps cluster metadata in metasrv's memory: it is lost on restart and cannot be shared by several metasrv`)
	})
}
