package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/kube"
	"github.com/stepstone-dev/stepstone/report"
	pipeline "github.com/stepstone-dev/stepstone/run"
	"github.com/stepstone-dev/stepstone/serve"
)

// runGrace is what a serve run gets on top of --deadline (which bounds the
// live checks, as for run) to read the configs, lint and clean up. A run
// still going after that is cut and counted as a timeout.
const runGrace = 10 * time.Second

// serveFlags are run's flags without the ones about printing a report
// once (-o, --no-color, --no-snippet, the GitHub ones), plus the schedule and listener.
func serveFlags() []cli.Flag {
	var flags []cli.Flag
	for _, f := range reportFlags() {
		if n := f.Names()[0]; n != "output" && n != "no-color" && n != "no-snippet" {
			flags = append(flags, f)
		}
	}
	flags = append(flags, componentFlag())
	flags = append(flags, liveFlags(false)...)
	flags = append(flags, kubeFlags(false)...)
	return append(flags,
		&cli.StringFlag{Name: "cluster", EnvVars: envVar("cluster"),
			Usage: "check the GreptimeDBCluster `NAME` through the API server, as `cluster NAME` does, instead of files (with -n, --context, --kubeconfig)"},
		&cli.StringFlag{Name: "listen", Value: ":9808", EnvVars: envVar("listen"),
			Usage: "serve /metrics, /report and /healthz on `ADDR`"},
		&cli.DurationFlag{Name: "interval", Value: 5 * time.Minute, EnvVars: envVar("interval"),
			Usage: "time between the starts of two runs (jittered by ±10%)"},
		&cli.DurationFlag{Name: "watch-interval", Value: 10 * time.Second, EnvVars: envVar("watch-interval"),
			Usage: "how often to look for changed configs under PATH, which start a run at once; 0 turns it off"},
		&cli.StringSliceFlag{Name: "label", EnvVars: envVar("label"),
			Usage: "add `NAME=VALUE` to every stepstone_* series, e.g. cluster=prod-eu; repeatable"},
	)
}

// serveCommand runs the checks on a schedule and serves the last report
// for Prometheus.
func serveCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run the checks on a schedule and serve them: /metrics for Prometheus, /report (JSON), /healthz",
		UsageText: displayNameOf(env) + " serve [flags] [PATH...]",
		Description: "Runs what `run` runs every --interval (never two at once), keeps the last report and serves it.\n" +
			"Each run reads the configs afresh; SIGHUP, or a changed config under PATH, starts a run at once.\n" +
			"SIGINT or SIGTERM stops the run in progress (probes clean up) and shuts down.",
		Flags: serveFlags(),
		Action: func(c *cli.Context) error {
			o, err := parseOptions(c, env, true)
			if err != nil {
				return err
			}
			return runServe(c, env, o)
		},
	}
}

func runServe(c *cli.Context, env *environment, o *options) error {
	paths, err := splitPaths(c.Args().Slice())
	if err != nil {
		return err
	}
	labels, err := parseLabels(c.StringSlice("label"))
	if err != nil {
		return err
	}
	if c.Duration("interval") <= 0 || c.Duration("watch-interval") < 0 {
		return usageErrorf("--interval must be positive and --watch-interval not negative")
	}
	for _, n := range o.perfNotes {
		fmt.Fprintf(env.stderr, "stepstone: %s\n", n)
	}
	// The progress line of benchmarks is for a person watching one run;
	// serve logs instead, so its stderr is never taken for a terminal.
	quiet := *env
	quiet.stderr = writerOnly{env.stderr}
	red := &labelRedactor{}
	opts := serve.Options{
		Interval:    c.Duration("interval"),
		Deadline:    o.deadline + runGrace,
		Redact:      red.redact,
		Build:       buildInfo(),
		ConstLabels: labels,
		Log:         slog.New(slog.NewTextHandler(env.stderr, nil)),
	}
	if name := c.String("cluster"); name != "" {
		if len(paths) > 0 {
			return usageErrorf("--cluster reads the cluster from the API server: give no PATH")
		}
		noteOnHost(env, o)
		client, err := newKubeClient(env, c)
		if err != nil {
			return err
		}
		// A cluster that does not exist is a usage error now, not a
		// failed run every interval.
		if _, err := client.GetCluster(c.Context, client.Namespace, name); err != nil {
			return kubeError(err)
		}
		if _, ok := labels["cluster"]; !ok {
			labels["cluster"] = name
		}
		opts.Run = serveClusterRun(&quiet, o, client, name, red)
		return startServe(c, opts)
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		if p == "-" {
			return usageErrorf("serve reads its configs again on every run: give files or directories, not stdin")
		}
	}
	// Read the configs once now, so that a wrong path is a usage error
	// at start rather than a failed run every interval.
	files, err := loadServeFiles(env, o, paths)
	if err != nil {
		return err
	}
	if o.perf && !o.staticOnly {
		opts.Deadline += pipeline.BenchBudget(files, runOptions(o, "serve"))
	}
	opts.Run = serveRun(&quiet, o, paths, red)
	opts.Watch, opts.WatchEvery = paths, c.Duration("watch-interval")
	return startServe(c, opts)
}

// startServe listens, relays SIGHUP and serves until the command's
// context ends.
func startServe(c *cli.Context, opts serve.Options) error {
	log := opts.Log
	srv, err := serve.New(opts)
	if err != nil {
		return usageErrorf("%v", err)
	}
	ln, err := net.Listen("tcp", c.String("listen"))
	if err != nil {
		return usageErrorf("--listen: %v", err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	log.Info("listening", "addr", ln.Addr().String(), "interval", opts.Interval, "deadline", opts.Deadline)
	go func() {
		for range hup {
			log.Info("SIGHUP: reading the configs and running now")
			srv.Trigger("SIGHUP")
		}
	}()
	if err := srv.Serve(c.Context, ln); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	log.Info("stopped")
	return nil
}

// serveRun is today's pipeline behind serve's RunFunc: read the configs,
// then buildReport as `run` does. TODO(redesign): point it at run.Run.
func serveRun(env *environment, o *options, paths []string, red *labelRedactor) serve.RunFunc {
	return func(ctx context.Context) (*report.Report, error) {
		files, err := loadServeFiles(env, o, paths)
		if err != nil {
			return nil, err
		}
		r := buildReport(ctx, env, o, job{command: "serve", paths: paths, cluster: true}, files,
			func(*configs.File) bool { return true })
		// The run's redactor knows the env overrides' secrets too.
		red.set(r.Redactor)
		return r, nil
	}
}

// serveClusterRun reads the GreptimeDBCluster, its ConfigMaps and
// Secrets afresh on every run and checks it as `cluster NAME` does.
func serveClusterRun(env *environment, o *options, client *kube.Client, name string, red *labelRedactor) serve.RunFunc {
	return func(ctx context.Context) (*report.Report, error) {
		cl, err := client.GetCluster(ctx, client.Namespace, name)
		if err != nil {
			return nil, err
		}
		r, _, err := clusterReport(ctx, env, o, "serve", []*kube.Cluster{cl})
		if err != nil {
			return nil, err
		}
		red.set(r.Redactor)
		return r, nil
	}
}

// loadServeFiles reads the configs under paths.
func loadServeFiles(env *environment, o *options, paths []string) ([]*configs.File, error) {
	inputs, err := collectInputs(env, paths, o.component)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	files, _, err := loadInputs(context.Background(), inputs, o.maxInput)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, usageErrorf("no GreptimeDB config found in %v (name files after their component, or pass --component)", paths)
	}
	return files, nil
}

// labelRedactor masks the secrets of the last run (its report's redactor)
// in label values. serve calls it right after the run, from the same
// goroutine.
type labelRedactor struct {
	mu  sync.Mutex
	red *redact.Redactor
}

func (l *labelRedactor) set(red *redact.Redactor) {
	l.mu.Lock()
	l.red = red
	l.mu.Unlock()
}

func (l *labelRedactor) redact(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.red.String(s)
}

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// parseLabels reads --label NAME=VALUE.
func parseLabels(specs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range specs {
		k, v, ok := strings.Cut(s, "=")
		if !ok || !labelName.MatchString(k) || strings.HasPrefix(k, "__") {
			return nil, usageErrorf("--label %q: want NAME=VALUE with a Prometheus label name", s)
		}
		out[k] = v
	}
	return out, nil
}

// buildInfo names the binary for stepstone_build_info.
func buildInfo() serve.BuildInfo {
	b := serve.BuildInfo{Version: version, GoVersion: runtime.Version(), Revision: "unknown"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				b.Revision = s.Value
			}
		}
	}
	return b
}

// writerOnly hides the concrete type of a writer (an *os.File that is a
// terminal, say).
type writerOnly struct{ io.Writer }
