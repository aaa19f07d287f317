package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// completionCommand prints a shell script that asks the binary itself for
// completions (urfave/cli's --generate-bash-completion protocol).
func completionCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash or zsh",
		ArgsUsage: "bash|zsh",
		Action: func(c *cli.Context) error {
			prog := strings.ReplaceAll(displayNameOf(env), " ", "-")
			switch c.Args().First() {
			case "bash":
				_, err := fmt.Fprintf(env.stdout, bashCompletion, prog, prog, prog)
				return err
			case "zsh":
				_, err := fmt.Fprintf(env.stdout, "autoload -U +X bashcompinit && bashcompinit\n"+bashCompletion, prog, prog, prog)
				return err
			}
			return usageErrorf("completion: name a shell, bash or zsh")
		},
	}
}

const bashCompletion = `_%s_complete() {
  local cur opts
  cur="${COMP_WORDS[COMP_CWORD]}"
  opts=$("${COMP_WORDS[0]}" "${COMP_WORDS[@]:1:$COMP_CWORD-1}" --generate-bash-completion 2>/dev/null)
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
  [ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "${cur}"))
  return 0
}
complete -o default -F _%s_complete %s
`
