package serve

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxWatched bounds one poll's walk, so that `serve /` cannot make every
// poll read the whole disk.
const maxWatched = 10000

// watch polls the watched paths and triggers a run when they change.
//
// It polls modification times instead of using inotify (fsnotify) on
// purpose: a Kubernetes ConfigMap or Secret volume is updated by swapping
// the "..data" symlink to a new timestamped directory, which removes the
// very files an inotify watch was placed on, and editors that save by
// rename do the same. A poll of (name, size, mtime) under each path sees
// every one of those, costs a few stat calls per interval, and adds no
// dependency.
func (s *Server) watch(ctx context.Context) {
	last := fingerprint(s.opts.Watch)
	t := time.NewTicker(s.opts.WatchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if fp := fingerprint(s.opts.Watch); fp != last {
			last = fp
			s.log.Info("configs changed; running now")
			s.Trigger("file change")
		}
	}
}

// fingerprint hashes the name, size, mode and modification time of every
// config (*.toml) under paths, skipping the directories the config walk
// skips (hidden ones, node_modules, vendor), so that a busy .git does not
// start runs. Symlinks are followed for the file they name: a ConfigMap's
// config.toml links through ..data to a file that is new on each update.
func fingerprint(paths []string) uint64 {
	h := fnv.New64a()
	n := 0
	note := func(path string, info fs.FileInfo) {
		n++
		fmt.Fprintf(h, "%s\x00%d\x00%v\x00%d\x00", path, info.Size(), info.Mode(), info.ModTime().UnixNano())
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			fmt.Fprintf(h, "%s\x00missing\x00", root)
			continue
		}
		if !info.IsDir() {
			note(root, info)
			continue
		}
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case n >= maxWatched:
				return fs.SkipAll
			case err != nil:
				fmt.Fprintf(h, "%s\x00unreadable\x00", path)
				return nil
			case d.IsDir():
				if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "vendor") {
					return filepath.SkipDir
				}
				return nil
			case !strings.HasSuffix(d.Name(), ".toml"):
				return nil
			}
			if info, err := os.Stat(path); err == nil {
				note(path, info)
			}
			return nil
		})
	}
	return h.Sum64()
}
