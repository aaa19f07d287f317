package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/parallel"
	pipeline "github.com/stepstone-dev/stepstone/run"
)

// maxConfigSize bounds what stepstone reads from one file: real configs are
// a few KiB, and a stray 100 MB file must not take the memory of a CI runner.
const maxConfigSize = 10 << 20

// input is one config to check, before it is read and parsed.
type input struct {
	path      string // shown in reports
	disk      string // what read opens ("-" for stdin)
	size      int64  // from stat; 0 when unknown (stdin, a FIFO)
	read      func() ([]byte, error)
	explicit  bool // named on the command line, not found in a directory
	component configs.Component
}

// errInterrupted ends a read of stdin or a FIFO that Ctrl-C cut short.
var errInterrupted = errors.New("interrupted")

// readConfig reads one file (or stdin for "-"), bounded in size.
func readConfig(env *environment, path string) ([]byte, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = readInterruptibly(env.done, func() ([]byte, error) { return readBounded(env.stdin) })
	} else {
		st, serr := os.Stat(path)
		if serr != nil {
			return nil, fmt.Errorf("could not read config %q: %w", path, unwrapPathError(serr))
		}
		if st.IsDir() {
			return nil, fmt.Errorf("could not read config %q: it is a directory", path)
		}
		// A FIFO or a process substitution (<(kubectl get ...)) blocks
		// in open and read until its writer is done, which may be never.
		if st.Mode().IsRegular() {
			data, err = openSized(path, st.Size())
		} else {
			data, err = readInterruptibly(env.done, func() ([]byte, error) { return openSized(path, st.Size()) })
		}
	}
	return checkRead(path, data, err)
}

// readRegular is readConfig for a path that statSizes found to be a
// regular file of size bytes: it is not stat'ed again (a second stat of
// every file was a syscall a config for nothing).
func readRegular(path string, size int64) ([]byte, error) {
	data, err := openSized(path, size)
	return checkRead(path, data, err)
}

// openSized opens path and reads it with readSized; a file that grows
// meanwhile is still read to the limit.
func openSized(path string, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readSized(f, size)
}

// checkRead words a failed read, or a config over the size limit.
func checkRead(path string, data []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("could not read config %q: %w", displayPath(path), unwrapPathError(err))
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("could not read config %q: larger than %d MiB, which no GreptimeDB config is", displayPath(path), maxConfigSize>>20)
	}
	return data, nil
}

func readBounded(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, maxConfigSize+1))
}

// readSized is readBounded for a file whose size is known: one buffer of
// that size (io.ReadAll grows one by doubling, and the source stays in
// memory for the whole run). A file that grows meanwhile is still read to
// the limit.
func readSized(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > maxConfigSize {
		return readBounded(r)
	}
	// The room ReadFrom wants to see the end without growing; a static
	// run hands the buffer back once it is done with the file.
	b := bytes.NewBuffer(pipeline.SourceBuffer(int(size) + bytes.MinRead))
	_, err := b.ReadFrom(io.LimitReader(r, maxConfigSize+1))
	return b.Bytes(), err
}

// readInterruptibly runs read, giving up with errInterrupted when done is
// closed first. The abandoned read stays blocked; the process is about to
// exit anyway.
func readInterruptibly(done <-chan struct{}, read func() ([]byte, error)) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		data, err := read()
		ch <- result{data, err}
	}()
	select {
	case res := <-ch:
		return res.data, res.err
	case <-done:
		return nil, errInterrupted
	}
}

// unwrapPathError keeps "permission denied" without repeating the path.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func displayPath(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}

// collectInputs expands paths: files are taken as they are; directories are
// walked for *.toml files (hidden directories are skipped, and symlinked
// directories are not entered, so a link loop cannot trap the walk).
// Nothing is read yet: loadInputs reads and parses in parallel.
func collectInputs(env *environment, paths []string, comp configs.Component) ([]input, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var out []input
	seen := map[string]bool{}
	add := func(path, shown string, explicit bool) {
		out = append(out, input{path: shown, disk: path, explicit: explicit, component: comp,
			read: func() ([]byte, error) { return readConfig(env, path) }})
	}
	for _, p := range paths {
		if p != "-" {
			st, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("could not read %q: %w", p, unwrapPathError(err))
			}
			if st.IsDir() {
				found, err := walkConfigs(p)
				if err != nil {
					return nil, err
				}
				for _, f := range found {
					if seen[f] {
						continue
					}
					seen[f] = true
					add(f, f, false)
				}
				continue
			}
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		add(p, displayPath(p), true)
	}
	statSizes(out)
	return out, nil
}

// statSizes sets the size of each input that is a regular file, stat'ing
// on every core: one stat a file was a serial tenth of a second before a
// run over a few thousand files could start. Such a file is then read
// without a second stat (readRegular); stdin, FIFOs, empty files and the
// rest keep readConfig's checks.
func statSizes(ins []input) {
	parallel.For(context.Background(), len(ins), func(i int) {
		in := &ins[i]
		if st, err := os.Stat(in.disk); err == nil && st.Mode().IsRegular() {
			in.size = st.Size()
			if disk, size := in.disk, in.size; size > 0 && disk != "-" {
				in.read = func() ([]byte, error) { return readRegular(disk, size) }
			}
		}
	})
}

func walkConfigs(root string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("could not read %q: %w", path, unwrapPathError(err))
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".toml") {
			return nil
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			// Kubernetes mounts every ConfigMap key as a symlink into
			// ..data/, so links to files count. A broken or looping
			// link is an error, not a config silently left unchecked.
			st, err := os.Stat(path)
			if err != nil {
				return fmt.Errorf("could not read config %q: %w", path, unwrapPathError(err))
			}
			if st.IsDir() {
				return nil
			}
			mode = st.Mode().Type()
		}
		if !mode.IsRegular() {
			// A FIFO would block the walk for ever; a device or socket
			// is no config either.
			return fmt.Errorf("could not read config %q: it is not a regular file (%s)", path, modeName(mode))
		}
		found = append(found, path)
		return nil
	})
	sort.Strings(found)
	return found, err
}

// modeName names a non-regular file type for messages.
func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// loadInputs reads and parses inputs in parallel, within the run's byte
// budget (maxBytes, 0 for the default). A file named on the command line
// whose component cannot be told is a usage error; one found while
// walking a directory is skipped (it is probably not a GreptimeDB config
// at all). Every error is exit 2.
func loadInputs(ctx context.Context, inputs []input, maxBytes int64) (files []*configs.File, skipped []string, err error) {
	files, skipped, err = pipeline.Load(ctx, sources(inputs), loadOptions(maxBytes))
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	return files, skipped, nil
}

// sources are the inputs as the pipeline reads them.
func sources(inputs []input) []pipeline.Source {
	srcs := make([]pipeline.Source, len(inputs))
	for i, in := range inputs {
		srcs[i] = pipeline.Source{Path: in.path, Size: in.size, Read: in.read, Explicit: in.explicit, Component: in.component}
	}
	return srcs
}

// loadOptions are the run's byte budget (maxBytes, 0 for the default)
// and the largest config one file may be.
func loadOptions(maxBytes int64) pipeline.LoadOptions {
	return pipeline.LoadOptions{MaxInputBytes: maxBytes, MaxFileBytes: maxConfigSize}
}
