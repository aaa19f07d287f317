// Package report holds what a stepstone run found: static findings, live
// probe results and the rules that ran. It imports only the standard library
// and internal/redact so that every output format (text, JSON, SARIF, GitHub, Markdown) can depend
// on it without pulling in the checks themselves.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stepstone-dev/stepstone/internal/redact"
)

// Severity ranks a finding. The zero value is Info.
type Severity int

// Severities, lowest first so that comparisons read naturally.
const (
	Info Severity = iota
	Warning
	Error
)

// String returns the lower-case name used in text and JSON output.
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// ParseSeverity reads "error", "warning" or "info".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	}
	return Info, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// MarshalText lets Severity appear as a string in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Position is a 1-based place in a file. Line 0 means the whole file; Col 0
// means the column is unknown.
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"column"`
}

// String renders file:line:col, leaving out what is unknown.
func (p Position) String() string {
	switch {
	case p.Line <= 0:
		return p.File
	case p.Col <= 0:
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	// Not fmt: every effective value of every file has its origin here.
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Append appends what String returns: the effective values of a file are
// written into one buffer.
func (p Position) Append(b []byte) []byte {
	b = append(b, p.File...)
	if p.Line <= 0 {
		return b
	}
	b = strconv.AppendInt(append(b, ':'), int64(p.Line), 10)
	if p.Col <= 0 {
		return b
	}
	return strconv.AppendInt(append(b, ':'), int64(p.Col), 10)
}

// Finding is one problem a static rule found in a config.
type Finding struct {
	Rule       string   `json:"rule"`
	Severity   Severity `json:"severity"`
	Message    string   `json:"message"`
	Suggestion string   `json:"suggestion,omitempty"`
	// Key is the dotted TOML key the finding is about, e.g. "storage.bucket".
	Key string   `json:"key,omitempty"`
	Pos Position `json:"location"`
	// EndLine and EndCol mark the end of the offending value when known, so
	// annotations can underline it.
	EndLine int `json:"end_line,omitempty"`
	EndCol  int `json:"end_column,omitempty"`
	// Fix, when set, is the edit `stepstone fix` makes for this finding.
	Fix *Fix `json:"fix,omitempty"`
	// Suppressed, when set, says the repository accepted the finding; it
	// is kept (not dropped) so that SARIF records it as suppressed.
	Suppressed *Suppression `json:"suppressed,omitempty"`
	// Related are the other places a grouped cross-file finding is about
	// (port-clash: every other file that binds the port), in a
	// deterministic order; Pos is where it is reported.
	Related []Related `json:"related,omitempty"`
}

// Related is another place a finding is about: its file, line and column
// (line 0: the whole file, a default), the key there, and what it is.
type Related struct {
	Position
	Key     string `json:"key,omitempty"`
	Message string `json:"message"`
}

// Suppression is why a finding is accepted: an inline stepstone:ignore
// comment ("inSource") or an entry of .stepstone.toml ("external").
type Suppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
	// Location is where the suppression is written: "datanode.toml:12".
	Location string `json:"location"`
}

// Fix is a machine-applicable repair of a finding: text edits to one file.
type Fix struct {
	Description string    `json:"description"`
	Edits       []FixEdit `json:"edits"`
}

// FixEdit replaces Range (start inclusive, end exclusive) with Replacement.
type FixEdit struct {
	Range       FixRange `json:"range"`
	Replacement string   `json:"replacement"`
}

// FixRange is a span of a file: 1-based lines and columns (in characters)
// as in Position, plus byte offsets for tools that splice bytes.
type FixRange struct {
	Start       Position `json:"start"`
	End         Position `json:"end"`
	StartOffset int      `json:"start_offset"`
	EndOffset   int      `json:"end_offset"`
}

// String renders the finding as actionlint does: file:line:col: message [rule].
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s [%s]", f.Pos, f.Message, f.Rule)
}

// Status is the outcome of one check.
type Status string

// Check outcomes.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Warn Status = "WARN"
	Skip Status = "SKIP"
)

// ProbeResult is the outcome of one live check of a dependency.
type ProbeResult struct {
	Name       string        `json:"name"`
	Status     Status        `json:"status"`
	Message    string        `json:"message"`
	Suggestion string        `json:"suggestion,omitempty"`
	Duration   time.Duration `json:"-"`
	// Class says why a probe failed (dns, refused, timeout, tls, auth,
	// permission, not-found, protocol, ...) so reports can group failures.
	Class string `json:"class,omitempty"`
	// Key and Pos name the config line that configured the target.
	Key string   `json:"key,omitempty"`
	Pos Position `json:"location"`
	// Metrics carries benchmark numbers when a probe measured something.
	Metrics []Metric `json:"metrics,omitempty"`
}

// Metric is one number a probe measured, kept structured for JSON, SARIF
// properties and Prometheus output.
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// ComponentReport is everything found about one config file.
type ComponentReport struct {
	Component  string    `json:"component"`
	ConfigFile string    `json:"config_file"`
	Timestamp  time.Time `json:"timestamp"`
	Findings   []Finding `json:"-"`
	// Suppressed are findings the repository accepted (stepstone:ignore,
	// .stepstone.toml); only SARIF shows them, as suppressed results.
	Suppressed []Finding     `json:"-"`
	Probes     []ProbeResult `json:"-"`
	Duration   time.Duration `json:"-"`
	// Values lists each effective config value with its origin, for --verbose.
	Values Values `json:"-"`
	// GreptimeDB is the release the config was judged by; nil when the
	// report was made without one.
	GreptimeDB *GreptimeDBVersion `json:"-"`
}

// GreptimeDBVersion is the GreptimeDB release a config is judged by.
type GreptimeDBVersion struct {
	// Version is the release ("v1.1.4", "main").
	Version string `json:"greptimedb_version"`
	// Source says where it came from ("default (newest stable release)",
	// "--greptimedb-version", "image tag of datanode").
	Source string `json:"greptimedb_version_source"`
	// Note is set when the asked version is no known release and a nearby
	// one was used.
	Note string `json:"greptimedb_version_note,omitempty"`
}

// Value is one effective config value and where it came from.
type Value struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Origin string `json:"origin"`
}

// Rule describes a static rule, for `stepstone rules`, SARIF and docs.
type Rule struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	Help     string   `json:"help"`
	URL      string   `json:"url,omitempty"`
	// Security marks rules about secrets, which SARIF scores higher.
	Security bool `json:"security,omitempty"`
}

// Report is the finished result of one stepstone invocation. Writers take
// it and an io.Writer and nothing else.
type Report struct {
	Tool            string            `json:"-"`
	Version         string            `json:"-"`
	Command         string            `json:"-"`
	Started         time.Time         `json:"-"`
	Components      []ComponentReport `json:"-"`
	ClusterFindings []Finding         `json:"-"`
	Rules           []Rule            `json:"-"`
	// FailOn is the severity at or above which a finding fails the run.
	FailOn Severity `json:"-"`
	// Interrupted is set when Ctrl-C or SIGTERM cut the run short.
	Interrupted bool `json:"-"`
	// Redactor knows every secret of the run (run.Run builds it); every
	// writer, stderr line, label and ::add-mask:: goes through it. Never
	// serialised; nil masks only what looks like a credential.
	Redactor *redact.Redactor `json:"-"`
	// Impact is what the pull request changes in the effective values of
	// the configs it touches, compared with its base commit (the Action
	// fills it in; "What this change does").
	Impact []ConfigChanges `json:"-"`
}

// Redact returns s with every secret of the run masked.
func (r *Report) Redact(s string) string {
	if r == nil {
		return redact.Scrub(s)
	}
	return r.Redactor.String(s)
}

// AllFindings returns the findings of every component and of the cluster,
// sorted and without duplicates.
func (r *Report) AllFindings() []Finding {
	var all []Finding
	for _, c := range r.Components {
		all = append(all, c.Findings...)
	}
	all = append(all, r.ClusterFindings...)
	return SortFindings(all)
}

// Counts tallies findings by severity and probes by status.
type Counts struct {
	Errors, Warnings, Infos int
	Passed, Failed, Warned  int
	Skipped                 int
}

// Count tallies the whole report.
func (r *Report) Count() Counts {
	var c Counts
	for _, f := range r.AllFindings() {
		switch f.Severity {
		case Error:
			c.Errors++
		case Warning:
			c.Warnings++
		default:
			c.Infos++
		}
	}
	for _, comp := range r.Components {
		for _, p := range comp.Probes {
			switch p.Status {
			case Pass:
				c.Passed++
			case Fail:
				c.Failed++
			case Warn:
				c.Warned++
			case Skip:
				c.Skipped++
			}
		}
	}
	return c
}

// Failed reports whether the run fails: a probe failed, or a finding is at
// or above FailOn. A warning probe fails the run only with --fail-on warning.
func (r *Report) Failed() bool {
	// Not AllFindings: the verdict needs no sorted copy of every finding.
	for _, c := range r.Components {
		for _, f := range c.Findings {
			if f.Severity >= r.FailOn {
				return true
			}
		}
	}
	for _, f := range r.ClusterFindings {
		if f.Severity >= r.FailOn {
			return true
		}
	}
	for _, comp := range r.Components {
		for _, p := range comp.Probes {
			if p.Status == Fail || (p.Status == Warn && r.FailOn <= Warning) {
				return true
			}
		}
	}
	return false
}

// Verdict is PASS, FAIL or WARN for the whole run.
func (r *Report) Verdict() Status {
	if r.Failed() {
		return Fail
	}
	c := r.Count()
	if c.Warnings > 0 || c.Warned > 0 {
		return Warn
	}
	return Pass
}

// Verdict is PASS, FAIL or WARN for one component under the given fail-on.
func (c *ComponentReport) Verdict(failOn Severity) Status {
	warn := false
	for _, f := range c.Findings {
		if f.Severity >= failOn {
			return Fail
		}
		if f.Severity >= Warning {
			warn = true
		}
	}
	for _, p := range c.Probes {
		if p.Status == Fail || (p.Status == Warn && failOn <= Warning) {
			return Fail
		}
		if p.Status == Warn {
			warn = true
		}
	}
	if warn {
		return Warn
	}
	return Pass
}

// SortFindings orders findings by file, line, column, rule and message and
// drops exact duplicates, as actionlint does.
func SortFindings(fs []Finding) []Finding {
	return SortFindingsInPlace(append([]Finding(nil), fs...))
}

// SortFindingsInPlace is SortFindings for a slice the caller owns: it is
// sorted and deduplicated where it is (a run over a thousand files copied
// every finding to sort it).
func SortFindingsInPlace(fs []Finding) []Finding {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := strings.Compare(a.Pos.File, b.Pos.File); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Pos.Line, b.Pos.Line); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Pos.Col, b.Pos.Col); c != 0 {
			return c
		}
		if c := strings.Compare(a.Rule, b.Rule); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	dedup := fs[:0]
	for i, f := range fs {
		if i > 0 && f.Pos == fs[i-1].Pos && f.Rule == fs[i-1].Rule && f.Message == fs[i-1].Message {
			continue
		}
		dedup = append(dedup, f)
	}
	return dedup
}

// GreptimeDBVersions lists the distinct releases the components were
// judged by, in the order they first appear, for writers that name them
// once per report (summaries, SARIF).
func (r *Report) GreptimeDBVersions() []GreptimeDBVersion {
	var out []GreptimeDBVersion
	seen := map[GreptimeDBVersion]bool{}
	for _, c := range r.Components {
		if c.GreptimeDB == nil || seen[*c.GreptimeDB] {
			continue
		}
		seen[*c.GreptimeDB] = true
		out = append(out, *c.GreptimeDB)
	}
	return out
}
