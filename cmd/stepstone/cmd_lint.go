package main

import "github.com/urfave/cli/v2"

// lintCommand runs the static rules only; it never touches the network.
func lintCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "lint",
		Usage:     "static checks of configs (files or directories, default .); no network",
		UsageText: displayNameOf(env) + " lint [flags] [PATH...]",
		Flags:     append(append(append(reportFlags(), componentFlag()), githubFlags()...), liveFlags(true)...),
		Action: func(c *cli.Context) error {
			o, err := parseOptions(c, env, false)
			if err != nil {
				return err
			}
			return execute(c.Context, env, o, job{command: "lint", paths: c.Args().Slice(), cluster: true})
		},
	}
}
