package probe

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Every run looks for the test data of other runs under the test root
// of each store it checks, at any age: a run killed with SIGKILL cleans
// up nothing, and its data stays until someone removes it. Each other
// run's prefix is judged by its leases (lease.go) and reported as a WARN
// with its object count; the prefix of a run that is provably gone is
// deleted, unless --read-only.

// leftoverVerdict is what a sweep decided about one other run's prefix.
type leftoverVerdict int

const (
	// runLive: a lease is fresh, the run is going on; never touched.
	runLive leftoverVerdict = iota
	// runExpired: every lease expired; the run is gone.
	runExpired
	// runOrphan: no lease, and the run id is older than leftoverAge
	// (or is not a run id): written by a stepstone without leases, or a
	// lease deleted by hand.
	runOrphan
	// runYoung: no lease yet, and the run id is recent; it may be a run
	// that wrote its data before leases existed, so it is left.
	runYoung
)

// judgeRun decides about the run id's prefix from the leases found in
// it (unreadable ones are not counted) at now.
func judgeRun(id string, leases []leaseInfo, now time.Time) (leftoverVerdict, string) {
	if len(leases) > 0 {
		latest := leases[0]
		for _, l := range leases[1:] {
			if l.Expires.After(latest.Expires) {
				latest = l
			}
		}
		if !latest.gone(now) {
			return runLive, fmt.Sprintf("lease held by %s until %s", latest.owner(), latest.Expires.UTC().Format(time.TimeOnly+"Z"))
		}
		return runExpired, fmt.Sprintf("its lease (%s) expired at %s", latest.owner(), latest.Expires.UTC().Format(time.DateTime+"Z"))
	}
	if ts, _, ok := strings.Cut(id, "-"); ok {
		if when, err := time.Parse("20060102T1504", ts); err == nil && now.Sub(when) < leftoverAge {
			return runYoung, "no lease, and the run started less than " + leftoverAge.String() + " ago"
		}
	}
	return runOrphan, "no lease, older than " + leftoverAge.String()
}

// runPrefixes groups a listing of testRoot by run id, other than ownRun,
// and counts the objects of each. Names straight under testRoot belong to
// no run and are not counted.
func runPrefixes(names []string, testRoot, ownRun string) (ids []string, count map[string]int) {
	count = map[string]int{}
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, testRoot)
		if !ok {
			continue
		}
		id, _, ok := strings.Cut(rest, "/")
		if !ok || id == "" || id == ownRun || id == "." || id == ".." {
			continue
		}
		if count[id] == 0 {
			ids = append(ids, id)
		}
		count[id]++
	}
	sort.Strings(ids)
	return ids, count
}

// sweepLeftovers looks at the other runs' prefixes in names (a listing of
// testRoot), deletes those whose run is provably gone unless read-only,
// and reports every one: a WARN naming each prefix and its object count,
// and a note for runs going on now. It takes at most half the time left.
func sweepLeftovers(ctx context.Context, r *probeRun, st probeObjectStore, testRoot string, names []string) {
	ids, count := runPrefixes(names, testRoot, r.t.Opts.RunID)
	if len(ids) == 0 {
		return
	}
	// The stores list at most 1,000 names: past that, counts are lower
	// bounds, and runs beyond the listing are found by later runs.
	atLeast := ""
	if len(names) >= 1000 {
		atLeast = "at least "
	}
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-time.Until(deadline)/2))
		defer cancel()
	}
	now := time.Now()
	var report, live []string
	type goneRun struct{ id, why string }
	var gone []goneRun
	// Every run is judged before anything is deleted, so that deleting
	// a large prefix cannot take the time needed to see that another
	// run is alive.
	for _, id := range ids {
		prefix := testRoot + id + "/"
		// Leases are listed on their own, after the listing of the
		// root: a run writes its lease before its data, so data seen in
		// the root listing has its lease in this one (a truncated root
		// listing cannot hide a lease either).
		leases, err := readLeases(ctx, st, prefix)
		if err != nil {
			r.note("could not read the leases under %q: %s", prefix, probeErrText(err))
			report = append(report, fmt.Sprintf("%q (%s, left: its leases cannot be read)", prefix, atLeast+objectCount(count[id])))
			continue
		}
		verdict, why := judgeRun(id, leases, now)
		switch {
		case verdict == runLive:
			live = append(live, fmt.Sprintf("%q (%s)", prefix, why))
		case verdict == runYoung:
			report = append(report, fmt.Sprintf("%q (%s, %s; left)", prefix, atLeast+objectCount(count[id]), why))
		case r.t.Opts.ReadOnly:
			report = append(report, fmt.Sprintf("%q (%s, %s; left: read-only)", prefix, atLeast+objectCount(count[id]), why))
		default:
			gone = append(gone, goneRun{id, why})
		}
	}
	for _, g := range gone {
		prefix := testRoot + g.id + "/"
		deleted, left, err := removeRunPrefix(ctx, st, prefix)
		n := max(count[g.id], deleted+left)
		left = max(left, n-deleted)
		switch {
		case left == 0 && err == nil:
			report = append(report, fmt.Sprintf("%q (%s, %s; deleted)", prefix, objectCount(n), g.why))
		case err == nil || ctx.Err() != nil:
			report = append(report, fmt.Sprintf("%q (%s, %s; deleted %d, %d left for the next run)", prefix, objectCount(n), g.why, deleted, left))
		default:
			report = append(report, fmt.Sprintf("%q (%s, %s; deleted %d, the rest could not be: %s)", prefix, objectCount(n), g.why, deleted, probeErrText(err)))
		}
	}
	sort.Strings(report)
	if len(live) > 0 {
		r.note("another stepstone run is writing under %s; left alone", probeListNames(live, 3))
	}
	if len(report) == 0 {
		return
	}
	sug := fmt.Sprintf("stepstone deletes the test data of a run once its lease has expired; delete the rest under %q by hand if no stepstone runs against this store", testRoot)
	if r.t.Opts.ReadOnly {
		sug = fmt.Sprintf("run once without --read-only to delete what is marked gone, or delete the objects under %q", testRoot)
	}
	r.warn(sug, "test data of %s found: %s", earlierRuns(len(report)), probeListNames(report, 5))
	if r.res.Class == "" {
		r.res.Class = ClassLeftover
	}
}

func objectCount(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}

// readLeases reads every lease object directly under prefix.
func readLeases(ctx context.Context, st probeObjectStore, prefix string) ([]leaseInfo, error) {
	under := prefix + leaseObjectPrefix
	if _, ok := st.(fileBenchStore); ok {
		under = prefix // a directory walk, not a name prefix; leases sort first
	}
	names, err := st.list(ctx, under)
	if err != nil {
		return nil, err
	}
	var out []leaseInfo
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, prefix+leaseObjectPrefix)
		if !ok || strings.Contains(rest, "/") {
			continue
		}
		data, err := st.get(ctx, n)
		if err != nil {
			if isNotFound(err) {
				continue // deleted by its owner since the listing
			}
			return nil, err
		}
		if l, err := parseLease(data); err == nil {
			out = append(out, l)
		}
	}
	return out, nil
}

// prefixRemover is implemented by stores that delete a whole prefix at
// once (File: one RemoveAll, which takes the directories too).
type prefixRemover interface {
	removePrefix(ctx context.Context, prefix string) error
}

// removeRunPrefix deletes everything under prefix, the data first and the
// leases last, so that a sweep cut short leaves an expired lease for the
// next one. It returns how many objects it deleted and how many are left.
func removeRunPrefix(ctx context.Context, st probeObjectStore, prefix string) (deleted, left int, err error) {
	if !strings.Contains(prefix, testPrefixName+"/") || !strings.HasSuffix(prefix, "/") {
		// Never anything outside a test root.
		return 0, 0, fmt.Errorf("refusing to delete %q: not a stepstone test prefix", prefix)
	}
	if pr, ok := st.(prefixRemover); ok {
		names, err := st.list(ctx, prefix)
		if err != nil {
			return 0, 0, err
		}
		if err := pr.removePrefix(ctx, prefix); err != nil {
			return 0, len(names), err
		}
		return len(names), 0, nil
	}
	// The store lists at most 1,000 names at a time; go round until the
	// prefix is empty or time runs out.
	for range 100 {
		names, err := st.list(ctx, prefix)
		if err != nil {
			return deleted, len(names), err
		}
		if len(names) == 0 {
			return deleted, 0, nil
		}
		var data, leases []string
		for _, n := range names {
			if strings.HasPrefix(strings.TrimPrefix(n, prefix), leaseObjectPrefix) {
				leases = append(leases, n)
			} else {
				data = append(data, n)
			}
		}
		n, err := deleteObjects(ctx, st, data)
		deleted += n
		if err == nil && len(data) < 1000 {
			var k int
			k, err = deleteObjects(ctx, st, leases)
			deleted += k
		}
		if err != nil {
			return deleted, len(names) - n, err
		}
	}
	rest, err := st.list(ctx, prefix)
	return deleted, len(rest), err
}

// deleteObjects deletes keys, 16 at a time; an object already gone counts
// as deleted. It returns how many went and the first error.
func deleteObjects(ctx context.Context, st probeObjectStore, keys []string) (int, error) {
	return deleteEach(ctx, keys, 16, st.del)
}

// deleteEach calls del for every key on at most workers goroutines until
// ctx ends; a key already gone counts as deleted. It returns how many went
// and the first error (ctx's when it ended first).
func deleteEach(ctx context.Context, keys []string, workers int, del func(context.Context, string) error) (int, error) {
	var (
		mu    sync.Mutex
		n     int
		first error
		wg    sync.WaitGroup
	)
	ch := make(chan string)
	for range min(workers, len(keys)) {
		wg.Go(func() {
			for k := range ch {
				err := del(ctx, k)
				mu.Lock()
				switch {
				case err == nil || isNotFound(err):
					n++
				case first == nil:
					first = err
				}
				mu.Unlock()
			}
		})
	}
	for _, k := range keys {
		if ctx.Err() != nil {
			break
		}
		ch <- k
	}
	close(ch)
	wg.Wait()
	if first == nil && n < len(keys) {
		first = ctx.Err()
	}
	return n, first
}

// removePrefix removes a prefix of data_home with its directories.
func (s fileBenchStore) removePrefix(_ context.Context, prefix string) error {
	return os.RemoveAll(s.path(prefix))
}

// sweepFileLeftovers is sweepLeftovers for the File store at abs
// (data_home): its test root is <data_home>/.stepstone/.
func sweepFileLeftovers(ctx context.Context, r *probeRun, abs string) {
	st := fileBenchStore{root: abs, dirs: &sync.Map{}}
	testRoot := testPrefixName + "/"
	// One entry per run directory is enough to find it; the count comes
	// from a listing of each (capped at 1,000 names, as the others).
	entries, err := os.ReadDir(filepath.Join(abs, testPrefixName))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.note("could not look for earlier runs' test data in %s: %s", filepath.Join(abs, testPrefixName), probeErrText(err))
		}
		return
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || e.Name() == r.t.Opts.RunID {
			continue
		}
		in, err := st.list(ctx, testRoot+e.Name()+"/")
		if err != nil {
			continue
		}
		if len(in) == 0 {
			in = []string{testRoot + e.Name() + "/"} // an empty directory still names the run
		}
		names = append(names, in...)
	}
	sweepLeftovers(ctx, r, st, testRoot, names)
}

// fileRunLease prepares the lease of writer in data_home abs for runID.
func fileRunLease(abs, runID, writer string) *runLease {
	return newRunLease(fileBenchStore{root: abs, dirs: &sync.Map{}}, testPrefixName+"/"+runID+"/", runID, writer)
}

func earlierRuns(n int) string {
	if n == 1 {
		return "an earlier stepstone run"
	}
	return fmt.Sprintf("%d earlier stepstone runs", n)
}
