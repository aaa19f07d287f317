// Package probe holds stepstone's live checks and benchmarks. Every probe
// has one signature (Func); Registry maps each target kind to its probe
// and benchmark. Targets lists what a config names; RunProbes runs the
// probes of many files at once, then the benchmarks.
//
// Each backend lives in the file named after its kind (s3.go, oss.go,
// azblob.go, gcs.go, file.go, etcd.go, postgres.go, mysql.go, metasrv.go,
// kafka.go, node.go, listen.go, tls_files.go, memory.go), holding its
// settings, client, probe, benchmark adapter and failure classifier; only
// that file (and parts split off as <kind>_*.go) imports the backend's SDK
// or driver. The rest is shared:
// probe.go (targets, the runner, the frame every probe runs in),
// classify.go, storage.go and bench_storage.go (every object store),
// metadata.go and bench_sql.go (the metasrv's metadata stores), bench.go
// (the frame every benchmark runs in), addr.go and h2c.go. A new storage
// backend is a row in configs.Backends, a file here and its Registry row;
// TestBackendFiles checks the three agree.
package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// Options say how live probes run.
type Options struct {
	// Skip, when set, says a target's table is known to be unusable (a
	// static rule reported it), with why; its probe is not run.
	Skip func(f *configs.File, section string) (why string, skip bool)
	// Timeout bounds each probe: RunProbes gives every probe a context
	// with this deadline, and the clients a probe builds take their dial,
	// TLS and request timeouts from it (clientTimeout). It must be
	// positive; run.Options normalises --timeout, once. Targets do not
	// carry it: their context does.
	Timeout time.Duration
	// ReadOnly forbids every write: probes only connect, authenticate,
	// stat and list their own test prefix.
	ReadOnly bool
	// OnHost says stepstone runs on the machine the component will run on,
	// so local paths and listen addresses can be checked.
	OnHost bool
	// RunID names this run's test prefix; empty means a new one.
	RunID string
	// Perf, when set, runs the benchmarks of --include-performance after
	// the probes, one dependency at a time (see bench.go). Nil keeps the
	// probes alone.
	Perf *PerfOptions
	// KafkaRoundTrip adds the Kafka round trip (a test topic created,
	// written, read and deleted); ignored with ReadOnly.
	KafkaRoundTrip bool
	// Nodes checks the running node at each config's http.addr: health,
	// version and config drift (node.go); an unreachable node
	// fails. NodesAuto does the same but skips a node that does not
	// answer (stepstone run).
	Nodes, NodesAuto bool
	// GreptimeDBVersion is the version the nodes should run; empty skips
	// the comparison.
	GreptimeDBVersion string
	// FailOnDrift makes config drift a failure instead of a warning.
	FailOnDrift bool
}

// DefaultTimeout is the probe timeout when --timeout is not given; run
// applies it.
const DefaultTimeout = 10 * time.Second

const (
	// maxParallelProbes bounds how many probes run at once.
	maxParallelProbes = 64
	// testPrefixName marks everything stepstone writes, so that an operator
	// who finds it knows where it came from.
	testPrefixName = ".stepstone"
)

// Variables rather than constants so tests can shorten them.
var (
	// cleanupTimeout bounds the removal of test data once a probe is done,
	// timed out or interrupted.
	cleanupTimeout = 5 * time.Second
	// runSlack is added to the overall deadline for scheduling and
	// reporting.
	runSlack = 3 * time.Second
)

// Target is one thing to probe, with the config line that named it.
type Target struct {
	// Kind selects the backend in Registry ("etcd", "s3", ...).
	Kind string
	// Bench selects the backend's benchmark instead of its probe.
	Bench bool
	// Name is how results call the target; it never carries secrets.
	Name string
	File *configs.File
	// Key and Pos name the config line that configured the target.
	Key  string
	Pos  report.Position
	Opts Options
	// Addr is the address, URL, DSN or path as configured. It may hold
	// credentials: never print it, use Name.
	Addr string
	// Addrs holds every address of a multi-address target (etcd
	// store_addrs: TLS "prefer" depends on all of them).
	Addrs []string
	// Index is the position in the array the target came from
	// (store_addrs[i], storage.providers[i]); -1 when none.
	Index int
	// Section is the config table holding the target's settings:
	// "storage", "storage.providers[1]", "grpc.tls", "backend_tls".
	Section string
	// Secrets are values to redact from every message about the target.
	Secrets []string
}

// String describes the target without secrets; Addr and Secrets may hold
// credentials, so %v never prints the struct's fields.
func (t Target) String() string { return t.Kind + " " + t.Name }

// GoString keeps %#v from printing credentials too.
func (t Target) GoString() string { return "probe.Target{" + strconv.Quote(t.String()) + "}" }

// Func checks one target. A dependency that cannot be reached is a
// result with status FAIL, never a Go error.
type Func func(ctx context.Context, t Target) report.ProbeResult

// Backend is what stepstone can do with one kind of target: check it
// and, for dependencies worth measuring, benchmark it.
type Backend struct {
	// Probe checks one target of this kind.
	Probe Func
	// Bench measures the dependency after its probe passed (with
	// Options.Perf); nil when the kind has no benchmark.
	Bench Func
}

// Registry maps target kinds to their backends, as blackbox_exporter's
// prober map. Each backend lives in a file of its own name.
var Registry = map[string]Backend{
	"etcd":       {Probe: ProbeEtcd},
	"etcd-write": {Probe: ProbeEtcdWrite, Bench: BenchEtcd},
	"etcd-txn":   {Probe: ProbeEtcdMaxTxnOps},
	"postgres":   {Probe: ProbePostgres, Bench: BenchPostgres},
	"mysql":      {Probe: ProbeMySQL, Bench: BenchMySQL},
	"memory":     {Probe: ProbeMemoryStore},
	"metasrv":    {Probe: ProbeMetasrv},
	"listen":     {Probe: ProbeListen},
	"tls-files":  {Probe: ProbeTLSFiles},
	"s3":         {Probe: ProbeS3, Bench: BenchS3},
	"oss":        {Probe: ProbeOSS, Bench: BenchOSS},
	"azblob":     {Probe: ProbeAzblob, Bench: BenchAzblob},
	"gcs":        {Probe: ProbeGCS, Bench: BenchGCS},
	"file":       {Probe: ProbeFile, Bench: BenchFile},
	// Kafka remote WAL (kafka.go).
	"kafka":           {Probe: ProbeKafka},
	"kafka-topics":    {Probe: ProbeKafkaTopics},
	"kafka-roundtrip": {Probe: ProbeKafkaRoundTrip},
	// Running nodes (node.go).
	"node":       {Probe: ProbeNode},
	"node-drift": {Probe: ProbeNodeDrift},
}

// NewRunID returns a run id such as "20261123T0544-3f9a2c": UTC time to the
// minute, then random hex, so concurrent runs never share a test prefix.
func NewRunID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T1504") + "-" + hex.EncodeToString(b[:])
}

// withRunID gives o a new RunID when it has none.
func (o Options) withRunID() Options {
	if o.RunID == "" {
		o.RunID = NewRunID()
	}
	return o
}

// Targets lists what to probe for one config file, in a stable order.
func Targets(f *configs.File, opts Options) []Target {
	if f == nil || !f.Parsed() {
		// GreptimeDB refuses a file that does not parse; the syntax rule
		// reports it.
		return nil
	}
	opts = opts.withRunID()
	// The timeout reaches a probe as its context's deadline, not as a
	// field each probe reads.
	opts.Timeout = 0
	var ts []Target
	switch f.Component {
	case configs.Metasrv:
		ts = metasrvBackendTargets(f)
	case configs.Frontend:
		ts = append(ts, metaClientTargets(f)...)
		ts = append(ts, listenTargets(f)...)
		ts = append(ts, tlsFileTargets(f)...)
	case configs.Datanode:
		ts = append(ts, metaClientTargets(f)...)
		ts = append(ts, storageTargets(f)...)
	case configs.Flownode:
		ts = metaClientTargets(f)
	case configs.Standalone:
		ts = storageTargets(f)
	}
	ts = append(ts, kafkaTargets(f, opts)...)
	ts = append(ts, nodeTargets(f, opts)...)
	for i := range ts {
		ts[i].File = f
		ts[i].Opts = opts
		if ts[i].Pos.File == "" {
			ts[i].Pos = f.ValuePos(ts[i].Key)
		}
	}
	return ts
}

// RunProbes probes every target of every file at once (at most
// maxParallelProbes at a time), each under a context with opts.Timeout's
// deadline and the whole run under an overall deadline. Results come back
// in the order of files and of Targets. Cancelling ctx interrupts the
// probes; their cleanup still runs, bounded by its own short deadline.
// With opts.Perf the benchmarks follow, and their results come after the
// probes of each file.
func RunProbes(ctx context.Context, files []*configs.File, opts Options) [][]report.ProbeResult {
	opts = opts.withRunID()
	if opts.Timeout <= 0 {
		// A caller that skipped run's normalisation gets no unbounded
		// probes.
		out := make([][]report.ProbeResult, len(files))
		for fi, f := range files {
			out[fi] = []report.ProbeResult{internalResult(f, "probe.Options.Timeout is not set")}
		}
		return out
	}
	out := runProbeWave(ctx, files, opts)
	if opts.Perf != nil {
		runBenchmarks(ctx, files, opts, out)
	}
	return out
}

// runProbeWave runs the probes of RunProbes.
func runProbeWave(ctx context.Context, files []*configs.File, opts Options) [][]report.ProbeResult {
	type job struct {
		file, idx int
		t         Target
	}
	out := make([][]report.ProbeResult, len(files))
	var jobs []job
	for fi, f := range files {
		ts, err := safeTargets(f, opts)
		if err != nil {
			out[fi] = []report.ProbeResult{internalResult(f, err.Error())}
			continue
		}
		out[fi] = make([]report.ProbeResult, len(ts))
		for ti, t := range ts {
			jobs = append(jobs, job{fi, ti, t})
		}
	}
	if len(jobs) == 0 {
		return out
	}
	waves := (len(jobs) + maxParallelProbes - 1) / maxParallelProbes
	overall := time.Duration(waves)*(opts.Timeout+cleanupTimeout) + runSlack
	runCtx, cancel := context.WithTimeout(ctx, overall)
	defer cancel()

	var mu sync.Mutex
	results := make([]report.ProbeResult, len(jobs))
	finished := make([]bool, len(jobs))
	done := make(chan struct{}, len(jobs))
	runJob := func(i int) {
		defer func() { done <- struct{}{} }()
		j := jobs[i]
		var res report.ProbeResult
		why, skip := "", false
		if opts.Skip != nil && j.t.Section != "" {
			why, skip = opts.Skip(j.t.File, j.t.Section)
		}
		switch {
		case skip:
			res = baseResult(j.t)
			res.Status = report.Skip
			res.Message = "not checked, the config is already reported unusable: " + why
		case runCtx.Err() == nil:
			pctx, cancel := context.WithTimeout(runCtx, opts.Timeout)
			res = runTarget(pctx, j.t)
			cancel()
		default:
			res = baseResult(j.t)
			res.Status, res.Class = report.Skip, ClassCanceled
			res.Message = "not started: the run was interrupted or ran out of time"
		}
		if ctx.Err() == context.Canceled && res.Status == report.Fail &&
			(res.Class == ClassCanceled || res.Class == ClassTimeout || res.Class == ClassOther) {
			// Ctrl-C: the probe did not fail, it was cut short. A
			// failure with a concrete cause (refused, auth, ...) stands.
			res.Status, res.Class = report.Skip, ClassCanceled
			res.Message = "interrupted: " + res.Message
		}
		mu.Lock()
		results[i], finished[i] = res, true
		mu.Unlock()
	}
	// A fixed pool of workers rather than a goroutine per target parked on
	// a semaphore: a run over 1,000 endpoints holds at most
	// maxParallelProbes probe goroutines, however many targets wait.
	queue := make(chan int, len(jobs))
	for i := range jobs {
		queue <- i
	}
	close(queue)
	for range min(len(jobs), maxParallelProbes) {
		go func() {
			for i := range queue {
				runJob(i)
			}
		}()
	}
	// Wait for every probe, but never past the overall deadline; after an
	// interrupt, wait only as long as cleanup may take.
	hard := time.NewTimer(overall + time.Second)
	defer hard.Stop()
	var grace <-chan time.Time
	interrupted := ctx.Done()
wait:
	for n := 0; n < len(jobs); {
		select {
		case <-done:
			n++
		case <-interrupted:
			interrupted = nil
			grace = time.After(cleanupTimeout + time.Second)
		case <-grace:
			break wait
		case <-hard.C:
			break wait
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, j := range jobs {
		res := results[i]
		if !finished[i] {
			res = baseResult(j.t)
			res.Status, res.Class = report.Fail, ClassTimeout
			res.Message = fmt.Sprintf("%s did not finish within the overall deadline of %s", j.t.Name, overall.Round(time.Second))
			res.Suggestion = "the probe ignored its timeout; report this as a stepstone bug"
			if ctx.Err() == context.Canceled {
				res.Status, res.Class = report.Skip, ClassCanceled
				res.Message = "interrupted: " + j.t.Name + " did not stop in time"
				res.Suggestion = ""
			}
			res.Message = redact.New(j.t.Secrets...).String(res.Message)
		}
		out[j.file][j.idx] = res
	}
	return out
}

// internalResult is the one result of a file whose probes could not run:
// a stepstone bug.
func internalResult(f *configs.File, msg string) report.ProbeResult {
	return report.ProbeResult{Name: "probe targets", Status: report.Fail, Class: ClassInternal,
		Message: msg, Suggestion: "this is a stepstone bug; please report it", Pos: report.Position{File: f.Path}}
}

// safeTargets is Targets that turns a panic into an error.
func safeTargets(f *configs.File, opts Options) (ts []Target, err error) {
	defer func() {
		if p := recover(); p != nil {
			ts, err = nil, fmt.Errorf("internal error while listing probe targets: %v", p)
		}
	}()
	return Targets(f, opts), nil
}

// runTarget looks up the probe for t and runs it, never panicking.
func runTarget(ctx context.Context, t Target) (res report.ProbeResult) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			res = panicResult(t, p, start)
		}
	}()
	b := Registry[t.Kind]
	fn, what := b.Probe, "probe"
	if t.Bench {
		fn, what = b.Bench, "benchmark"
	}
	if fn == nil {
		res = baseResult(t)
		res.Status, res.Class = report.Fail, ClassInternal
		res.Message = fmt.Sprintf("no %s for target kind %q", what, t.Kind)
		return res
	}
	return fn(ctx, t)
}

func panicResult(t Target, p any, start time.Time) report.ProbeResult {
	res := baseResult(t)
	res.Status, res.Class = report.Fail, ClassInternal
	res.Message = redact.New(t.Secrets...).String(fmt.Sprintf("internal error while probing %s: %v", t.Name, p))
	res.Suggestion = "this is a stepstone bug; please report it"
	res.Duration = time.Since(start)
	return res
}

func baseResult(t Target) report.ProbeResult {
	return report.ProbeResult{Name: redact.New(t.Secrets...).String(t.Name), Key: t.Key, Pos: t.Pos}
}

// probeRun collects one probe's outcome. Messages are redacted with the
// target's secrets (and any found while probing) when the probe ends.
type probeRun struct {
	t       Target
	res     report.ProbeResult
	secrets []string
	notes   []string
}

// runProbe is the frame every probe runs in: it times the probe, turns a
// panic into a FAIL of class "internal", and redacts every message. The
// deadline is ctx's (RunProbes sets it).
func runProbe(ctx context.Context, t Target, body func(ctx context.Context, r *probeRun)) (res report.ProbeResult) {
	r := &probeRun{t: t, res: baseResult(t), secrets: append([]string(nil), t.Secrets...)}
	r.res.Status = report.Pass
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			res = panicResult(t, p, start)
			res.Message = redact.New(r.secrets...).String(res.Message)
		}
	}()
	body(ctx, r)
	return r.finish(start)
}

func (r *probeRun) finish(start time.Time) report.ProbeResult {
	res := r.res
	if len(r.notes) > 0 {
		if res.Message == "" {
			res.Message = strings.Join(r.notes, "; ")
		} else {
			res.Message += "; " + strings.Join(r.notes, "; ")
		}
	}
	// Drivers echo connection strings in their errors, so every message
	// is masked here, with the target's secrets and those found while
	// probing; the run's redactor masks the finished report once more.
	red := redact.New(r.secrets...)
	res.Name = red.String(res.Name)
	res.Message = strings.TrimSuffix(red.String(res.Message), ".")
	res.Suggestion = red.String(res.Suggestion)
	res.Duration = time.Since(start)
	return res
}

// addSecrets registers values found while probing (a password read from
// PGPASSWORD, say) for redaction.
func (r *probeRun) addSecrets(s ...string) {
	for _, v := range s {
		if v != "" {
			r.secrets = append(r.secrets, v)
		}
	}
}

// pass records what worked. It never hides an earlier warning or failure:
// after a warning the pass message leads and the warning follows.
func (r *probeRun) pass(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch r.res.Status {
	case report.Fail:
		r.note("%s", msg)
	case report.Warn:
		if r.res.Message != "" {
			msg += "; " + r.res.Message
		}
		r.res.Message = msg
	default:
		r.res.Status, r.res.Message = report.Pass, msg
	}
}

// warn downgrades a passing result; it never hides a failure.
func (r *probeRun) warn(suggestion, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r.res.Status == report.Fail {
		r.note("%s", msg)
		return
	}
	if r.res.Message != "" {
		r.res.Message += "; " + msg
	} else {
		r.res.Message = msg
	}
	r.res.Status = report.Warn
	if suggestion != "" {
		if r.res.Suggestion != "" {
			r.res.Suggestion += "; "
		}
		r.res.Suggestion += suggestion
	}
}

func (r *probeRun) fail(class, suggestion, format string, args ...any) {
	r.res.Status = report.Fail
	r.res.Class = class
	r.res.Suggestion = suggestion
	r.res.Message = fmt.Sprintf(format, args...)
}

// failErr fails with err's text after what, classified by classifier.
func (r *probeRun) failErr(err error, classifier func(error) (string, string), format string, args ...any) {
	class, sug := classifier(err)
	r.fail(class, sug, "%s: %s", fmt.Sprintf(format, args...), probeErrText(err))
}

func (r *probeRun) skip(format string, args ...any) {
	r.res.Status = report.Skip
	r.res.Message = fmt.Sprintf(format, args...)
}

// note adds a clause to the final message.
func (r *probeRun) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// at points the result at key when the file writes it, so an annotation
// lands on the line to change.
func (r *probeRun) at(keys ...string) {
	f := r.t.File
	if f == nil {
		return
	}
	for _, k := range keys {
		if f.Has(k) {
			r.res.Key, r.res.Pos = k, f.ValuePos(k)
			return
		}
	}
}

// failed reports whether the probe has failed already.
func (r *probeRun) failed() bool { return r.res.Status == report.Fail }

// probeErrText flattens an error to one line without a final period. An
// HTTP client error loses its query string, which only adds noise (and,
// for signed URLs, signatures).
func probeErrText(err error) string {
	msg := err.Error()
	var ue *url.Error
	if az, ok := azblobErrText(err); ok {
		msg = az
	} else if errors.As(err, &ue) && ue.Err != nil {
		u := ue.URL
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		msg = fmt.Sprintf("%s %s: %v", ue.Op, u, ue.Err)
	}
	s := strings.Join(strings.Fields(msg), " ")
	return strings.TrimSuffix(s, ".")
}

// clientTimeout is the dial, TLS handshake and request timeout of the
// clients a probe builds: the time left before ctx's deadline, so that no
// client outlives its probe. Without a deadline (a probe called on its
// own) it is zero, which the clients read as no timeout of their own: ctx
// alone bounds them.
func clientTimeout(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	return max(time.Until(dl), time.Millisecond)
}

// cleanupContext returns the context cleanup runs under: detached from
// cancellation (Ctrl-C must not leave test data behind) but bounded.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
}

// testHookAfterWrite, when set by a test, runs right after a probe wrote
// its test data, so tests can interrupt a probe mid-way.
var testHookAfterWrite func(kind string)

func afterWrite(kind string) {
	if h := testHookAfterWrite; h != nil {
		h(kind)
	}
}

// ---- reading effective values --------------------------------------------

// probeString returns the effective string at key: file, env, schema
// default, else def.
func probeString(f *configs.File, key, def string) string {
	if v, _, ok := f.LookupString(key); ok {
		return v
	}
	if d := probeSchemaDefault(f, key); d != "" {
		return d
	}
	return def
}

// probeSet reports whether key is set in the file or the environment.
func probeSet(f *configs.File, key string) bool {
	_, _, ok := f.Lookup(key)
	return ok
}

func probeSchemaDefault(f *configs.File, key string) string {
	sp := f.Schema().Lookup(configs.SchemaKey(key))
	if sp == nil || sp.Default == "" || sp.Kind == configs.KindArray {
		return ""
	}
	d := sp.Default
	if uq, err := strconv.Unquote(d); err == nil {
		d = uq
	}
	return d
}

// probeStrings returns the effective string array at key, else def. An
// env override may give a comma list or a single string.
func probeStrings(f *configs.File, key string, def []string) []string {
	v, _, ok := f.Lookup(key)
	if !ok {
		return def
	}
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	case string:
		var out []string
		for _, s := range strings.Split(x, ",") {
			out = append(out, s)
		}
		return out
	}
	return def
}

func probeBool(f *configs.File, key string, def bool) bool {
	v, _, _ := f.Lookup(key)
	if b, ok := configs.AsBool(v); ok {
		return b
	}
	return def
}

func probeInt(f *configs.File, key string, def int64) int64 {
	v, _, _ := f.Lookup(key)
	if n, ok := configs.AsInt(v); ok {
		return n
	}
	return def
}

// probeTableLen returns how many tables an array of tables at key holds.
func probeTableLen(f *configs.File, key string) int {
	v, ok := f.Get(key)
	if !ok {
		return 0
	}
	switch x := v.(type) {
	case []map[string]any:
		return len(x)
	case []any:
		return len(x)
	}
	return 0
}

// probeSortedKeys is used where a map is printed, to keep messages stable.
func probeSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// probeListNames joins names for a message, eliding after max.
func probeListNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}

// probePos returns the value position of the first key written in the file.
func probePos(f *configs.File, keys ...string) report.Position {
	for _, k := range keys {
		if f.Has(k) {
			return f.ValuePos(k)
		}
	}
	return f.ValuePos(keys[0])
}

// leftovers reports test data that is still there after cleanup.
func (r *probeRun) leftovers(keys []string, suggestion string) {
	if len(keys) == 0 {
		return
	}
	msg := fmt.Sprintf("test data left behind: %s", probeListNames(keys, 5))
	if r.res.Status == report.Fail {
		r.note("%s", msg)
		return
	}
	r.warn(suggestion, "%s", msg)
	if r.res.Class == "" {
		r.res.Class = ClassLeftover
	}
}
