package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// A run's test data sits under <root>/.stepstone/<run-id>/. Before a
// probe or benchmark writes there, it writes a lease next to the data,
// <root>/.stepstone/<run-id>/.lease-<writer>, and a heartbeat rewrites it
// while the writer works. Another run that finds the prefix can then
// tell a run that is still going (its lease is fresh) from one that was
// killed with SIGKILL and will never clean up (its lease expired): the
// same idea as an etcd lease, for stores that have none. The lease lives
// beside the writer's folder, not inside it, so the writer's own cleanup
// of its folder never removes the lease before the data is gone.

// leaseObjectPrefix starts the name of every lease object.
const leaseObjectPrefix = ".lease"

// Variables rather than constants so tests can shorten them.
var (
	// leaseTTL is how long a lease holds without a heartbeat.
	leaseTTL = time.Minute
	// leaseRefresh is how often the heartbeat rewrites the lease.
	leaseRefresh = 15 * time.Second
	// leaseSkew is added to a lease's expiry before another run takes
	// its owner for gone: the two runs may be on hosts whose clocks
	// differ.
	leaseSkew = time.Minute
)

// leaseInfo is what a lease object holds, as JSON.
type leaseInfo struct {
	Run     string    `json:"run"`
	Writer  string    `json:"writer"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Expires time.Time `json:"expires"`
}

// gone reports whether the lease's owner is provably gone at now.
func (l leaseInfo) gone(now time.Time) bool {
	return now.After(l.Expires.Add(leaseSkew))
}

// owner says who holds the lease, for messages.
func (l leaseInfo) owner() string {
	return fmt.Sprintf("pid %d on %s", l.PID, l.Host)
}

// parseLease reads a lease object; an object that is not a lease of
// this format is an error.
func parseLease(data []byte) (leaseInfo, error) {
	var l leaseInfo
	if err := json.Unmarshal(data, &l); err != nil {
		return l, fmt.Errorf("not a stepstone lease: %w", err)
	}
	if l.Expires.IsZero() {
		return l, errors.New("not a stepstone lease: no expiry")
	}
	return l, nil
}

// leaseKey is the lease object of writer in the run prefix runPrefix
// (<root>/.stepstone/<run-id>/).
func leaseKey(runPrefix, writer string) string {
	return runPrefix + leaseObjectPrefix + "-" + writer
}

// runLease is one writer's lease: written before its first object,
// refreshed by a heartbeat, deleted after its last object is gone.
type runLease struct {
	st   probeObjectStore
	key  string
	info leaseInfo

	mu       sync.Mutex
	written  bool // a write was attempted, so release must delete
	cutShort bool // the first write failed, and may still land on the server
	stop     chan struct{}
	done     chan struct{}
}

// newRunLease prepares the lease of writer under runPrefix; nothing is
// written until acquire.
func newRunLease(st probeObjectStore, runPrefix, runID, writer string) *runLease {
	host, _ := os.Hostname()
	return &runLease{st: st, key: leaseKey(runPrefix, writer), info: leaseInfo{
		Run: runID, Writer: writer, Host: host, PID: os.Getpid(), Started: time.Now().UTC(),
	}}
}

// acquire writes the lease and starts its heartbeat. On an error the
// lease may have been stored all the same; release deletes it.
func (l *runLease) acquire(ctx context.Context) error {
	l.mu.Lock()
	l.written = true
	l.mu.Unlock()
	if err := l.write(ctx); err != nil {
		l.mu.Lock()
		l.cutShort = true
		l.mu.Unlock()
		return err
	}
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go l.heartbeat()
	return nil
}

func (l *runLease) write(ctx context.Context) error {
	info := l.info
	info.Expires = time.Now().UTC().Add(leaseTTL)
	data, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return l.st.put(ctx, l.key, data)
}

// heartbeat rewrites the lease every leaseRefresh until release. A failed
// refresh is retried at the next tick; the lease lasts several ticks.
func (l *runLease) heartbeat() {
	defer close(l.done)
	tick := time.NewTicker(leaseRefresh)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), leaseRefresh)
			_ = l.write(ctx)
			cancel()
		}
	}
}

// release stops the heartbeat and deletes the lease. It is safe on a
// lease never acquired, and more than once.
func (l *runLease) release(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
		close(l.stop)
		<-l.done // a refresh under way must not rewrite the lease after the delete
		l.stop = nil
	}
	if !l.written {
		return nil
	}
	l.written = false
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := l.st.del(cctx, l.key); err != nil && !isNotFound(err) {
		return err
	}
	if l.cutShort {
		// A write cut short (Ctrl-C, a timeout) may be stored after
		// the delete above, as testObjectStore says of its object:
		// delete once more a moment later.
		select {
		case <-time.After(time.Second):
		case <-cctx.Done():
		}
		if err := l.st.del(cctx, l.key); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

// isNotFound reports whether err says an object does not exist, which a
// delete of an object already gone may return (Azure, GCS, File).
func isNotFound(err error) bool {
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	class, _ := classify(err)
	if class == ClassNotFound {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "notfound") || strings.Contains(s, "not found") || strings.Contains(s, "not exist") || strings.Contains(s, "doesn't exist")
}

// releaseOrReport releases the lease and reports it as left behind when
// it cannot be deleted.
func (l *runLease) releaseOrReport(ctx context.Context, r *probeRun) {
	if err := l.release(ctx); err != nil {
		r.leftovers([]string{l.key}, "delete it: it is the lease of a finished stepstone run")
	}
}
