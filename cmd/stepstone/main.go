// Command stepstone checks GreptimeDB cluster configs before they reach
// production: static rules with positions, live checks of every dependency,
// and reports for people, CI and code scanning.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// stopGrace bounds how long stepstone may take to stop after Ctrl-C or
// SIGTERM: probes get their cleanup time (5s), then the partial report is
// written. It is a last resort for a step that ignores cancellation.
const stopGrace = 8 * time.Second

func main() {
	version = stampedVersion(version, os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		// The first signal cancels the run, which cleans up and prints a
		// partial report. Stopping the relay restores the default
		// handlers, so a second signal ends the process at once, as
		// docker and kubectl do; before, it was swallowed.
		stop()
		fmt.Fprintln(os.Stderr, "stepstone: interrupted: cleaning up and writing a partial report (interrupt again to quit at once)")
		time.Sleep(stopGrace)
		fmt.Fprintf(os.Stderr, "stepstone: did not stop within %s of the interrupt; quitting\n", stopGrace)
		os.Exit(exitInternal)
	}()
	code := run(ctx, &environment{
		args:    os.Args,
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		getenv:  os.Getenv,
		environ: os.Environ(),
		isTTY:   isTerminal(os.Stdout),
	})
	// No stop() here: it would cancel ctx and wake the goroutine above as
	// if a signal had come.
	os.Exit(code)
}

// isTerminal reports whether f is a character device, which is enough to
// decide on colour without a terminal library.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
