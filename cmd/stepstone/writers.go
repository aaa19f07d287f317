package main

import (
	"io"

	"github.com/stepstone-dev/stepstone/annotate"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/sarif"
)

// writer is one output format of -o. A new format is one file with its
// writer plus one row in writers.
type writer struct {
	// name is what -o takes.
	name string
	// write writes the finished report to w; nil for github, which writes
	// to the workflow's own files (writeGitHub).
	write func(w io.Writer, env *environment, o *options, r *report.Report) error
}

// writers is the one table of output formats, in the order usage lists
// them.
var writers = []writer{
	{name: "human", write: func(w io.Writer, env *environment, o *options, r *report.Report) error {
		opts := report.TextOptions{Color: o.color && w == env.stdout, Verbose: o.verbose}
		if o.snippet && w == env.stdout {
			opts.Source = snippetSource(o.files)
		}
		return report.WriteText(w, r, opts)
	}},
	{name: "json", write: func(w io.Writer, _ *environment, _ *options, r *report.Report) error {
		if isComponentCommand(r.Command) {
			return report.WriteComponentJSON(w, r)
		}
		return report.WriteJSON(w, r)
	}},
	{name: "sarif", write: func(w io.Writer, env *environment, _ *options, r *report.Report) error {
		return sarif.Write(w, r, sarif.Options{WorkspaceRoot: workspace(env)})
	}},
	{name: "github"},
	{name: "markdown", write: func(w io.Writer, env *environment, _ *options, r *report.Report) error {
		ghEnv := annotate.EnvFromOS(env.getenv)
		return annotate.WriteMarkdown(w, r, annotate.Options{Workspace: workspace(env), BlobURL: ghEnv.BlobURL(), RunURL: ghEnv.RunURL()})
	}},
	{name: "prometheus", write: func(w io.Writer, _ *environment, _ *options, r *report.Report) error {
		return report.WritePrometheus(w, r)
	}},
}

// writerFor returns the writer of a format name ("text" is "human").
func writerFor(name string) (writer, bool) {
	if name == "text" {
		name = "human"
	}
	for _, w := range writers {
		if w.name == name {
			return w, true
		}
	}
	return writer{}, false
}

// writerNames lists the formats for usage messages: "a, b or c".
func writerNames() string {
	s := ""
	for i, w := range writers {
		switch {
		case i == 0:
		case i == len(writers)-1:
			s += " or "
		default:
			s += ", "
		}
		s += w.name
	}
	return s
}
