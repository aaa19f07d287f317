package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/stepstone-dev/stepstone/annotate"
	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/sarif"
)

// actionMode reports whether stepstone runs as the GitHub Action's
// entrypoint with no arguments (an image used as `docker://...`) and, if
// so, turns the INPUT_* variables into the equivalent command line. With
// action.yml the runner passes the arguments itself.
func actionMode(env *environment) ([]string, bool, error) {
	if len(env.args) > 1 || env.getenv("GITHUB_ACTIONS") != "true" {
		return nil, false, nil
	}
	in, err := annotate.InputsFromEnv(env.getenv)
	if err != nil {
		return nil, false, err
	}
	return in.Args(), true, nil
}

// workspace is the directory paths are made relative to in GitHub and
// SARIF output: the checkout the runner mounted, else the working dir.
func workspace(env *environment) string {
	if ws := env.getenv("GITHUB_WORKSPACE"); ws != "" {
		return ws
	}
	wd, _ := os.Getwd()
	return wd
}

// writeGitHub does the whole -o github job: masks, annotations, step
// summary, outputs and the PR comment.
func writeGitHub(ctx context.Context, env *environment, o *options, r *report.Report, files []*configs.File) error {
	ghEnv := annotate.EnvFromOS(env.getenv)
	opts := annotate.Options{
		Comment:   o.comment,
		SARIFPath: o.sarifFile,
		Secrets:   secretsOf(files),
		Stdout:    env.stdout,
	}
	// The JSON report goes next to the runner's temporary files, so the
	// report-json output can be uploaded as an artifact.
	dir := env.getenv("RUNNER_TEMP")
	if dir == "" {
		dir = os.TempDir()
	}
	jsonPath := filepath.Join(dir, "stepstone-report.json")
	if err := writeFile(jsonPath, func(w io.Writer) error { return report.WriteJSON(w, r) }); err == nil {
		opts.ReportJSONPath = jsonPath
	}
	res, err := annotate.Run(ctx, r, ghEnv, opts)
	if err != nil {
		return fmt.Errorf("could not write GitHub output: %w", err)
	}
	if res.CommentFallback {
		fmt.Fprintln(env.stderr, "stepstone: the token may not comment on this pull request (a fork?); annotations and the step summary carry the report")
	} else if o.comment {
		postSuggestions(ctx, env, r, files) // a fork degrades like the comment
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeExtraFormat writes the formats that live outside package report.
func writeExtraFormat(w io.Writer, env *environment, o *options, r *report.Report, format string) error {
	switch format {
	case "sarif":
		return sarif.Write(w, r, sarif.Options{WorkspaceRoot: workspace(env)})
	case "markdown":
		ghEnv := annotate.EnvFromOS(env.getenv)
		return annotate.WriteMarkdown(w, r, annotate.Options{Workspace: workspace(env), BlobURL: ghEnv.BlobURL(), RunURL: ghEnv.RunURL()})
	}
	return fmt.Errorf("unknown output format %q", format)
}

// secretsOf collects every secret the files and their env overrides carry,
// so they can be masked before anything is printed.
func secretsOf(files []*configs.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, configs.Secrets(f)...)
	}
	return out
}

// changedFilter returns the set of workspace-relative paths a pull request
// changes, or nil when every config should be reported: not on a pull
// request, changed-only off, or the API could not say (then a notice).
func changedFilter(ctx context.Context, env *environment, o *options) (map[string]bool, error) {
	if !hasFormat(o, "github") {
		return nil, nil
	}
	on, err := annotate.ParseChangedOnly(o.changed, env.getenv("GITHUB_EVENT_NAME"))
	if err != nil {
		return nil, usageErrorf("--changed-only: %v", err)
	}
	if !on {
		return nil, nil
	}
	changed, err := annotate.ChangedFiles(ctx, annotate.EnvFromOS(env.getenv))
	if errors.Is(err, annotate.ErrNotPullRequest) {
		return nil, nil
	}
	if err != nil {
		fmt.Fprint(env.stdout, annotate.Notice("could not list the pull request's files, so every config is reported: "+err.Error()))
		return nil, nil
	}
	set := map[string]bool{}
	for _, c := range changed {
		set[filepath.ToSlash(filepath.Clean(c))] = true
	}
	return set, nil
}

// isChanged reports whether a config path is in the changed set.
func isChanged(env *environment, set map[string]bool, path string) bool {
	rel, ok := sarif.RepoPath(workspace(env), path)
	if !ok {
		rel = path
	}
	return set[filepath.ToSlash(filepath.Clean(rel))]
}

func hasFormat(o *options, format string) bool {
	for _, out := range o.outputs {
		if out.format == format {
			return true
		}
	}
	return false
}
