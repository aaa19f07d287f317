package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

// lowDiskSpace is the free space below which the File store warns.
const lowDiskSpace = 1 << 30

// ProbeFile checks the local data_home of a File store: the directory
// exists (or its nearest existing parent is writable, so GreptimeDB can
// create it), a file written under <data_home>/.stepstone/<run-id>/ can be
// synced, read back and deleted, and how much space is free. It needs
// OnHost: data_home is a path on the machine the datanode runs on.
func ProbeFile(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		home := t.Addr
		if home == "" {
			home = defaultDataHome
		}
		if !t.Opts.OnHost {
			r.skip("storage.data_home = %q is a path on the datanode's machine; run with --on-host there to check it", home)
			return
		}
		abs, err := filepath.Abs(home)
		if err != nil {
			r.failErr(err, classify, "cannot resolve storage.data_home = %q", home)
			return
		}
		var facts []string
		if !filepath.IsAbs(home) {
			facts = append(facts, fmt.Sprintf("relative, taken from the current directory as %s", abs))
		}
		if os.Geteuid() == 0 {
			facts = append(facts, "checked as root, not as the GreptimeDB user")
		}
		st, err := os.Stat(abs)
		switch {
		case err == nil && !st.IsDir():
			r.fail(ClassConfig, "point storage.data_home at a directory", "storage.data_home = %q is a file, not a directory", home)
			return
		case err != nil && !errors.Is(err, os.ErrNotExist):
			r.failErr(err, classify, "cannot stat storage.data_home = %q", home)
			return
		case err != nil:
			parent := probeNearestDir(abs)
			if parent == "" {
				r.fail(ClassNotFound, "create the directory, or fix storage.data_home", "storage.data_home = %q does not exist and no parent directory does", home)
				return
			}
			if aerr := syscall.Access(parent, 0x2|0x1); aerr != nil {
				r.fail(ClassPermission, fmt.Sprintf("create %s for the GreptimeDB user, or make %s writable", abs, parent),
					"storage.data_home = %q does not exist and %s is not writable, so GreptimeDB cannot create it", home, parent)
				return
			}
			free := probeFreeBytes(r, parent)
			facts = append(facts, fmt.Sprintf("%s free", report.FormatBytes(free)))
			r.pass("storage.data_home = %q does not exist yet; GreptimeDB will create it in %s (%s)", home, parent, probeJoinFacts(facts))
			probeWarnLowSpace(r, free, parent)
			return
		}

		sweepFileLeftovers(ctx, r, abs) // earlier runs' data, leftovers.go
		if t.Opts.ReadOnly {
			if aerr := syscall.Access(abs, 0x2|0x1); aerr != nil {
				r.fail(ClassPermission, "make the directory writable by the GreptimeDB user", "storage.data_home %s is not writable: %s", abs, probeErrText(aerr))
				return
			}
			free := probeFreeBytes(r, abs)
			facts = append(facts, fmt.Sprintf("%s free", report.FormatBytes(free)))
			r.pass("storage.data_home %s exists and is writable (%s); read-only, write test skipped", abs, probeJoinFacts(facts))
			probeWarnLowSpace(r, free, abs)
			return
		}

		testRoot := filepath.Join(abs, testPrefixName)
		runDir := filepath.Join(testRoot, t.Opts.RunID)
		createdRoot := false
		if _, err := os.Stat(testRoot); errors.Is(err, os.ErrNotExist) {
			createdRoot = true
		}
		defer func() {
			// Cleanup, also after a failure or Ctrl-C.
			_ = os.RemoveAll(runDir)
			if createdRoot {
				_ = os.Remove(testRoot) // only if empty
			}
			if _, err := os.Stat(runDir); err == nil {
				r.leftovers([]string{runDir}, "remove it with rm -r "+runDir)
			}
		}()
		lease := fileRunLease(abs, t.Opts.RunID, probeNonce())
		defer lease.releaseOrReport(ctx, r) // before the RemoveAll above: no heartbeat may recreate runDir
		if err := lease.acquire(ctx); err != nil {
			r.failErr(err, classify, "write test in storage.data_home %s failed", abs)
			return
		}
		dur, err := fileRoundTrip(runDir, t.Opts.RunID)
		if err != nil {
			r.failErr(err, classify, "write test in storage.data_home %s failed", abs)
			return
		}
		free := probeFreeBytes(r, abs)
		facts = append(facts, fmt.Sprintf("%s free", report.FormatBytes(free)))
		r.res.Metrics = append(r.res.Metrics, report.Metric{Name: "fsync_write_latency", Value: dur.Seconds(), Unit: "seconds"})
		r.pass("storage.data_home %s: wrote, fsynced, read back and deleted a test file in %s (%s)", abs, dur.Round(time.Millisecond), probeJoinFacts(facts))
		probeWarnLowSpace(r, free, abs)
	})
}

// fileRoundTrip writes, syncs, reads back and deletes a file in dir.
func fileRoundTrip(dir, runID string) (time.Duration, error) {
	start := time.Now()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	data := make([]byte, 4096)
	_, _ = rand.Read(data)
	copy(data, "stepstone probe "+runID+"\n")
	name := filepath.Join(dir, "probe.bin")
	fh, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return 0, err
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return 0, fmt.Errorf("fsync: %w", err)
	}
	if err := fh.Close(); err != nil {
		return 0, err
	}
	afterWrite("file")
	got, err := os.ReadFile(name)
	if err != nil {
		return 0, err
	}
	if !bytes.Equal(got, data) {
		return 0, errors.New("the file read back differs from the file written")
	}
	if err := os.Remove(name); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// probeNearestDir returns the nearest existing ancestor directory of p.
func probeNearestDir(p string) string {
	for d := filepath.Dir(p); ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil {
			if st.IsDir() {
				return d
			}
			return ""
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}

// probeFreeBytes reports the space available to unprivileged users at p.
func probeFreeBytes(r *probeRun, p string) int64 {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(p, &fs); err != nil {
		return -1
	}
	free := int64(fs.Bavail) * int64(fs.Bsize)
	r.res.Metrics = append(r.res.Metrics, report.Metric{Name: "free_bytes", Value: float64(free), Unit: "bytes"})
	return free
}

func probeWarnLowSpace(r *probeRun, free int64, where string) {
	if free >= 0 && free < lowDiskSpace {
		r.warn("free disk space, or move storage.data_home to a larger volume", "only %s free at %s", report.FormatBytes(free), where)
	}
}

func probeJoinFacts(facts []string) string {
	out := ""
	for i, f := range facts {
		if i > 0 {
			out += ", "
		}
		out += f
	}
	return out
}

// fileBenchStore is data_home seen as an object store: a PUT writes and
// fsyncs a file, as a datanode's File store must survive a crash.
type fileBenchStore struct {
	root string
	dirs *sync.Map
}

func (s fileBenchStore) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

func (s fileBenchStore) put(_ context.Context, key string, data []byte) error {
	p := s.path(key)
	dir := filepath.Dir(p)
	if _, ok := s.dirs.Load(dir); !ok {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		s.dirs.Store(dir, true)
	}
	fh, err := os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

func (s fileBenchStore) get(ctx context.Context, key string) ([]byte, error) {
	return os.ReadFile(s.path(key))
}

func (s fileBenchStore) read(_ context.Context, key string, buf []byte, first func()) (int64, error) {
	fh, err := os.Open(s.path(key))
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	return drain(fh, buf, first)
}

func (s fileBenchStore) stat(_ context.Context, key string) (int64, error) {
	st, err := os.Stat(s.path(key))
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (s fileBenchStore) del(_ context.Context, key string) error { return os.Remove(s.path(key)) }

func (s fileBenchStore) list(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(s.path(prefix), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(s.root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		if len(out) >= 1000 {
			return fs.SkipAll
		}
		return ctx.Err()
	})
	return out, err
}

func (s fileBenchStore) listOnce(_ context.Context, prefix string, max int) (int, error) {
	fh, err := os.Open(s.path(prefix))
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	names, err := fh.Readdirnames(max)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return len(names), err
}

func (fileBenchStore) closeIdle() {}

// BenchFile measures data_home as an object store (see benchObjectStore):
// a PUT writes and fsyncs a file under <data_home>/.stepstone/<run-id>/bench/.
func BenchFile(ctx context.Context, t Target) report.ProbeResult {
	return benchObjectStore(ctx, t, classify, func(_ context.Context, _ *probeRun, _ *PerfOptions) (objectBench, error) {
		abs, err := filepath.Abs(t.Addr)
		if err != nil {
			return objectBench{}, err
		}
		testRoot := filepath.Join(abs, testPrefixName)
		_, statErr := os.Stat(testRoot)
		createdRoot := errors.Is(statErr, os.ErrNotExist)
		runDir := filepath.Join(testRoot, t.Opts.RunID)
		cleanup := func() {
			// Directories are left by the object-style cleanup.
			_ = os.RemoveAll(runDir)
			if createdRoot {
				_ = os.Remove(testRoot)
			}
		}
		return objectBench{st: fileBenchStore{root: abs, dirs: &sync.Map{}}, what: "data_home " + abs,
			prefix: testPrefixName + "/" + t.Opts.RunID + "/bench/", close: cleanup}, nil
	})
}
