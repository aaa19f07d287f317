package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/internal/textsafe"
)

// environment is everything run needs from the process, injected so that
// tests can run the CLI in-process with buffers.
type environment struct {
	args    []string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	getenv  func(string) string
	environ []string
	isTTY   bool
	// done is closed when the run is cancelled (Ctrl-C, SIGTERM); run sets
	// it from its context. Reading stdin or a FIFO watches it, because
	// such a read may never end on its own.
	done <-chan struct{}
}

// Exit codes, as documented in the README.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
	exitInternal = 3
)

// exitError carries an exit code through urfave/cli, whose own exit
// handling is turned off.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// displayName is the name shown in help: the binary is also installed as
// kubectl-stepstone and gtctl-stepstone, which those tools run as
// "kubectl stepstone" and "gtctl stepstone".
func displayName(argv0 string) string {
	base := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	for _, host := range []string{"kubectl", "gtctl"} {
		if strings.HasPrefix(base, host+"-") {
			return host + " " + strings.TrimPrefix(base, host+"-")
		}
	}
	if base == "" || base == "." {
		return "stepstone"
	}
	return base
}

// run executes the CLI and returns the exit code. It never panics: a panic
// is stepstone's own failure, reported in one line with exit code 3.
func run(ctx context.Context, env *environment) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(env.stderr, "stepstone: internal error: %s\n", textsafe.Text(fmt.Sprint(p)))
			code = exitInternal
		}
	}()
	if env.done == nil {
		env.done = ctx.Done()
	}
	args := env.args
	if len(args) == 0 {
		args = []string{"stepstone"}
	}
	if actionArgs, ok, err := actionMode(env); err != nil {
		fmt.Fprintf(env.stderr, "%s: %s\n", textsafe.Line(displayName(args[0])), textsafe.Text(err.Error()))
		return exitUsage
	} else if ok {
		args = append([]string{args[0]}, actionArgs...)
	}
	args = kubectlArgs(args)
	app := newApp(env, displayName(args[0]))
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errInterrupted) {
		// Cut short while reading the configs: nothing was checked, so
		// there is no partial report to print.
		fmt.Fprintf(env.stderr, "%s: interrupted while reading the configs; nothing was checked\n", app.Name)
		return exitFindings
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(env.stderr, "%s: %s\n", textsafe.Line(app.Name), textsafe.Text(ee.err.Error()))
		}
		return ee.code
	}
	// Anything urfave/cli itself returns is about the command line.
	fmt.Fprintf(env.stderr, "%s: %s\n", textsafe.Line(app.Name), textsafe.Text(err.Error()))
	return exitUsage
}

func newApp(env *environment, name string) *cli.App {
	app := &cli.App{
		Name:                 name,
		HelpName:             name,
		Usage:                "check GreptimeDB cluster configs before they reach production",
		Version:              version,
		Writer:               env.stdout,
		ErrWriter:            env.stderr,
		Reader:               env.stdin,
		EnableBashCompletion: true,
		HideVersion:          true,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &exitError{code: exitUsage, err: err}
		},
		Commands: []*cli.Command{
			componentCommand(env, "metasrv", "check a metasrv config and its metadata store"),
			componentCommand(env, "frontend", "check a frontend config and its metasrv"),
			componentCommand(env, "datanode", "check a datanode config, its metasrv and object storage"),
			componentCommand(env, "flownode", "check a flownode config and its metasrv"),
			componentCommand(env, "standalone", "check a standalone config and its object storage"),
			runCommand(env), serveCommand(env),
			clusterCommand(env), clustersCommand(env),
			lintCommand(env),
			fixCommand(env),
			diffCommand(env),
			rulesCommand(env),
			versionCommand(env),
			completionCommand(env),
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
	}
	return app
}
