package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/kube"
	"github.com/stepstone-dev/stepstone/report"
)

// kubeFlags are kubectl's connection flags, with kubectl's names, so that
// `kubectl stepstone cluster NAME -n NS --context C` reads as kubectl does.
func kubeFlags(allNamespaces bool) []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "kubeconfig", EnvVars: envVar("kubeconfig"),
			Usage: "path to the kubeconfig `FILE` (default $KUBECONFIG, else ~/.kube/config)"},
		&cli.StringFlag{Name: "context", EnvVars: envVar("context"),
			Usage: "the kubeconfig `CONTEXT` to use"},
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, EnvVars: envVar("namespace"),
			Usage: "the `NAMESPACE` (default: the context's namespace)"},
		&cli.StringFlag{Name: "request-timeout", Value: "0", EnvVars: envVar("request-timeout"),
			Usage: "as kubectl's: the longest one API request may take (1s, 2m, or seconds); 0: no HTTP limit, but every read still gives up after 30s"},
		&cli.StringFlag{Name: "as", EnvVars: envVar("as"),
			Usage: "as kubectl's: `USER` to impersonate"},
		&cli.StringSliceFlag{Name: "as-group", EnvVars: envVar("as-group"),
			Usage: "as kubectl's: `GROUP` to impersonate; repeatable"},
		&cli.IntFlag{Name: kubeVerbosityFlag, Hidden: true,
			Usage: "kubectl's -v=N, which stepstone is given as -v=N: at 6 and above every API request is logged to stderr"},
	}
	if allNamespaces {
		flags = append(flags, &cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}, EnvVars: envVar("all-namespaces"),
			Usage: "check the clusters of every namespace"})
	}
	return flags
}

// clusterFlags are the flags of `cluster`.
func clusterFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, EnvVars: envVar("filename"),
			Usage: "check the manifests in `FILE` instead of the live cluster: a GreptimeDBCluster (multi-document YAML, with its Secrets) or greptimedb-cluster Helm values; - reads stdin; repeatable"},
		&cli.BoolFlag{Name: "in-cluster", EnvVars: envVar("in-cluster"),
			Usage: "run the live checks as a Job in the cluster's namespace, stream its report and delete it"},
		&cli.StringFlag{Name: "image", EnvVars: envVar("image"), Value: defaultJobImage(),
			Usage: "the stepstone `IMAGE` the --in-cluster Job runs"},
		&cli.StringFlag{Name: "configmaps", EnvVars: envVar("configmaps"),
			Usage: "with -f, read the generated ConfigMaps from `DIR`/<name>/config.toml (as the --in-cluster Job mounts them)"},
		&cli.StringFlag{Name: "secrets", EnvVars: envVar("secrets"),
			Usage: "with -f, read referenced Secrets from `DIR`/<name>/<key> (as the --in-cluster Job mounts them)"},
	}
	flags = append(flags, kubeFlags(false)...)
	flags = append(flags, reportFlags()...)
	return append(flags, liveFlags(false)...)
}

// defaultJobImage is the Action's image at this binary's version.
func defaultJobImage() string {
	tag := version
	if tag == "" || tag == "dev" {
		tag = "latest"
	}
	return "ghcr.io/stepstone-dev/stepstone:" + strings.TrimPrefix(tag, "v")
}

// clusterCommand checks one GreptimeDBCluster: from the API server by name,
// or from manifests with -f.
func clusterCommand(env *environment) *cli.Command {
	flags := clusterFlags()
	return &cli.Command{
		Name:  "cluster",
		Usage: "check a GreptimeDBCluster: its fields, Secrets and each component's merged config, then live checks",
		UsageText: displayNameOf(env) + " cluster NAME [-n NAMESPACE] [flags]\n" +
			displayNameOf(env) + " cluster -f FILE [-f FILE...] [NAME] [flags]",
		Description: "Reads the GreptimeDBCluster (greptime.io/v1alpha1), the Secrets it references and the ConfigMaps the\n" +
			"operator generates (<cluster>-<role>[-<group>], key config.toml), merges each component's config as the\n" +
			"operator does, and runs the static rules and the live checks. With -f, the same checks run on manifests\n" +
			"in a repository, and findings point at their lines.",
		Flags: flags,
		Action: func(c *cli.Context) error {
			args, err := interspersedArgs(c, flags)
			if err != nil {
				return err
			}
			o, err := parseOptions(c, env, true)
			if err != nil {
				return err
			}
			files := c.StringSlice("filename")
			if len(files) == 0 && (c.String("configmaps") != "" || c.String("secrets") != "") {
				return usageErrorf("--configmaps and --secrets go with -f")
			}
			if len(args) > 1 {
				return usageErrorf("unexpected argument %q: name one cluster", args[1])
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			if len(files) > 0 {
				if c.Bool("in-cluster") {
					return usageErrorf("--in-cluster checks a live cluster: name it instead of passing -f")
				}
				clusters, err := clustersFromFiles(env, files, name, c.String("configmaps"), c.String("secrets"))
				if err != nil {
					return err
				}
				return checkClusters(c.Context, env, o, "cluster", clusters)
			}
			if name == "" {
				return usageErrorf("name the GreptimeDBCluster to check, or pass -f FILE")
			}
			format := ""
			if c.Bool("in-cluster") {
				if format, err = inClusterFormat(o); err != nil {
					return err
				}
				if o.perf && (c.String("perf-config") != "" || o.baseline != "") {
					return usageErrorf("--in-cluster: the Job cannot read --perf-config or --baseline from this machine; run without them (the defaults apply) or check from here without --in-cluster")
				}
			}
			client, err := newKubeClient(env, c)
			if err != nil {
				return err
			}
			ns := client.Namespace
			if c.Bool("in-cluster") {
				return runInCluster(c, env, o, client, ns, name, format)
			}
			cl, err := client.GetCluster(c.Context, ns, name)
			if err != nil {
				return kubeError(err)
			}
			return checkClusters(c.Context, env, o, "cluster", []*kube.Cluster{cl})
		},
	}
}

// clustersCommand checks every GreptimeDBCluster in a namespace, or in all.
func clustersCommand(env *environment) *cli.Command {
	flags := append(kubeFlags(true), reportFlags()...)
	flags = append(flags, liveFlags(false)...)
	return &cli.Command{
		Name:      "clusters",
		Usage:     "check every GreptimeDBCluster in a namespace (-A: in all namespaces)",
		UsageText: displayNameOf(env) + " clusters [-n NAMESPACE | -A] [flags]",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			args, err := interspersedArgs(c, flags)
			if err != nil {
				return err
			}
			if len(args) > 0 {
				return usageErrorf("unexpected argument %q: to check one cluster, run cluster %s", args[0], args[0])
			}
			if c.Bool("all-namespaces") && c.IsSet("namespace") {
				return usageErrorf("-A and -n cannot be used together")
			}
			o, err := parseOptions(c, env, true)
			if err != nil {
				return err
			}
			client, err := newKubeClient(env, c)
			if err != nil {
				return err
			}
			ns := client.Namespace
			if c.Bool("all-namespaces") {
				ns = ""
			}
			clusters, err := client.ListClusters(c.Context, ns)
			if err != nil {
				return kubeError(err)
			}
			if len(clusters) == 0 {
				where := fmt.Sprintf("namespace %q", ns)
				if ns == "" {
					where = "any namespace"
				}
				fmt.Fprintf(env.stderr, "no GreptimeDBCluster found in %s\n", where)
				return nil
			}
			return checkClusters(c.Context, env, o, "clusters", clusters)
		},
	}
}

// interspersedArgs lets flags follow the cluster name, as kubectl's do
// (`cluster demo -n prod`): urfave/cli stops at the first argument, so the
// flags after it are set here by hand.
func interspersedArgs(c *cli.Context, flags []cli.Flag) ([]string, error) {
	byName := map[string]cli.Flag{}
	for _, f := range flags {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
	var pos []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f, ok := byName[name]
		if !ok {
			return nil, usageErrorf("flag provided but not defined: %s", a)
		}
		if _, isBool := f.(*cli.BoolFlag); isBool {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				return nil, usageErrorf("flag needs an argument: %s", a)
			}
			i++
			value = args[i]
		}
		if err := c.Set(f.Names()[0], value); err != nil {
			return nil, usageErrorf("invalid value %q for flag %s: %v", value, a, err)
		}
	}
	return pos, nil
}

func newKubeClient(env *environment, c *cli.Context) (*kube.Client, error) {
	timeout, err := parseRequestTimeout(c.String("request-timeout"))
	if err != nil {
		return nil, err
	}
	client, err := kube.NewClient(kube.ClientOptions{
		Kubeconfig:        c.String("kubeconfig"),
		Context:           c.String("context"),
		Namespace:         c.String("namespace"),
		Getenv:            env.getenv,
		UserAgent:         "stepstone/" + version,
		RequestTimeout:    timeout,
		Impersonate:       c.String("as"),
		ImpersonateGroups: c.StringSlice("as-group"),
		Verbosity:         c.Int(kubeVerbosityFlag),
		Log:               env.stderr,
	})
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return client, nil
}

// kubeError maps an API error to an exit code: a cluster that does not
// exist is the user's to fix, anything else is stepstone's failure to
// reach the API server.
func kubeError(err error) error {
	if errors.Is(err, kube.ErrNotFound) || errors.Is(err, kube.ErrNoCRD) || errors.Is(err, kube.ErrUnreachable) {
		return &exitError{code: exitUsage, err: err}
	}
	return &exitError{code: exitInternal, err: err}
}

// clustersFromFiles reads manifests, attaches the Secrets (from the files,
// or from --secrets) and the ConfigMaps (--configmaps), and keeps the
// cluster called name when one is given.
func clustersFromFiles(env *environment, files []string, name, cmDir, secretDir string) ([]*kube.Cluster, error) {
	all := &kube.Manifests{Secrets: map[string]*kube.Secret{}}
	for _, f := range files {
		data, err := readConfig(env, f)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		m, err := kube.ParseManifests(displayPath(f), data)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		all.Add(m)
	}
	if secretDir != "" {
		if err := kube.ReadSecretDir(secretDir, all); err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
	}
	all.Resolve()
	var out []*kube.Cluster
	for _, c := range all.Clusters {
		if name == "" || c.Name == name {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		if name != "" {
			return nil, usageErrorf("no GreptimeDBCluster named %q in %s", name, strings.Join(files, ", "))
		}
		return nil, usageErrorf("no GreptimeDBCluster or greptimedb-cluster Helm values in %s", strings.Join(files, ", "))
	}
	if cmDir != "" {
		for _, c := range out {
			if err := kube.ReadConfigMapDir(cmDir, c); err != nil {
				return nil, &exitError{code: exitUsage, err: err}
			}
		}
	}
	return out, nil
}

// checkClusters checks the clusters and writes the report; it returns the
// exit code as an error (nil for 0).
func checkClusters(ctx context.Context, env *environment, o *options, command string, clusters []*kube.Cluster) error {
	noteOnHost(env, o)
	r, files, err := clusterReport(ctx, env, o, command, clusters)
	if err != nil {
		return err
	}
	if err := writeOutputs(ctx, env, o, r, files); err != nil {
		return err
	}
	if r.Failed() || r.Interrupted {
		return &exitError{code: exitFindings}
	}
	return nil
}

// clusterReport checks the clusters; it returns the report and the
// configs that were probed (for masking their secrets).
func clusterReport(ctx context.Context, env *environment, o *options, command string, clusters []*kube.Cluster) (*report.Report, []*configs.File, error) {
	opts := kube.Options{Run: runOptions(o, command), Prefix: len(clusters) > 1,
		InCluster: env.getenv("KUBERNETES_SERVICE_HOST") != ""}
	var progress *progressLine
	switch {
	case o.staticOnly:
		opts.Run.SkipReason = "--static-only was given"
	default:
		opts.Run.Live = true
		// The nodes are reached through the components' Services, whose
		// names resolve only inside the cluster: the Job looks at them by
		// itself, a run from outside only with --nodes (a failure then
		// suggests --in-cluster).
		opts.Run.NodesAuto = opts.InCluster
		if o.perf {
			if progress = newProgressLine(env); progress != nil {
				opts.Run.Progress = progress.show
			}
		}
	}
	res, err := kube.Check(ctx, clusters, opts)
	progress.done()
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	r := res.Report
	r.Interrupted = ctx.Err() != nil
	return r, res.Files, nil
}

// noteOnHost: --on-host tests the machine a component will run on, which a
// cluster check, run from here or from a Job, never is. It is ignored with
// a note, as lint ignores live flags: scripts pass one set of flags.
func noteOnHost(env *environment, o *options) {
	if o.onHost {
		fmt.Fprintln(env.stderr, "stepstone: --on-host is ignored: a cluster check runs from here or from a Job, never on a component's host")
	}
}

// inClusterFormat is the one report format the Job prints to stdout.
func inClusterFormat(o *options) (string, error) {
	var format string
	for _, out := range o.outputs {
		if out.path != "" && out.path != "-" || out.format == "github" {
			return "", usageErrorf("--in-cluster streams the Job's report to stdout: -o %s cannot write a file", out.format)
		}
		if format != "" {
			return "", usageErrorf("--in-cluster streams one report: give one -o format")
		}
		format = out.format
	}
	return format, nil
}

// runInCluster runs the checks as a Job in the cluster's namespace and
// streams its report. The Job reads the resource from its own annotation,
// the generated ConfigMaps and the referenced Secrets from volumes.
func runInCluster(c *cli.Context, env *environment, o *options, client *kube.Client, ns, name, format string) error {
	noteOnHost(env, o)
	cl, err := client.GetCluster(c.Context, ns, name)
	if err != nil {
		return kubeError(err)
	}
	args := []string{"-o", format, "--fail-on", o.failOn.String(), "--timeout", o.timeout.String(), "--deadline", o.deadline.String()}
	if o.readOnly {
		args = append(args, "--read-only")
	}
	if o.staticOnly {
		args = append(args, "--static-only")
	}
	if o.running.nodes {
		args = append(args, "--nodes")
	}
	if o.running.failOnDrift {
		args = append(args, "--fail-on-drift")
	}
	if o.running.kafkaRoundTrip {
		args = append(args, "--kafka-roundtrip")
	}
	// The Job judges the configs as this run would.
	if o.greptimedb != nil {
		args = append(args, "--greptimedb-version", o.greptimedb.Asked)
	}
	if o.enterprise {
		args = append(args, "--edition", "enterprise")
	}
	for _, p := range o.placeholders {
		args = append(args, "--placeholder", p)
	}
	if o.perf {
		// The Job cannot read this machine's files: --perf-config and
		// --baseline are refused by the caller, the defaults apply.
		args = append(args, "--include-performance")
	}
	job := &kube.JobRunner{
		Client:   client,
		Image:    c.String("image"),
		Args:     args,
		Timeout:  o.deadline + 2*time.Minute,
		Progress: env.stderr,
	}
	code, err := job.Run(c.Context, cl, env.stdout)
	if err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// kubeVerbosityFlag receives kubectl's -v=N (kubectlArgs), which would
// otherwise meet stepstone's boolean -v (--verbose).
const kubeVerbosityFlag = "kube-verbosity"

// kubectlArgs rewrites kubectl's -v=N (or --v=N) for the cluster commands,
// so that a command line copied from kubectl is accepted.
func kubectlArgs(args []string) []string {
	if len(args) < 2 || (args[1] != "cluster" && args[1] != "clusters") {
		return args
	}
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == "--" {
			break
		}
		for _, p := range []string{"-v=", "--v="} {
			if n, ok := strings.CutPrefix(a, p); ok && n != "" && strings.Trim(n, "0123456789") == "" {
				out[i] = "--" + kubeVerbosityFlag + "=" + n
			}
		}
	}
	return out
}

// parseRequestTimeout reads --request-timeout as kubectl does: a duration
// with a unit, or a whole number of seconds; 0 for no limit.
func parseRequestTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if strings.Trim(s, "0123456789") == "" {
		s += "s"
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usageErrorf("--request-timeout: want a duration such as 10s or a number of seconds, not %q", s)
	}
	return d, nil
}
