package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/impact"
	"github.com/stepstone-dev/stepstone/internal/textsafe"
	"github.com/stepstone-dev/stepstone/report"
)

// diffCommand says what a config change does to a running cluster.
func diffCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare the effective values of two versions of a config and flag changes dangerous for a running cluster",
		ArgsUsage: "OLD NEW | --git BASE [PATH...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "git", Usage: "compare the working tree's TOML configs with `BASE` (a commit, branch or tag)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "human", Usage: "human or json"},
			componentFlag(),
			&cli.StringFlag{Name: "env-prefix", Usage: "read overrides from `PREFIX`__KEY__SUB", EnvVars: []string{"STEPSTONE_ENV_PREFIX"}},
			&cli.BoolFlag{Name: "no-env", Usage: "ignore GREPTIMEDB_* environment overrides", EnvVars: []string{"STEPSTONE_NO_ENV"}},
		},
		Action: func(c *cli.Context) error { return runDiff(env, c) },
	}
}

func runDiff(env *environment, c *cli.Context) error {
	comp, err := parseComponentFlag(c)
	if err != nil {
		return err
	}
	out := c.String("output")
	if out != "human" && out != "json" {
		return usageErrorf("--output: unknown format %q (want human or json)", out)
	}
	load := func(name string, data []byte) (*configs.File, error) {
		if data == nil {
			return nil, nil
		}
		f, err := configs.Load(name, data, comp)
		if err != nil {
			return nil, err
		}
		if f.SyntaxError != nil {
			return nil, fmt.Errorf("%s does not parse: %s", name, f.SyntaxError.Message)
		}
		if !c.Bool("no-env") {
			configs.ApplyEnv(f, env.environ, c.String("env-prefix"))
		}
		return f, nil
	}
	var all []report.ConfigChanges
	if base := c.String("git"); base != "" {
		pairs, err := gitPairs(base, c.Args().Slice())
		if err != nil {
			return usageErrorf("%v", err)
		}
		for _, p := range pairs {
			of, err := load(p.path, p.old)
			if err != nil {
				return usageErrorf("%s at %s: %v", p.path, base, err)
			}
			nf, err := load(p.path, p.new)
			if err != nil {
				return usageErrorf("%v", err)
			}
			if cc := impact.Compare(of, nf); len(cc.Changes) > 0 {
				all = append(all, cc)
			}
		}
	} else {
		if c.NArg() != 2 {
			return usageErrorf("diff needs OLD and NEW, or --git BASE")
		}
		var fs [2]*configs.File
		for i, p := range c.Args().Slice() {
			data, err := readConfig(env, p)
			if err != nil {
				return usageErrorf("%v", err)
			}
			f, err := load(displayPath(p), data)
			if err != nil {
				return usageErrorf("%v", err)
			}
			fs[i] = f
		}
		cc := impact.Compare(fs[0], fs[1])
		cc.File = fs[1].Path
		all = append(all, cc)
	}
	if out == "json" {
		err = writeDiffJSON(env.stdout, all)
	} else {
		err = writeDiffHuman(env.stdout, all)
	}
	if err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	for _, cc := range all {
		if cc.Dangerous() > 0 {
			return &exitError{code: exitFindings}
		}
	}
	return nil
}

type gitPair struct {
	path     string
	old, new []byte // nil when the file does not exist on that side
}

// gitPairs lists the TOML files that differ between base and the working
// tree (under paths, default .), with both versions.
func gitPairs(base string, paths []string) ([]gitPair, error) {
	if strings.HasPrefix(base, "-") {
		return nil, fmt.Errorf("--git: %q is not a commit", base)
	}
	args := append([]string{"diff", "--name-status", "--no-renames", "--relative", base, "--"}, paths...)
	if len(paths) == 0 {
		args = append(args, ".")
	}
	list, err := git(args...)
	if err != nil {
		return nil, err
	}
	// New files not yet added count too: a working tree is what will be
	// committed.
	untracked, err := git(append([]string{"ls-files", "--others", "--exclude-standard", "--"}, args[len(args)-max(len(paths), 1):]...)...)
	if err != nil {
		return nil, err
	}
	for _, u := range strings.Split(strings.TrimSpace(string(untracked)), "\n") {
		if u != "" {
			list = append(list, []byte("\nA\t"+u)...)
		}
	}
	var out []gitPair
	for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		status, path, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasSuffix(path, ".toml") {
			continue
		}
		p := gitPair{path: path}
		if status != "A" {
			if p.old, err = git("show", base+":./"+filepath.ToSlash(path)); err != nil {
				return nil, err
			}
		}
		if status != "D" {
			if p.new, err = readFileBounded(path); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func git(args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.ExitError
		if msg == "" || !errors.As(err, &ee) {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], textsafe.Line(firstLine(msg)))
	}
	return out, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func readFileBounded(path string) ([]byte, error) {
	return readConfig(&environment{}, path)
}

func writeDiffJSON(w io.Writer, all []report.ConfigChanges) error {
	if all == nil {
		all = []report.ConfigChanges{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(all)
}

func writeDiffHuman(w io.Writer, all []report.ConfigChanges) error {
	var b strings.Builder
	if len(all) == 0 {
		b.WriteString("no effective value changes\n")
	}
	for _, cc := range all {
		d := cc.Dangerous()
		fmt.Fprintf(&b, "%s (%s, %s): %d dangerous, %d other change(s)\n", textsafe.Line(cc.File), cc.Component, cc.Status, d, len(cc.Changes)-d)
		width := 0
		for _, ch := range cc.Changes {
			width = max(width, len(ch.Key))
		}
		for _, ch := range cc.Changes {
			mark := " "
			if ch.Dangerous {
				mark = "!"
			}
			fmt.Fprintf(&b, "  %s %-*s  %s -> %s\n", mark, width, textsafe.Line(ch.Key), textsafe.Line(ch.Old), textsafe.Line(ch.New))
			if ch.Dangerous {
				fmt.Fprintf(&b, "    %s\n", ch.Reason)
			}
		}
	}
	if len(all) > 0 {
		b.WriteString("GreptimeDB reads its config at start: every change takes effect when the component restarts.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
