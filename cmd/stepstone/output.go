package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// outputSpec is one -o FORMAT[=PATH]; an empty path means stdout.
type outputSpec struct {
	format string
	path   string
}

func parseOutputs(specs []string) ([]outputSpec, error) {
	var out []outputSpec
	for _, s := range specs {
		for _, part := range strings.Split(s, ",") {
			format, path, _ := strings.Cut(strings.TrimSpace(part), "=")
			format = strings.ToLower(format)
			wr, ok := writerFor(format)
			if !ok {
				return nil, usageErrorf("-o: unknown format %q (want %s)", format, writerNames())
			}
			format = wr.name
			if format == "github" && path != "" {
				return nil, usageErrorf("-o github writes to the workflow's own files; it takes no path")
			}
			out = append(out, outputSpec{format: format, path: path})
		}
	}
	if len(out) == 0 {
		out = []outputSpec{{format: "human"}}
	}
	return out, nil
}

// writeOutputs writes every requested format. Failing to write a report is
// stepstone's own failure (exit 3), not the config's.
func writeOutputs(ctx context.Context, env *environment, o *options, r *report.Report, files []*configs.File) error {
	// GitHub output goes first: its ::add-mask:: lines must reach the runner
	// before anything else is printed.
	o.files = files
	outs := append([]outputSpec(nil), o.outputs...)
	sort.SliceStable(outs, func(i, j int) bool { return outs[i].format == "github" && outs[j].format != "github" })
	for _, out := range outs {
		if err := writeOutput(ctx, env, o, r, files, out); err != nil {
			return &exitError{code: exitInternal, err: err}
		}
	}
	return nil
}

func writeOutput(ctx context.Context, env *environment, o *options, r *report.Report, files []*configs.File, out outputSpec) error {
	wr, ok := writerFor(out.format)
	if !ok {
		return fmt.Errorf("unknown output format %q", out.format)
	}
	if wr.write == nil {
		return writeGitHub(ctx, env, o, r, files)
	}
	w := env.stdout
	if out.path != "" && out.path != "-" {
		// Every report file is written whole and renamed into place: the
		// textfile collector never sees half a file, and a symlink planted
		// at the path (a pull request can add one to the workspace) is
		// replaced, never followed.
		return writeAtomic(out.path, func(w io.Writer) error { return wr.write(w, env, o, r) })
	}
	return wr.write(w, env, o, r)
}

// writeAtomic writes path through a temporary file in the same directory
// and renames it into place, so that node_exporter's textfile collector,
// which reads *.prom files at any moment, never sees half a file. The
// temporary name does not end in .prom, so the collector skips it.
func writeAtomic(path string, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	// The collector runs as another user: the file must be readable.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("could not write %q: %w", path, err)
	}
	return nil
}

func isComponentCommand(cmd string) bool {
	_, err := configs.ParseComponent(cmd)
	return err == nil
}
