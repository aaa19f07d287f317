package report

// The Prometheus text file (-o prometheus=PATH, for node_exporter's
// textfile collector), and the benchmark metric names it shares with the
// text and Markdown tables.
//
// A benchmark metric is named bench.<op>.<size>.<pass>.<stat>, e.g.
// bench.get.10MiB.throughput.mib_per_s; the change against a baseline
// adds ".change" and is in percent. docs/performance.md lists them.

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// BenchName is a benchmark metric name taken apart.
type BenchName struct {
	// Op is put, get, stat, list, delete, etcd_put, etcd_range,
	// sql_read, sql_write, or total for the whole run's usage.
	Op string
	// Size is the object or value size, such as "1KiB"; "all" for totals.
	Size string
	// Pass is latency (one worker), throughput (several workers), load
	// (a fixed request rate) or run (totals).
	Pass string
	// Stat is samples, errors, avg, p50, p90, p99, max, cold, the same
	// with a ttfb_ prefix, ops_per_s, mib_per_s, target_ops_per_s,
	// target_ratio, requests or bytes.
	Stat string
	// Change marks the change against the baseline, in percent.
	Change bool
}

// String renders the metric name.
func (b BenchName) String() string {
	s := "bench." + b.Op + "." + b.Size + "." + b.Pass + "." + b.Stat
	if b.Change {
		s += ".change"
	}
	return s
}

// Selector is the name without "bench." and ".change", as thresholds
// name metrics.
func (b BenchName) Selector() string {
	return b.Op + "." + b.Size + "." + b.Pass + "." + b.Stat
}

// Label reads well in a sentence: "put 1KiB latency p90".
func (b BenchName) Label() string {
	stat := strings.NewReplacer("ttfb_", "first-byte ", "_per_s", "/s", "mib", "MiB", "_", " ").Replace(b.Stat)
	return fmt.Sprintf("%s %s %s %s", strings.ReplaceAll(b.Op, "_", " "), b.Size, b.Pass, stat)
}

// ParseBenchName takes a benchmark metric name apart; ok is false for any
// other metric.
func ParseBenchName(name string) (BenchName, bool) {
	p := strings.Split(name, ".")
	if len(p) < 5 || len(p) > 6 || p[0] != "bench" {
		return BenchName{}, false
	}
	b := BenchName{Op: p[1], Size: p[2], Pass: p[3], Stat: p[4]}
	if len(p) == 6 {
		if p[5] != "change" {
			return BenchName{}, false
		}
		b.Change = true
	}
	for _, s := range p[1:5] {
		if s == "" {
			return BenchName{}, false
		}
	}
	return b, true
}

// FormatSize renders a size as benchmarks name it: 1KiB, 10MiB, 1GiB, 1500B.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

// FormatSeconds renders a latency in seconds with three significant
// digits: 850µs, 12.3ms, 1.20s.
func FormatSeconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return trimFloat(float64(d)/float64(time.Microsecond), 3) + "µs"
	case d < time.Second:
		return trimFloat(float64(d)/float64(time.Millisecond), 3) + "ms"
	}
	return trimFloat(d.Seconds(), 3) + "s"
}

// trimFloat formats v with sig significant digits, at most two decimals.
func trimFloat(v float64, sig int) string {
	dec := sig - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	dec = max(0, min(dec, 2))
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// FormatBenchValue renders one table cell.
func FormatBenchValue(v float64, unit string) string {
	switch unit {
	case "seconds":
		return FormatSeconds(v)
	case "count", "bytes":
		return strconv.FormatFloat(v, 'f', 0, 64)
	case "%":
		switch r := math.Round(v); {
		case r > 0:
			return "+" + strconv.FormatFloat(r, 'f', 0, 64) + "%"
		case r < 0:
			return "−" + strconv.FormatFloat(-r, 'f', 0, 64) + "%"
		}
		return "±0%"
	case "ratio":
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return trimFloat(v, 3)
}

// BenchRow is one operation at one size of a benchmark table. GET gets a
// second row for the time to its first byte.
type BenchRow struct {
	Op, Size string
	// FirstByte marks the time-to-first-byte row of GET.
	FirstByte bool
	// values and changes are keyed by "pass.stat".
	values, changes map[string]Metric
}

// Operation names the row in a table: PUT, GET (first byte), etcd put.
func (r BenchRow) Operation() string {
	name := map[string]string{"put": "PUT", "get": "GET", "stat": "STAT", "list": "LIST", "delete": "DELETE",
		"etcd_put": "etcd put", "etcd_range": "etcd range", "sql_read": "SQL read", "sql_write": "SQL write"}[r.Op]
	if name == "" {
		name = r.Op
	}
	if r.FirstByte {
		name += " (first byte)"
	}
	return name
}

// BenchColumn is a column of the benchmark tables.
type BenchColumn struct {
	Title string
	// keys are tried in order: a load pass stands in for the latency or
	// throughput pass.
	keys []string
}

// BenchColumns are the columns every benchmark table shows.
var BenchColumns = []BenchColumn{
	{"samples", []string{"latency.samples", "load.samples"}},
	{"p50", []string{"latency.p50", "load.p50"}},
	{"p90", []string{"latency.p90", "load.p90"}},
	{"p99", []string{"latency.p99", "load.p99"}},
	{"max", []string{"latency.max", "load.max"}},
	{"cold", []string{"latency.cold", "load.cold"}},
	{"ops/s", []string{"throughput.ops_per_s", "load.ops_per_s"}},
	{"MiB/s", []string{"throughput.mib_per_s"}},
	{"errors", []string{"latency.errors", "throughput.errors", "load.errors"}},
}

// Value returns the row's value in column c.
func (r BenchRow) Value(c BenchColumn) (Metric, bool) {
	if c.Title == "errors" {
		// Errors add up over the passes.
		var sum Metric
		found := false
		for _, k := range c.keys {
			if m, ok := r.values[k]; ok {
				sum.Value += m.Value
				sum.Unit, found = m.Unit, true
			}
		}
		return sum, found
	}
	for _, k := range c.keys {
		if m, ok := r.values[k]; ok {
			return m, true
		}
	}
	return Metric{}, false
}

// Change sums up the change against the baseline: throughput first, then
// the p90 and p99 latencies, as "MiB/s −12%, p90 +8%". Empty without a
// baseline.
func (r BenchRow) Change() string {
	var parts []string
	for _, c := range []struct{ label, key string }{
		{"MiB/s", "throughput.mib_per_s"}, {"ops/s", "throughput.ops_per_s"}, {"ops/s", "load.ops_per_s"},
		{"p50", "latency.p50"}, {"p90", "latency.p90"}, {"p99", "latency.p99"}, {"p99", "load.p99"},
	} {
		if m, ok := r.changes[c.key]; ok {
			if c.label == "ops/s" && r.changes["throughput.mib_per_s"].Unit != "" {
				continue // MiB/s says it for PUT and GET
			}
			parts = append(parts, c.label+" "+FormatBenchValue(m.Value, "%"))
		}
	}
	return strings.Join(parts, ", ")
}

// ThroughputChange returns the change of the row's throughput against the
// baseline, in percent.
func (r BenchRow) ThroughputChange() (float64, bool) {
	for _, k := range []string{"throughput.mib_per_s", "throughput.ops_per_s", "load.ops_per_s"} {
		if m, ok := r.changes[k]; ok {
			return m.Value, true
		}
	}
	return 0, false
}

// Throughput returns the row's MiB/s, for charts.
func (r BenchRow) Throughput() (float64, bool) {
	m, ok := r.values["throughput.mib_per_s"]
	return m.Value, ok
}

// BenchRows groups benchmark metrics into table rows, in the order they
// were measured, and returns the other metrics apart. Totals (op "total")
// are in neither: BenchUsage reads them.
func BenchRows(ms []Metric) (rows []BenchRow, rest []Metric) {
	index := map[string]int{}
	row := func(op, size string, first bool) *BenchRow {
		k := op + "|" + size + "|" + strconv.FormatBool(first)
		i, ok := index[k]
		if !ok {
			i = len(rows)
			index[k] = i
			rows = append(rows, BenchRow{Op: op, Size: size, FirstByte: first, values: map[string]Metric{}, changes: map[string]Metric{}})
		}
		return &rows[i]
	}
	for _, m := range ms {
		b, ok := ParseBenchName(m.Name)
		if !ok {
			rest = append(rest, m)
			continue
		}
		if b.Op == "total" {
			continue
		}
		stat, first := b.Stat, false
		if strings.HasPrefix(stat, "ttfb_") {
			stat, first = strings.TrimPrefix(stat, "ttfb_"), true
			if b.Op == "get" {
				// The first-byte row follows the GET row.
				row(b.Op, b.Size, false)
			}
		}
		r := row(b.Op, b.Size, first)
		if b.Change {
			r.changes[b.Pass+"."+stat] = m
		} else {
			r.values[b.Pass+"."+stat] = m
		}
	}
	return rows, rest
}

// BenchUsage returns the requests and bytes a benchmark used.
func BenchUsage(ms []Metric) (requests, bytes float64, ok bool) {
	for _, m := range ms {
		if b, isBench := ParseBenchName(m.Name); isBench && b.Op == "total" && !b.Change {
			switch b.Stat {
			case "requests":
				requests, ok = m.Value, true
			case "bytes":
				bytes = m.Value
			}
		}
	}
	return requests, bytes, ok
}

// BenchTableLines renders rows as a plain-text table for the human report.
func BenchTableLines(rows []BenchRow) []string {
	if len(rows) == 0 {
		return nil
	}
	hasChange := false
	for _, r := range rows {
		if r.Change() != "" {
			hasChange = true
		}
	}
	header := []string{"operation", "size"}
	for _, c := range BenchColumns {
		header = append(header, c.Title)
	}
	if hasChange {
		header = append(header, "vs baseline")
	}
	table := [][]string{header}
	for _, r := range rows {
		line := []string{r.Operation(), r.Size}
		for _, c := range BenchColumns {
			cell := "-"
			if m, ok := r.Value(c); ok {
				cell = FormatBenchValue(m.Value, m.Unit)
			}
			line = append(line, cell)
		}
		if hasChange {
			line = append(line, r.Change())
		}
		table = append(table, line)
	}
	widths := make([]int, len(header))
	for _, l := range table {
		for i, c := range l {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var out []string
	for _, l := range table {
		var b strings.Builder
		for i, c := range l {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case i < 2 || i == len(header)-1 && hasChange:
				b.WriteString(c + pad) // text left, numbers right
			default:
				b.WriteString(pad + c)
			}
			if i < len(l)-1 {
				b.WriteString("  ")
			}
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}

// ---- the Prometheus text file -----------------------------------------------

// WritePrometheus writes r in the Prometheus text exposition format, as
// node_exporter's textfile collector reads it: the status and duration of
// every check, the findings per config, and every benchmark number, each
// family once with its HELP and TYPE lines. `stepstone serve` exports the
// same families from the same walk (PromSamples), so the file and /metrics
// agree. Label values are escaped and made valid UTF-8; a series repeated
// with the same labels keeps its first value, since a duplicate makes the
// collector drop the whole file.
// https://prometheus.io/docs/instrumenting/exposition_formats/
func WritePrometheus(w io.Writer, r *Report) error {
	samples := map[string][]string{}
	PromSamples(r, nil, func(f *PromFamily, values []string, v float64) {
		var b strings.Builder
		b.WriteString(f.Name)
		if len(values) > 0 {
			b.WriteByte('{')
			for i, l := range f.Labels {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(l + `="` + promEscape(values[i]) + `"`)
			}
			b.WriteByte('}')
		}
		samples[f.Name] = append(samples[f.Name], b.String()+" "+strconv.FormatFloat(v, 'g', -1, 64))
	})
	// Families appear in table order even when some are empty, which
	// keeps diffs between runs small.
	var out strings.Builder
	for _, f := range PromFamilies {
		if len(samples[f.Name]) == 0 {
			continue
		}
		fmt.Fprintf(&out, "# HELP %s %s\n# TYPE %s gauge\n", f.Name, f.Help, f.Name)
		for _, s := range samples[f.Name] {
			out.WriteString(s + "\n")
		}
	}
	if _, err := io.WriteString(w, out.String()); err != nil {
		return fmt.Errorf("could not write the Prometheus file: %w", err)
	}
	return nil
}

// PromFamily is one metric family stepstone exports about a report: a
// gauge with fixed label names.
type PromFamily struct {
	Name, Help string
	Labels     []string
}

// Label name sets shared by several families.
var (
	promCheck = []string{"component", "config", "check"}
	promBench = []string{"component", "config", "check", "op", "size", "pass"}
	promStat  = []string{"component", "config", "check", "op", "size", "pass", "stat"}
)

// PromFamilies names every family with its help text and labels, in the
// order the text file lists them.
var PromFamilies = []PromFamily{
	{"stepstone_last_run_timestamp_seconds", "When the stepstone run started, in seconds since the epoch.", nil},
	{"stepstone_run_status", "Verdict of the whole run: 1 for its status, 0 for the others.", []string{"status"}},
	{"stepstone_findings", "Static findings per config and severity.", []string{"component", "config", "severity"}},
	{"stepstone_rule_findings", "Static findings per config, rule and severity (cluster-wide findings have component \"cluster\").", []string{"component", "config", "rule", "severity"}},
	{"stepstone_check_status", "Outcome of each live check: 1 for its status, 0 for the others.", []string{"component", "config", "check", "status"}},
	{"stepstone_check_duration_seconds", "How long each live check took.", promCheck},
	{"stepstone_bench_throughput_bytes_per_second", "Benchmark throughput in bytes per second (several workers).", promBench},
	{"stepstone_bench_ops_per_second", "Benchmark operations per second.", promBench},
	{"stepstone_bench_latency_seconds", "Benchmark request latency by statistic (avg, p50, p90, p99, max, cold).", promStat},
	{"stepstone_bench_first_byte_seconds", "Benchmark time to the first byte of GET by statistic.", promStat},
	{"stepstone_bench_samples", "Requests measured by a benchmark pass.", promBench},
	{"stepstone_bench_errors", "Requests that failed in a benchmark pass.", promBench},
	{"stepstone_bench_target_ops_per_second", "The request rate a fixed-rate load aimed at.", promBench},
	{"stepstone_bench_target_ratio", "Achieved rate divided by the target rate of a fixed-rate load.", promBench},
	{"stepstone_bench_requests", "Requests a benchmark sent, warm-up and cleanup included.", promCheck},
	{"stepstone_bench_bytes", "Bytes a benchmark sent and received, warm-up and cleanup included.", promCheck},
	{"stepstone_bench_change_percent", "Change of a benchmark number against the baseline run, in percent.", promStat},
	{"stepstone_probe_metric", "Other numbers live checks measured, in the unit named by the unit label.", []string{"component", "config", "check", "metric", "unit"}},
}

// PromSamples walks r and calls emit once per series, with the label
// values in the order of f.Labels. clean, when not nil, is applied to
// every label value first (serve passes the redactor); values are made
// valid UTF-8. A series repeated with the same labels keeps its first
// value, and NaN or infinite values are left out: both would break a
// scrape.
func PromSamples(r *Report, clean func(string) string, emit func(f *PromFamily, values []string, v float64)) {
	fams := make(map[string]*PromFamily, len(PromFamilies))
	for i := range PromFamilies {
		fams[PromFamilies[i].Name] = &PromFamilies[i]
	}
	seen := map[string]bool{}
	add := func(name string, labels [][2]string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		f := fams[name]
		if f == nil || len(labels) != len(f.Labels) {
			return // a family or label list out of step with the table; the golden test shows it
		}
		values := make([]string, len(labels))
		for i, l := range labels {
			if l[0] != f.Labels[i] {
				return
			}
			values[i] = l[1]
			if clean != nil {
				values[i] = clean(values[i])
			}
			values[i] = strings.ToValidUTF8(values[i], "\uFFFD")
		}
		key := name + "\xff" + strings.Join(values, "\xff")
		if seen[key] {
			return
		}
		seen[key] = true
		emit(f, values, v)
	}

	if !r.Started.IsZero() {
		add("stepstone_last_run_timestamp_seconds", nil, float64(r.Started.UnixNano())/1e9)
	}
	verdict := r.Verdict()
	for _, s := range []Status{Pass, Warn, Fail} {
		add("stepstone_run_status", [][2]string{{"status", string(s)}}, boolFloat(verdict == s))
	}
	ruleFindings := func(component, config string, fs []Finding) {
		type key struct{ config, rule, sev string }
		n := map[key]int{}
		var order []key
		for _, f := range fs {
			k := key{config, f.Rule, f.Severity.String()}
			if config == "" {
				k.config = f.Pos.File
			}
			if n[k] == 0 {
				order = append(order, k)
			}
			n[k]++
		}
		for _, k := range order {
			add("stepstone_rule_findings", [][2]string{{"component", component}, {"config", k.config}, {"rule", k.rule}, {"severity", k.sev}}, float64(n[k]))
		}
	}
	for _, c := range r.Components {
		base := [][2]string{{"component", c.Component}, {"config", c.ConfigFile}}
		e, wn, in := 0, 0, 0
		for _, f := range c.Findings {
			switch f.Severity {
			case Error:
				e++
			case Warning:
				wn++
			default:
				in++
			}
		}
		for _, s := range []struct {
			sev string
			n   int
		}{{"error", e}, {"warning", wn}, {"info", in}} {
			add("stepstone_findings", append(clone(base), [2]string{"severity", s.sev}), float64(s.n))
		}
		ruleFindings(c.Component, c.ConfigFile, c.Findings)
		for _, p := range c.Probes {
			check := append(clone(base), [2]string{"check", p.Name})
			for _, s := range []Status{Pass, Warn, Fail, Skip} {
				add("stepstone_check_status", append(clone(check), [2]string{"status", string(s)}), boolFloat(p.Status == s))
			}
			// Microseconds are plenty, and keep float noise out of the file.
			add("stepstone_check_duration_seconds", check, math.Round(p.Duration.Seconds()*1e6)/1e6)
			for _, m := range p.Metrics {
				b, ok := ParseBenchName(m.Name)
				if !ok {
					add("stepstone_probe_metric", append(clone(check), [2]string{"metric", m.Name}, [2]string{"unit", m.Unit}), m.Value)
					continue
				}
				name, v, labels := benchSample(b, m, check)
				if name != "" {
					add(name, labels, v)
				}
			}
		}
	}
	ruleFindings("cluster", "", r.ClusterFindings)
}

// benchSample maps a benchmark metric onto a family, value and labels.
func benchSample(b BenchName, m Metric, check [][2]string) (string, float64, [][2]string) {
	labels := append(clone(check), [2]string{"op", b.Op}, [2]string{"size", b.Size}, [2]string{"pass", b.Pass})
	if b.Change {
		return "stepstone_bench_change_percent", m.Value, append(labels, [2]string{"stat", b.Stat})
	}
	if b.Op == "total" {
		switch b.Stat {
		case "requests":
			return "stepstone_bench_requests", m.Value, check
		case "bytes":
			return "stepstone_bench_bytes", m.Value, check
		}
		return "", 0, nil
	}
	switch stat := b.Stat; {
	case strings.HasPrefix(stat, "ttfb_"):
		return "stepstone_bench_first_byte_seconds", m.Value, append(labels, [2]string{"stat", strings.TrimPrefix(stat, "ttfb_")})
	case stat == "avg" || stat == "p50" || stat == "p90" || stat == "p99" || stat == "max" || stat == "cold":
		return "stepstone_bench_latency_seconds", m.Value, append(labels, [2]string{"stat", stat})
	case stat == "mib_per_s":
		return "stepstone_bench_throughput_bytes_per_second", m.Value * (1 << 20), labels
	case stat == "ops_per_s":
		return "stepstone_bench_ops_per_second", m.Value, labels
	case stat == "samples":
		return "stepstone_bench_samples", m.Value, labels
	case stat == "errors":
		return "stepstone_bench_errors", m.Value, labels
	case stat == "target_ops_per_s":
		return "stepstone_bench_target_ops_per_second", m.Value, labels
	case stat == "target_ratio":
		return "stepstone_bench_target_ratio", m.Value, labels
	}
	return "stepstone_probe_metric", m.Value, append(clone(check), [2]string{"metric", m.Name}, [2]string{"unit", m.Unit})
}

// promEscape escapes a label value as the exposition format requires
// (backslash, double quote, line feed) after making it valid UTF-8.
func promEscape(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func clone(l [][2]string) [][2]string { return append([][2]string(nil), l...) }

// SortedBenchSizes orders size labels by their byte count, for charts.
func SortedBenchSizes(sizes []string) []string {
	out := append([]string(nil), sizes...)
	sort.SliceStable(out, func(i, j int) bool { return sizeBytes(out[i]) < sizeBytes(out[j]) })
	return out
}

func sizeBytes(s string) int64 {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			n, err := strconv.ParseInt(strings.TrimSuffix(s, u.suffix), 10, 64)
			if err == nil {
				return n * u.mult
			}
		}
	}
	return math.MaxInt64
}
