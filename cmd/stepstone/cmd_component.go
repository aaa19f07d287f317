package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/configs"
)

// componentCommand checks one config of a known component: static rules
// and the live checks of what it names.
func componentCommand(env *environment, name, usage string) *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Required: true, EnvVars: envVar(name + "-config"),
			Usage: "the config `FILE` to check (- reads stdin)"},
	}
	flags = append(flags, reportFlags()...)
	flags = append(flags, liveFlags(false)...)
	flags = append(flags, githubFlags()...)
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		UsageText: displayNameOf(env) + " " + name + " -c FILE [flags]",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErrorf("unexpected argument %q: name the config with -c", c.Args().First())
			}
			o, err := parseOptions(c, env, true)
			if err != nil {
				return err
			}
			if p := c.String("config"); p != "-" {
				if st, err := os.Stat(p); err == nil && st.IsDir() {
					return usageErrorf("-c %q is a directory: name one config file, or check a directory with %s run DIR", p, displayNameOf(env))
				}
			}
			o.component = configs.Component(name)
			return execute(c.Context, env, o, job{command: name, paths: []string{c.String("config")}})
		},
	}
}

func displayNameOf(env *environment) string {
	if len(env.args) == 0 {
		return "stepstone"
	}
	return displayName(env.args[0])
}
