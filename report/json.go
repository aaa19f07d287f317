package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"
)

// JSONDetail is one check in a component's JSON report: a probe or a static
// finding. The field names are the documented schema (README).
type JSONDetail struct {
	Name       string    `json:"name"`
	Status     Status    `json:"status"`
	Message    string    `json:"message"`
	DurationMS float64   `json:"duration_ms"`
	Suggestion string    `json:"suggestion,omitempty"`
	Rule       string    `json:"rule,omitempty"`
	Severity   string    `json:"severity,omitempty"`
	Class      string    `json:"class,omitempty"`
	Key        string    `json:"key,omitempty"`
	Location   *Position `json:"location,omitempty"`
	Metrics    []Metric  `json:"metrics,omitempty"`
	// Fix is the edit stepstone fix makes for a finding.
	Fix *Fix `json:"fix,omitempty"`
	// Related are the other places of a grouped cross-file finding.
	Related []Related `json:"related,omitempty"`
}

// JSONComponent is one component's JSON report.
type JSONComponent struct {
	Component     string `json:"component"`
	ConfigFile    string `json:"config_file"`
	Timestamp     string `json:"timestamp"`
	OverallResult Status `json:"overall_result"`
	// Interrupted is set only on a report printed on its own (a
	// single-component command); in a JSONDocument the document says it.
	Interrupted     bool         `json:"interrupted,omitempty"`
	TotalChecks     int          `json:"total_checks"`
	PassedChecks    int          `json:"passed_checks"`
	FailedChecks    int          `json:"failed_checks"`
	WarningChecks   int          `json:"warning_checks"`
	TotalDurationMS float64      `json:"total_duration_ms"`
	Message         string       `json:"message"`
	Details         []JSONDetail `json:"details"`
	EffectiveValues Values       `json:"effective_values,omitzero"`
	// The release the config was judged by (absent when unknown).
	*GreptimeDBVersion
}

// JSONDocument is what `run` and `lint` print.
type JSONDocument struct {
	OverallResult   Status          `json:"overall_result"`
	Interrupted     bool            `json:"interrupted,omitempty"`
	Reports         []JSONComponent `json:"reports"`
	ClusterFindings []JSONDetail    `json:"cluster_findings"`
	// Impact is what a pull request changes in each config's effective
	// values (the Action, on a pull request); absent otherwise.
	Impact []ConfigChanges `json:"impact,omitempty"`
}

// ToJSON converts a report into the documented JSON shape.
func ToJSON(r *Report) JSONDocument {
	doc := JSONDocument{OverallResult: r.Verdict(), Interrupted: r.Interrupted, Reports: []JSONComponent{}, ClusterFindings: []JSONDetail{}}
	for i := range r.Components {
		doc.Reports = append(doc.Reports, componentJSON(r, &r.Components[i]))
	}
	for _, f := range r.ClusterFindings {
		doc.ClusterFindings = append(doc.ClusterFindings, findingDetail(f))
	}
	doc.Impact = r.Impact
	return doc
}

// WriteJSON writes the whole run as one document, streamed one component
// at a time (see streamJSON).
func WriteJSON(w io.Writer, r *Report) error {
	return streamJSON(w, r)
}

// WriteComponentJSON writes one component's report on its own, as the
// single-component commands (stepstone datanode -c ...) do.
func WriteComponentJSON(w io.Writer, r *Report) error {
	if len(r.Components) != 1 {
		return streamJSON(w, r)
	}
	c := componentJSON(r, &r.Components[0])
	c.Interrupted = r.Interrupted
	var e jsonEncoder
	e.component(&c, 0)
	if e.err != nil {
		return fmt.Errorf("could not write JSON report: %w", e.err)
	}
	e.b = append(e.b, '\n')
	if _, err := w.Write(e.b); err != nil {
		return fmt.Errorf("could not write JSON report: %w", err)
	}
	return nil
}

func componentJSON(r *Report, c *ComponentReport) JSONComponent {
	return componentJSONIn(r, c, nil)
}

// componentJSONIn is componentJSON with its details appended to details
// (empty; the streaming writer reuses one per component it encodes).
func componentJSONIn(r *Report, c *ComponentReport, details []JSONDetail) JSONComponent {
	if n := 1 + len(c.Findings) + len(c.Probes); cap(details) < n {
		details = make([]JSONDetail, 0, n)
	}
	ts := c.Timestamp
	if ts.IsZero() {
		ts = r.Started
	}
	out := JSONComponent{
		Component:         c.Component,
		ConfigFile:        c.ConfigFile,
		Timestamp:         ts.UTC().Format(time.RFC3339),
		OverallResult:     c.Verdict(r.FailOn),
		TotalDurationMS:   ms(c.Duration),
		Details:           details,
		EffectiveValues:   c.Values,
		GreptimeDBVersion: c.GreptimeDB,
	}
	findings := c.Findings
	if countAtLeast(findings, Warning) == 0 {
		out.Details = append(out.Details, JSONDetail{Name: "static-checks", Status: Pass, Message: "no errors or warnings in the config"})
	}
	for _, f := range findings {
		out.Details = append(out.Details, findingDetail(f))
	}
	for _, p := range c.Probes {
		pos := p.Pos
		d := JSONDetail{Name: p.Name, Status: p.Status, Message: p.Message, DurationMS: ms(p.Duration),
			Suggestion: p.Suggestion, Class: p.Class, Key: p.Key, Metrics: p.Metrics}
		if pos.File != "" {
			d.Location = &pos
		}
		out.Details = append(out.Details, d)
	}
	for _, d := range out.Details {
		out.TotalChecks++
		switch d.Status {
		case Pass:
			out.PassedChecks++
		case Fail:
			out.FailedChecks++
		case Warn:
			out.WarningChecks++
		}
	}
	out.Message = fmt.Sprintf("%d passed, %d failed, %d warning(s)", out.PassedChecks, out.FailedChecks, out.WarningChecks)
	return out
}

// findingDetail maps a finding onto a check: errors fail, warnings warn,
// info notes pass.
func findingDetail(f Finding) JSONDetail {
	status := Pass
	switch f.Severity {
	case Error:
		status = Fail
	case Warning:
		status = Warn
	}
	pos := f.Pos
	return JSONDetail{Name: f.Rule, Status: status, Message: f.Message, Suggestion: f.Suggestion,
		Rule: f.Rule, Severity: f.Severity.String(), Key: f.Key, Location: &pos, Fix: f.Fix, Related: f.Related}
}

func countAtLeast(fs []Finding, s Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity >= s {
			n++
		}
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// MarshalJSON writes a value JSON cannot hold (NaN or an infinity, say a
// rate over a zero duration) as null: encoding/json would otherwise fail
// the whole JSON or SARIF report over one number.
func (m Metric) MarshalJSON() ([]byte, error) {
	type plain Metric
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
		return json.Marshal(struct {
			Name  string   `json:"name"`
			Value *float64 `json:"value"`
			Unit  string   `json:"unit"`
		}{m.Name, nil, m.Unit})
	}
	return json.Marshal(plain(m))
}
