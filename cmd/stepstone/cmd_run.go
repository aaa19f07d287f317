package main

import "github.com/urfave/cli/v2"

// runCommand checks a whole cluster: every config found, static and live,
// and the rules that compare the files with each other.
func runCommand(env *environment) *cli.Command {
	flags := append(reportFlags(), componentFlag())
	flags = append(flags, liveFlags(false)...)
	flags = append(flags, githubFlags()...)
	return &cli.Command{
		Name:      "run",
		Usage:     "static, live and cross-file checks of a whole cluster (files or directories, default .)",
		UsageText: displayNameOf(env) + " run [flags] [PATH...]",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			o, err := parseOptions(c, env, true)
			if err != nil {
				return err
			}
			return execute(c.Context, env, o, job{command: "run", paths: c.Args().Slice(), cluster: true})
		},
	}
}
