package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/fix"
	"github.com/stepstone-dev/stepstone/internal/textsafe"
)

// fixCommand rewrites what has one right answer, in place or as a diff.
func fixCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "fix",
		Usage:     "rewrite renamed keys, enum, size and duration spellings and TOML 1.1 syntax in place (files or directories, default .)",
		ArgsUsage: "[PATH...]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Usage: "print a unified diff of the fixes instead of writing them; exit 1 when there is something to fix"},
			componentFlag(),
		},
		Action: func(c *cli.Context) error { return runFix(env, c) },
	}
}

func runFix(env *environment, c *cli.Context) error {
	comp, err := parseComponentFlag(c)
	if err != nil {
		return err
	}
	dry := c.Bool("dry-run")
	paths := c.Args().Slice()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	type target struct {
		path     string
		explicit bool
	}
	var targets []target
	for _, p := range paths {
		if p == "-" {
			targets = append(targets, target{p, true})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return usageErrorf("could not read %q: %v", p, unwrapPathError(err))
		}
		if !st.IsDir() {
			targets = append(targets, target{p, true})
			continue
		}
		found, err := walkConfigs(p)
		if err != nil {
			return usageErrorf("%v", err)
		}
		for _, f := range found {
			targets = append(targets, target{f, false})
		}
	}
	changed := 0
	for _, t := range targets {
		data, err := readConfig(env, t.path)
		if err != nil {
			return usageErrorf("%v", err)
		}
		name := displayPath(t.path)
		var out []byte
		var applied []fix.Fix
		var dropped []fix.Dropped
		var secrets []string
		if ext := strings.ToLower(filepath.Ext(t.path)); ext == ".yaml" || ext == ".yml" {
			var blocks []fix.Block
			out, blocks, err = fix.YAML(data)
			if err != nil {
				return usageErrorf("%s: %v", textsafe.Text(name), err)
			}
			for _, b := range blocks {
				if b.Err != nil {
					fmt.Fprintf(env.stderr, "%s: %s: not fixed: %v\n", textsafe.Text(name), textsafe.Text(b.Field), textsafe.Text(b.Err.Error()))
				}
				applied = append(applied, b.Result.Applied...)
				dropped = append(dropped, b.Result.Dropped...)
				if f, err := configs.Load(b.Field, b.Result.Fixed, b.Component); err == nil {
					secrets = append(secrets, configs.Secrets(f)...)
				}
			}
		} else {
			res, err := fix.TOML(name, data, comp)
			if err != nil {
				if t.explicit {
					return usageErrorf("%v", err)
				}
				continue // not a GreptimeDB config: lint skips it too
			}
			out, applied, dropped = res.Fixed, res.Applied, res.Dropped
			for _, src := range [][]byte{data, out} {
				if f, err := configs.Load(name, src, comp); err == nil {
					secrets = append(secrets, configs.Secrets(f)...)
				}
			}
		}
		for _, d := range dropped {
			fmt.Fprintf(env.stderr, "%s: not fixed: %s: %s\n", textsafe.Text(name), textsafe.Text(d.Fix.Description), d.Reason)
		}
		if bytes.Equal(out, data) {
			continue
		}
		changed++
		switch {
		case dry:
			io.WriteString(env.stdout, textsafe.Text(redactAll(fix.UnifiedDiff(name, data, out), secrets)))
		case t.path == "-":
			env.stdout.Write(out)
		default:
			if err := fix.WriteFile(t.path, out); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			for _, d := range describeFixes(applied) {
				fmt.Fprintf(env.stdout, "%s: %s\n", textsafe.Text(name), textsafe.Text(redactAll(d, secrets)))
			}
		}
	}
	if dry && changed > 0 {
		return &exitError{code: exitFindings}
	}
	return nil
}

// describeFixes lists what the fixes did, each once, in a stable order.
func describeFixes(fixes []fix.Fix) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fixes {
		d := f.Description
		if f.Rule != "" && f.Rule != "fix" {
			d += " [" + f.Rule + "]"
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// redactAll replaces each secret value with a fixed mark: a diff shows
// config lines, and a line may hold a password.
func redactAll(s string, secrets []string) string {
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, sec := range secrets {
		if len(sec) >= 3 {
			s = strings.ReplaceAll(s, sec, "(secret)")
		}
	}
	return s
}

// parseComponentFlag reads --component; empty means detect.
func parseComponentFlag(c *cli.Context) (configs.Component, error) {
	s := c.String("component")
	if s == "" {
		return "", nil
	}
	comp, err := configs.ParseComponent(s)
	if err != nil {
		return "", usageErrorf("--component: %v", err)
	}
	return comp, nil
}
