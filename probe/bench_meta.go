package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	clientv3 "go.etcd.io/etcd/client/v3"
	"golang.org/x/time/rate"

	"github.com/stepstone-dev/stepstone/report"
)

// ---- etcd -----------------------------------------------------------------

// BenchEtcd puts and then reads keys at a small fixed rate, as `etcdctl
// check perf --load=s` does (150 requests a second from 50 clients; here
// for a few seconds instead of a minute), and grades it the same way: the
// rate reached must be at least 90% of the target, with bounded latency
// (p99 rather than the single slowest request). Keys are written under
// the run's test prefix, bound to a lease, and deleted afterwards.
func BenchEtcd(ctx context.Context, t Target) report.ProbeResult {
	return runBench(ctx, t, func(ctx context.Context, b *benchRun) {
		r, p := b.r, b.perf
		cli := etcdClusterClient(ctx, r)
		if cli == nil {
			return
		}
		defer cli.Close()
		prefix := etcdTestPrefix(t.File, t.Opts.RunID) + "bench/"
		// The lease outlives the benchmark by etcdLeaseTTL, so a killed
		// stepstone leaves nothing behind for long.
		ttl := int64((2*p.MetaDuration + 2*p.requestTimeout).Seconds()) + etcdLeaseTTL
		lease, err := cli.Grant(ctx, ttl)
		if err != nil {
			r.at("store_key_prefix", t.Key)
			r.failErr(err, classifyEtcd, "cannot create a lease in etcd")
			return
		}
		b.requests.Add(1)
		defer func() {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			if _, err := cli.Delete(cctx, prefix, clientv3.WithPrefix()); err != nil && !r.failed() {
				r.note("cleanup failed: %s", probeErrText(err))
			}
			_, _ = cli.Revoke(cctx, lease.ID)
			b.requests.Add(3)
			left, err := cli.Get(cctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(20))
			if err != nil {
				r.note("could not check for leftovers: %s (they expire with their %ds lease)", probeErrText(err), ttl)
				return
			}
			r.leftovers(etcdKeys(left.Kvs), fmt.Sprintf("they expire with their %ds lease; or `etcdctl del --prefix %s`", ttl, prefix))
		}()

		value := make([]byte, p.ValueSize)
		_, _ = rand.Read(value)
		label := report.FormatSize(p.ValueSize)
		var mu sync.Mutex
		var keys []string
		put := func(ctx context.Context, rng *mrand.Rand) error {
			var k [8]byte
			for i := range k {
				k[i] = byte(rng.Uint32())
			}
			key := prefix + hex.EncodeToString(k[:])
			b.requests.Add(1)
			b.bytes.Add(int64(len(key) + len(value)))
			if _, err := cli.Put(ctx, key, string(value), clientv3.WithLease(lease.ID)); err != nil {
				return err
			}
			mu.Lock()
			keys = append(keys, key)
			mu.Unlock()
			return nil
		}
		get := func(ctx context.Context, rng *mrand.Rand) error {
			mu.Lock()
			key := keys[rng.IntN(len(keys))]
			mu.Unlock()
			b.requests.Add(1)
			resp, err := cli.Get(ctx, key)
			if err != nil {
				return err
			}
			if len(resp.Kvs) != 1 || !bytes.Equal(resp.Kvs[0].Value, value) {
				return fmt.Errorf("etcd returned a different value for %q than was written", key)
			}
			b.bytes.Add(int64(len(value)))
			return nil
		}
		b.steps = 2
		b.tell("etcd put load")
		if !b.runLoad(ctx, "etcd_put", label, put, classifyEtcd) {
			return
		}
		mu.Lock()
		n := len(keys)
		mu.Unlock()
		if n == 0 {
			r.fail(ClassOther, "", "no key could be written to etcd")
			return
		}
		b.tell("etcd range load")
		if !b.runLoad(ctx, "etcd_range", label, get, classifyEtcd) {
			return
		}
		b.summary = fmt.Sprintf("put, then range, %s values at a target of %d requests/s from %d clients for %s each",
			label, p.EtcdRate, p.EtcdClients, p.MetaDuration)
		b.summary += etcdLoadHeadline(b.metrics)
	})
}

// etcdLoadHeadline picks the reached rate and p50 of each load for the
// message: " (put 150 ops/s p50 2.1ms, range 150 ops/s p50 0.9ms)".
func etcdLoadHeadline(ms []report.Metric) string {
	var parts []string
	val := map[string]report.Metric{}
	var ops []string
	for _, m := range ms {
		if bn, ok := report.ParseBenchName(m.Name); ok && bn.Pass == "load" {
			if _, seen := val[bn.Op+".samples"]; !seen && bn.Stat == "samples" {
				ops = append(ops, bn.Op)
			}
			val[bn.Op+"."+bn.Stat] = m
		}
	}
	for _, op := range ops {
		part := strings.TrimPrefix(op, "etcd_")
		if m, ok := val[op+".ops_per_s"]; ok {
			part += " " + formatMetricValue(m.Value, m.Unit)
		}
		if m, ok := val[op+".p50"]; ok {
			part += " p50 " + formatMetricValue(m.Value, m.Unit)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// runLoad sends op at PerfOptions.EtcdRate from EtcdClients goroutines for
// MetaDuration, as etcdctl check perf does: a limiter hands requests to a
// queue as long as the clients keep up. One uncounted first request is
// reported as cold. It returns false when the benchmark should stop.
func (b *benchRun) runLoad(ctx context.Context, op, size string, do func(context.Context, *mrand.Rand) error, classifier func(error) (string, string)) bool {
	r, p := b.r, b.perf
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 1))
	t0 := time.Now()
	if err := do(ctx, rng); err != nil {
		if ctx.Err() == nil {
			r.failErr(err, classifier, "the first %s failed", strings.ReplaceAll(op, "_", " "))
		}
		return false
	}
	cold := time.Since(t0)

	budget := newBenchBudget(p.MaxRequests, 1<<62)
	lctx, cancel := context.WithTimeout(ctx, p.MetaDuration)
	defer cancel()
	requests := make(chan struct{}, p.EtcdClients)
	limiter := rate.NewLimiter(rate.Limit(p.EtcdRate), 1)
	start := time.Now()
	go func() {
		defer close(requests)
		for limiter.Wait(lctx) == nil && budget.take(0) {
			select {
			case requests <- struct{}{}:
			case <-lctx.Done():
				return
			}
		}
	}()
	type clientResult struct {
		lat      []time.Duration
		errors   int
		firstErr error
		last     time.Time
	}
	res := make([]clientResult, p.EtcdClients)
	rctx, rcancel := context.WithTimeout(ctx, p.MetaDuration+p.requestTimeout)
	defer rcancel()
	var wg sync.WaitGroup
	for i := range p.EtcdClients {
		wg.Go(func() {
			cr := &res[i]
			crng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(i)+2))
			for range requests {
				t0 := time.Now()
				err := do(rctx, crng)
				if err != nil {
					if rctx.Err() != nil {
						continue
					}
					cr.errors++
					if cr.firstErr == nil {
						cr.firstErr = err
					}
					continue
				}
				cr.lat = append(cr.lat, time.Since(t0))
				cr.last = time.Now()
			}
		})
	}
	wg.Wait()

	var lat []time.Duration
	var errs int
	var firstErr error
	last := start
	for _, cr := range res {
		lat = append(lat, cr.lat...)
		errs += cr.errors
		if firstErr == nil {
			firstErr = cr.firstErr
		}
		if cr.last.After(last) {
			last = cr.last
		}
	}
	b.add(op, size, "load", "samples", float64(len(lat)), "count")
	b.add(op, size, "load", "errors", float64(errs), "count")
	b.addLatency(op, size, "load", "", summarize(lat))
	b.add(op, size, "load", "cold", cold.Seconds(), "seconds")
	if el := last.Sub(start); el > 0 && len(lat) > 0 {
		ops := float64(len(lat)) / el.Seconds()
		b.add(op, size, "load", "ops_per_s", ops, "ops/s")
		b.add(op, size, "load", "target_ops_per_s", float64(p.EtcdRate), "ops/s")
		// The limiter lets the first request through at once, so a
		// store that keeps up can show a hair above the target.
		b.add(op, size, "load", "target_ratio", min(ops/float64(p.EtcdRate), 1), "ratio")
	}
	if len(lat) == 0 && firstErr != nil && ctx.Err() == nil {
		class, sug := classifier(firstErr)
		r.fail(class, sug, "every %s failed: %s", strings.ReplaceAll(op, "_", " "), probeErrText(firstErr))
		return false
	}
	return ctx.Err() == nil
}

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

// BenchPostgres measures the round trip of a point write and a point read
// of the metadata table of postgres_store, inside a transaction that is
// rolled back, so nothing is ever committed. It needs the table: before
// metasrv's first start there is nothing to measure.
func BenchPostgres(ctx context.Context, t Target) report.ProbeResult {
	return runBench(ctx, t, func(ctx context.Context, b *benchRun) {
		r, p := b.r, b.perf
		conn, err := pgBenchConnect(ctx, r)
		if err != nil {
			r.failErr(err, classifyPG, "cannot connect to PostgreSQL")
			return
		}
		defer func() {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			_ = conn.Close(cctx)
		}()
		table := probeString(t.File, "meta_table_name", defaultMetaTable)
		schema := probeString(t.File, "meta_schema_name", "")
		if schema == "" {
			var cur *string
			if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&cur); err != nil || cur == nil {
				r.skip("no schema on the search_path exists, so there is no metadata table to measure")
				return
			}
			schema = *cur
		}
		tableRef := pgx.Identifier{schema, table}.Sanitize()
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", tableRef).Scan(&exists); err != nil {
			r.failErr(err, classifyPG, "cannot look up table %s.%s", schema, table)
			return
		}
		if !exists {
			r.skip("table %s.%s does not exist yet, so there is nothing to measure (metasrv creates it at its first start)", schema, table)
			return
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			r.failErr(err, classifyPG, "cannot begin a transaction")
			return
		}
		root := etcdTestRoot(t.File)
		defer func() {
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			if err := tx.Rollback(cctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
				r.note("rollback failed: %s", probeErrText(err))
			}
			if left := pgLeftovers(ctx, conn, tableRef, root); len(left) > 0 {
				r.leftovers(left, fmt.Sprintf("DELETE FROM %s.%s WHERE k LIKE '%s%%'", schema, table, root))
			}
		}()
		value := make([]byte, p.ValueSize)
		_, _ = rand.Read(value)
		b.steps = 1
		b.tell("SQL round trips")
		b.roundTrips(ctx,
			func(ctx context.Context, key string) error {
				_, err := tx.Exec(ctx, "INSERT INTO "+tableRef+" (k, v) VALUES ($1, $2)", []byte(key), value)
				return err
			},
			func(ctx context.Context, key string) error {
				var got []byte
				if err := tx.QueryRow(ctx, "SELECT v FROM "+tableRef+" WHERE k = $1", []byte(key)).Scan(&got); err != nil {
					return err
				}
				if !bytes.Equal(got, value) {
					return errors.New("the row read back differs from the row written")
				}
				return nil
			},
			etcdTestPrefix(t.File, t.Opts.RunID)+"bench/", classifyPG)
	})
}

// pgBenchConnect connects as ProbePostgres does.
func pgBenchConnect(ctx context.Context, r *probeRun) (*pgx.Conn, error) {
	cfg, err := pgConnConfig(r, readBackendTLS(r.t.File), r.t.Opts.Perf.requestTimeout)
	var pe *pgParseError
	if errors.As(err, &pe) {
		return nil, configErrorf("store_addrs[0] does not parse: %v", pe.err)
	}
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// BenchMySQL is BenchPostgres for mysql_store. The statements are
// prepared once, as sqlx caches them for metasrv, so each measured
// request is one round trip.
func BenchMySQL(ctx context.Context, t Target) report.ProbeResult {
	return runBench(ctx, t, func(ctx context.Context, b *benchRun) {
		r, p := b.r, b.perf
		db, conn, err := mysqlBenchConnect(ctx, r)
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot connect to MySQL")
			return
		}
		defer db.Close()
		defer conn.Close()
		table := probeString(t.File, "meta_table_name", defaultMetaTable)
		var tx string
		err = conn.QueryRowContext(ctx, `SELECT COALESCE(e.TRANSACTIONS, '') FROM information_schema.TABLES t
			LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
			WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?`, table).Scan(&tx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			r.skip("table %s does not exist yet, so there is nothing to measure (metasrv creates it at its first start)", table)
			return
		case err != nil:
			r.failErr(err, classifyMySQL, "cannot look up table %s", table)
			return
		case !strings.EqualFold(tx, "YES"):
			r.skip("table %s has no transactions to roll back, so the benchmark does not write to it", table)
			return
		}
		tableRef := "`" + strings.ReplaceAll(table, "`", "``") + "`"
		root := etcdTestRoot(t.File)
		txn, err := conn.BeginTx(ctx, nil)
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot begin a transaction")
			return
		}
		defer func() {
			if err := txn.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
				r.note("rollback failed: %s", probeErrText(err))
			}
			if left := mysqlLeftovers(ctx, conn, tableRef, root); len(left) > 0 {
				r.leftovers(left, fmt.Sprintf("DELETE FROM %s WHERE LEFT(k, %d) = '%s'", tableRef, len(root), root))
			}
		}()
		ins, err := txn.PrepareContext(ctx, "INSERT INTO "+tableRef+" (k, v) VALUES (?, ?)")
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot prepare the write")
			return
		}
		defer ins.Close()
		sel, err := txn.PrepareContext(ctx, "SELECT v FROM "+tableRef+" WHERE k = ?")
		if err != nil {
			r.failErr(err, classifyMySQL, "cannot prepare the read")
			return
		}
		defer sel.Close()
		value := make([]byte, p.ValueSize)
		_, _ = rand.Read(value)
		b.steps = 1
		b.tell("SQL round trips")
		b.roundTrips(ctx,
			func(ctx context.Context, key string) error {
				_, err := ins.ExecContext(ctx, []byte(key), value)
				return err
			},
			func(ctx context.Context, key string) error {
				var got []byte
				if err := sel.QueryRowContext(ctx, []byte(key)).Scan(&got); err != nil {
					return err
				}
				if !bytes.Equal(got, value) {
					return errors.New("the row read back differs from the row written")
				}
				return nil
			},
			etcdTestPrefix(t.File, t.Opts.RunID)+"bench/", classifyMySQL)
	})
}

// mysqlBenchConnect connects as ProbeMySQL does, on one connection.
func mysqlBenchConnect(ctx context.Context, r *probeRun) (*sql.DB, *sql.Conn, error) {
	m, err := parseMySQLURL(r.t.Addr)
	if err != nil {
		return nil, nil, err
	}
	r.addSecrets(m.Password)
	tc, fallback, _, err := mysqlTLS(m, readBackendTLS(r.t.File))
	if err != nil {
		return nil, nil, err
	}
	db, err := mysqlDB(m, tc, fallback, r.t.Opts.Perf.requestTimeout)
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, conn, nil
}
