package main

import (
	"context"
	"fmt"
	"io"
	"os"
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

var formats = map[string]bool{"human": true, "text": true, "json": true, "sarif": true, "github": true, "markdown": true}

func parseOutputs(specs []string) ([]outputSpec, error) {
	var out []outputSpec
	for _, s := range specs {
		for _, part := range strings.Split(s, ",") {
			format, path, _ := strings.Cut(strings.TrimSpace(part), "=")
			format = strings.ToLower(format)
			if !formats[format] {
				return nil, usageErrorf("-o: unknown format %q (want human, json, sarif, github or markdown)", format)
			}
			if format == "text" {
				format = "human"
			}
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
	if out.format == "github" {
		return writeGitHub(ctx, env, o, r, files)
	}
	w := env.stdout
	if out.path != "" && out.path != "-" {
		f, err := os.Create(out.path)
		if err != nil {
			return fmt.Errorf("could not write %s report: %w", out.format, err)
		}
		defer f.Close()
		w = f
	}
	return writeFormat(w, env, o, r, out.format)
}

func writeFormat(w io.Writer, env *environment, o *options, r *report.Report, format string) error {
	switch format {
	case "human":
		return report.WriteText(w, r, report.TextOptions{Color: o.color && w == env.stdout, Verbose: o.verbose})
	case "json":
		if isComponentCommand(r.Command) {
			return report.WriteComponentJSON(w, r)
		}
		return report.WriteJSON(w, r)
	}
	return writeExtraFormat(w, env, o, r, format)
}

func isComponentCommand(cmd string) bool {
	_, err := configs.ParseComponent(cmd)
	return err == nil
}
