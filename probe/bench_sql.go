package probe

// The SQL metadata stores' benchmark loop, shared by postgres.go and
// mysql.go.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

// ---- PostgreSQL and MySQL -----------------------------------------------------

// roundTrips alternates a point write and a point read of the same row,
// one connection, inside a transaction that the caller rolls back: the
// round trip metasrv pays for every metadata read and write, without
// waiting for a commit. The first pair is reported as cold. A failed
// statement ends the loop (PostgreSQL aborts the transaction anyway).
func (b *benchRun) roundTrips(ctx context.Context, write func(ctx context.Context, key string) error,
	read func(ctx context.Context, key string) error, keyPrefix string, classifier func(error) (string, string)) {
	r, p := b.r, b.perf
	label := report.FormatSize(p.ValueSize)
	var wl, rl []time.Duration
	var coldW, coldR time.Duration
	var failed error
	deadline := time.Now().Add(p.MetaDuration)
	for i := 0; int64(i) <= p.MaxRequests && ctx.Err() == nil; i++ {
		if i > 0 && !time.Now().Before(deadline) {
			break
		}
		key := fmt.Sprintf("%s%06d", keyPrefix, i)
		t0 := time.Now()
		if err := write(ctx, key); err != nil {
			failed = err
			break
		}
		t1 := time.Now()
		if err := read(ctx, key); err != nil {
			failed = err
			break
		}
		w, rd := t1.Sub(t0), time.Since(t1)
		b.requests.Add(2)
		b.bytes.Add(2 * (int64(len(key)) + p.ValueSize))
		if i == 0 {
			coldW, coldR = w, rd
			continue
		}
		wl, rl = append(wl, w), append(rl, rd)
	}
	for _, o := range []struct {
		op   string
		lat  []time.Duration
		cold time.Duration
	}{{"sql_write", wl, coldW}, {"sql_read", rl, coldR}} {
		errs := 0
		if failed != nil {
			errs = 1
		}
		b.add(o.op, label, "latency", "samples", float64(len(o.lat)), "count")
		b.add(o.op, label, "latency", "errors", float64(errs), "count")
		b.addLatency(o.op, label, "latency", "", summarize(o.lat))
		if o.cold > 0 {
			b.add(o.op, label, "latency", "cold", o.cold.Seconds(), "seconds")
		}
	}
	if failed != nil && ctx.Err() == nil {
		if len(wl) == 0 {
			r.at("meta_table_name", r.t.Key)
			r.failErr(failed, classifier, "the rolled-back write and read failed")
			return
		}
		r.warn("", "a statement failed after %d round trips: %s", len(wl), probeErrText(failed))
	}
	var parts []string
	for _, o := range []struct {
		name string
		lat  []time.Duration
	}{{"write", wl}, {"read", rl}} {
		if s := summarize(o.lat); s.n > 0 {
			parts = append(parts, fmt.Sprintf("%s p50 %s", o.name, report.FormatSeconds(s.p50.Seconds())))
		}
	}
	b.summary = fmt.Sprintf("%d point writes and reads of %s rows in one rolled-back transaction", len(wl)+1, label)
	if len(parts) > 0 {
		b.summary += " (" + strings.Join(parts, ", ") + ")"
	}
}
