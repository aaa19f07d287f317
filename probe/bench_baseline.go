package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stepstone-dev/stepstone/report"
)

// Baseline is an earlier run's JSON report (-o json), read for
// --baseline: its benchmark numbers are what this run is compared with.
type Baseline struct {
	// Path is the file it was read from, for messages.
	Path    string
	reports []report.JSONComponent
}

// LoadBaseline reads a JSON report written by -o json: the document of
// `run` (with "reports") or the single component of `datanode -c` and the
// other component commands.
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read baseline %q: %w", path, err)
	}
	bl, err := ParseBaseline(data)
	if err != nil {
		return nil, fmt.Errorf("baseline %q: %w", path, err)
	}
	bl.Path = path
	return bl, nil
}

// ParseBaseline reads a JSON report from memory.
func ParseBaseline(data []byte) (*Baseline, error) {
	var probe struct {
		Reports []json.RawMessage `json:"reports"`
		Details []json.RawMessage `json:"details"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not a stepstone JSON report: %w", err)
	}
	bl := &Baseline{}
	switch {
	case probe.Reports != nil:
		var doc report.JSONDocument
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
			return nil, fmt.Errorf("not a stepstone JSON report: %w", err)
		}
		bl.reports = doc.Reports
	case probe.Details != nil:
		var c report.JSONComponent
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("not a stepstone JSON report: %w", err)
		}
		bl.reports = []report.JSONComponent{c}
	default:
		return nil, errors.New(`not a stepstone JSON report: it has neither "reports" nor "details" (write it with -o json)`)
	}
	return bl, nil
}

// find returns the earlier result named name for the same config: the same
// component and path, else the same component and file name, else the only
// report of that component. Paths differ between a laptop and CI; names of
// benchmarks carry the bucket or address, so they are compared exactly.
func (bl *Baseline) find(component, configFile, name string) (report.JSONDetail, bool) {
	var exact, base, comp []report.JSONComponent
	for _, c := range bl.reports {
		if c.Component != component {
			continue
		}
		comp = append(comp, c)
		switch {
		case c.ConfigFile == configFile:
			exact = append(exact, c)
		case filepath.Base(c.ConfigFile) == filepath.Base(configFile):
			base = append(base, c)
		}
	}
	var pick *report.JSONComponent
	switch {
	case len(exact) > 0:
		pick = &exact[0]
	case len(base) == 1:
		pick = &base[0]
	case len(base) == 0 && len(comp) == 1:
		pick = &comp[0]
	default:
		return report.JSONDetail{}, false
	}
	for _, d := range pick.Details {
		if d.Name == name {
			return d, true
		}
	}
	return report.JSONDetail{}, false
}

// baselineCompared reports whether a metric is compared with the
// baseline: the medians and p90 of the latency passes, the rates of the
// throughput passes, and p50, p99 and the rate of a fixed-rate load, which
// has hundreds of samples. Counts, maxima, cold requests, the latencies of
// the throughput passes and p99 from a hundred-odd samples vary too much
// between runs to call a change a regression.
func baselineCompared(b report.BenchName) bool {
	switch b.Pass {
	case "latency":
		switch b.Stat {
		case "p50", "p90", "ttfb_p50", "ttfb_p90":
			return true
		}
	case "throughput":
		return b.Stat == "ops_per_s" || b.Stat == "mib_per_s"
	case "load":
		return b.Stat == "p50" || b.Stat == "p99" || b.Stat == "ops_per_s"
	}
	return false
}

// compare returns the change of every comparable metric against the
// baseline (as bench.….change metrics in percent), the regressions past
// warnPct and failPct, and a note when the baseline has nothing to compare.
func (bl *Baseline) compare(component, configFile, name string, metrics []report.Metric, warnPct, failPct float64) (
	changes []report.Metric, warns, fails []string, note string) {
	d, ok := bl.find(component, configFile, name)
	if !ok {
		return nil, nil, nil, fmt.Sprintf("the baseline %s has no %q to compare with", filepath.Base(bl.Path), name)
	}
	before := map[string]float64{}
	for _, m := range d.Metrics {
		before[m.Name] = m.Value
	}
	for _, m := range metrics {
		bn, ok := report.ParseBenchName(m.Name)
		if !ok || bn.Change || !baselineCompared(bn) {
			continue
		}
		bv, ok := before[m.Name]
		if !ok || bv <= 0 {
			continue
		}
		change := (m.Value - bv) / bv * 100
		bn.Change = true
		changes = append(changes, report.Metric{Name: bn.String(), Value: change, Unit: "%"})
		worse := change
		if lowerIsWorse(bn.Stat) {
			worse = -change
		}
		msg := fmt.Sprintf("%s is %s, %.0f%% worse than the baseline's %s", report.BenchName{Op: bn.Op, Size: bn.Size, Pass: bn.Pass, Stat: bn.Stat}.Label(),
			formatMetricValue(m.Value, m.Unit), worse, formatMetricValue(bv, m.Unit))
		switch {
		case failPct > 0 && worse >= failPct:
			fails = append(fails, msg)
		case warnPct > 0 && worse >= warnPct:
			warns = append(warns, msg)
		}
	}
	if len(changes) == 0 {
		note = fmt.Sprintf("the baseline %s has no numbers to compare with", filepath.Base(bl.Path))
	}
	return changes, warns, fails, note
}
