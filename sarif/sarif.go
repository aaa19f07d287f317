// Package sarif writes a report as SARIF 2.1.0, the format GitHub code
// scanning and most other code-review tools import.
//
// The log is built from a few hand-written structs rather than a SARIF
// library, as golangci-lint does in pkg/printers/sarif.go: stepstone needs
// a small, fixed subset of the format, and GitHub documents which parts of it
// code scanning reads (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/stepstone-dev/stepstone/report"
)

const (
	// SchemaURI is written as the log's $schema.
	SchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	// Version is the SARIF version written.
	Version = "2.1.0"
	// InformationURI is the tool's home page in the log.
	InformationURI = "https://github.com/stepstone-dev/stepstone"

	// RulesDocURL is where a rule without its own URL is documented; the rule
	// ID is appended as the fragment.
	RulesDocURL = InformationURI + "/blob/main/docs/rules.md"

	// FingerprintKey names stepstone's entry in partialFingerprints. The
	// version suffix lets the recipe change later without GitHub matching
	// old and new hashes to each other.
	FingerprintKey = "stepstone/v1"

	// srcRoot is the conventional base ID for the repository root; GitHub
	// resolves relative URIs against the checkout.
	srcRoot = "%SRCROOT%"

	// probeRulePrefix starts the rule ID of a live check result.
	probeRulePrefix = "probe/"
)

// Options tune Write.
type Options struct {
	// WorkspaceRoot is the repository checkout (GITHUB_WORKSPACE). Paths
	// under it are written relative to it, which is what code scanning
	// needs to place a result on a file. Empty keeps paths as given.
	WorkspaceRoot string
}

// Write writes r as a SARIF 2.1.0 log with one run.
func Write(w io.Writer, r *report.Report, opts Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Messages quote config values such as "<stdin>"; keep them readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(build(r, opts)); err != nil {
		return fmt.Errorf("could not write SARIF: %w", err)
	}
	return nil
}

// The types below mirror the SARIF 2.1.0 schema; only what stepstone fills
// in is declared.

type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool               tool                        `json:"tool"`
	OriginalURIBaseIDs map[string]artifactLocation `json:"originalUriBaseIds,omitempty"`
	// Results is never nil: code scanning reads "results": [] as "clean",
	// which closes alerts that were fixed.
	Results []result `json:"results"`
	// configs counts columns in runes, which SARIF calls code points.
	ColumnKind string `json:"columnKind"`
	// Properties name the GreptimeDB releases the configs were judged by.
	Properties *runProperties `json:"properties,omitempty"`
}

type runProperties struct {
	GreptimeDBVersions []report.GreptimeDBVersion `json:"greptimedbVersions,omitempty"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []rule `json:"rules"`
}

type rule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     text            `json:"shortDescription"`
	FullDescription      text            `json:"fullDescription"`
	Help                 text            `json:"help"`
	HelpURI              string          `json:"helpUri"`
	DefaultConfiguration configuration   `json:"defaultConfiguration"`
	Properties           *ruleProperties `json:"properties,omitempty"`
}

type text struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type configuration struct {
	Level string `json:"level"`
}

type ruleProperties struct {
	Tags []string `json:"tags,omitempty"`
	// SecuritySeverity is a string on purpose: GitHub parses "8.0" into a
	// CVSS-like score and files the alert as high severity.
	SecuritySeverity string `json:"security-severity,omitempty"`
}

type result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             text              `json:"message"`
	Locations           []location        `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          *resultProperties `json:"properties,omitempty"`
	Fixes               []fix             `json:"fixes,omitempty"`
	Suppressions        []suppression     `json:"suppressions,omitempty"`
	// RelatedLocations are the other places of a grouped cross-file
	// finding (SARIF 2.1.0 §3.27.22).
	RelatedLocations []relatedLocation `json:"relatedLocations,omitempty"`
}

// relatedLocation is a location with the id and message SARIF gives a
// result's related locations (§3.28.2, §3.28.5).
type relatedLocation struct {
	ID               int              `json:"id"`
	PhysicalLocation physicalLocation `json:"physicalLocation"`
	Message          text             `json:"message"`
}

type resultProperties struct {
	Key       string          `json:"key,omitempty"`
	Component string          `json:"component,omitempty"`
	Probe     string          `json:"probe,omitempty"`
	Status    report.Status   `json:"status,omitempty"`
	Metrics   []report.Metric `json:"metrics,omitempty"`
}

type location struct {
	PhysicalLocation *physicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []logicalLocation `json:"logicalLocations,omitempty"`
}

// logicalLocation places a result on a live Kubernetes resource, which has
// no file and no lines (SARIF 2.1.0 §3.33).
type logicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// placeAt returns the locations of a result at pos and the path that goes
// into its fingerprint: a live resource gets a logical location (its
// namespace/kind/name, the field and the line inside a config string), a
// file a physical one with the region r.
func placeAt(root string, pos report.Position, r report.Range) ([]location, string) {
	if ns, name, field, ok := report.LiveResource(pos.File); ok {
		fqn := ns + "/" + strings.TrimSuffix(report.ResourcePrefix, "/") + "/" + name
		leaf := name
		if field != "" {
			fqn += "/" + field
			leaf = field
			if pos.Line > 0 {
				leaf = fmt.Sprintf("%s:%d", field, pos.Line)
				fqn += fmt.Sprintf(":%d", pos.Line)
				if pos.Col > 0 {
					fqn += fmt.Sprintf(":%d", pos.Col)
				}
			}
		}
		return []location{{LogicalLocations: []logicalLocation{{Name: leaf, FullyQualifiedName: fqn, Kind: "resource"}}}}, fqn
	}
	uri, rel := artifact(root, pos.File)
	if uri.URI == "" {
		return nil, rel
	}
	return []location{{PhysicalLocation: &physicalLocation{ArtifactLocation: uri, Region: regionFor(r)}}}, rel
}

type physicalLocation struct {
	ArtifactLocation artifactLocation `json:"artifactLocation"`
	Region           *region          `json:"region,omitempty"`
}

type artifactLocation struct {
	URI         string `json:"uri,omitempty"`
	URIBaseID   string `json:"uriBaseId,omitempty"`
	Description *text  `json:"description,omitempty"`
}

// containerWorkspace is where GitHub's runner mounts the checkout inside a
// container action: a path of the container, which means nothing to a
// SARIF viewer on the host.
const containerWorkspace = "/github/workspace"

type region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

// build turns r into the log. It is deterministic: the same report always
// gives the same bytes, which keeps goldens and uploads stable.
func build(r *report.Report, opts Options) sarifLog {
	name := r.Tool
	if name == "" {
		name = "stepstone"
	}
	var rules []rule
	index := map[string]int{}
	addRule := func(ru rule) {
		if _, ok := index[ru.ID]; ok {
			return
		}
		index[ru.ID] = len(rules)
		rules = append(rules, ru)
	}
	for _, ru := range r.Rules {
		addRule(ruleFor(ru))
	}

	results := []result{}
	findings := append(r.AllFindings(), suppressedFindings(r)...)
	// A finding from a rule that did not declare itself still needs a rule
	// entry, or ruleIndex would point nowhere.
	var missing []string
	for _, f := range findings {
		if _, ok := index[f.Rule]; !ok {
			missing = append(missing, f.Rule)
		}
	}
	sort.Strings(missing)
	for _, id := range missing {
		addRule(ruleFor(report.Rule{ID: id, Severity: report.Warning, Summary: id}))
	}
	for _, f := range findings {
		results = append(results, findingResult(f, index[f.Rule], opts))
	}

	// Live checks come after static findings, each filed under one rule per
	// failure class so that code scanning groups "refused" apart from "auth".
	var probes []result
	var probeRules []string
	seen := map[string]bool{}
	for _, c := range r.Components {
		for _, p := range c.Probes {
			sev, ok := p.Status.Severity()
			if !ok {
				continue
			}
			id := probeRuleID(p.Class)
			if !seen[id] {
				seen[id] = true
				probeRules = append(probeRules, id)
			}
			probes = append(probes, probeResult(c, p, sev, id, opts))
		}
	}
	sort.Strings(probeRules)
	for _, id := range probeRules {
		addRule(probeRule(id))
	}
	for _, p := range probes {
		p.RuleIndex = index[p.RuleID]
		results = append(results, p)
	}

	if rules == nil {
		rules = []rule{}
	}
	rn := run{
		Tool: tool{Driver: driver{
			Name:           name,
			Version:        r.Version,
			InformationURI: InformationURI,
			Rules:          rules,
		}},
		Results:    results,
		ColumnKind: "unicodeCodePoints",
	}
	if vs := r.GreptimeDBVersions(); len(vs) > 0 {
		rn.Properties = &runProperties{GreptimeDBVersions: vs}
	}
	switch root := opts.WorkspaceRoot; {
	case root == "":
	case filepath.Clean(root) == containerWorkspace:
		// Inside the action's container the checkout's host path is not
		// known: SRCROOT stays undefined (SARIF 2.1.0 §3.14.14), and the
		// results' relative URIs are what code scanning reads.
		rn.OriginalURIBaseIDs = map[string]artifactLocation{srcRoot: {
			Description: &text{Text: "the repository checkout (GITHUB_WORKSPACE)"}}}
	default:
		rn.OriginalURIBaseIDs = map[string]artifactLocation{srcRoot: {URI: dirURI(root)}}
	}
	return sarifLog{Schema: SchemaURI, Version: Version, Runs: []run{rn}}
}

func ruleFor(ru report.Rule) rule {
	summary := ru.Summary
	if summary == "" {
		summary = ru.ID
	}
	help := ru.Help
	if help == "" {
		help = summary
	}
	uri := ru.URL
	if uri == "" {
		uri = RulesDocURL + "#" + ru.ID
	}
	out := rule{
		ID:               ru.ID,
		Name:             pascalCase(ru.ID),
		ShortDescription: text{Text: summary},
		FullDescription:  text{Text: summary + ": " + help},
		Help: text{
			Text:     help,
			Markdown: fmt.Sprintf("**%s**\n\n%s\n\n[Documentation](%s)", escapeMarkdown(summary), escapeMarkdown(help), uri),
		},
		HelpURI:              uri,
		DefaultConfiguration: configuration{Level: ru.Severity.SARIFLevel()},
	}
	if ru.Security {
		out.Properties = &ruleProperties{Tags: []string{"security"}, SecuritySeverity: "8.0"}
	}
	return out
}

func probeRuleID(class string) string {
	if class == "" {
		class = "other"
	}
	return probeRulePrefix + class
}

func probeRule(id string) rule {
	class := strings.TrimPrefix(id, probeRulePrefix)
	summary, ok := report.ClassSummary(class)
	if !ok {
		summary = fmt.Sprintf("a live check of a dependency failed (%s)", class)
	}
	ru := ruleFor(report.Rule{
		ID:       id,
		Severity: report.Error,
		Summary:  summary,
		Help:     "stepstone checked a dependency named in the config and the check did not pass; the result says what happened and what to look at",
		URL:      InformationURI + "/blob/main/docs/probes.md#" + class,
	})
	ru.Properties = &ruleProperties{Tags: []string{"live-check"}}
	return ru
}

func findingResult(f report.Finding, ruleIndex int, opts Options) result {
	locs, rel := placeAt(opts.WorkspaceRoot, f.Pos, f.Range())
	msg := f.Message
	if f.Suggestion != "" {
		msg += "\n" + f.Suggestion
	}
	res := result{
		RuleID:              f.Rule,
		RuleIndex:           ruleIndex,
		Level:               f.Severity.SARIFLevel(),
		Message:             text{Text: msg},
		PartialFingerprints: map[string]string{FingerprintKey: fingerprint(f.Rule, rel, f.Key, f.Message)},
	}
	if f.Key != "" {
		res.Properties = &resultProperties{Key: f.Key}
	}
	res.Locations = locs
	res.Fixes = fixesFor(f, fixArtifact(locs))
	res.Suppressions = suppressionsFor(f)
	res.RelatedLocations = relatedFor(f, opts)
	return res
}

// relatedFor lists a grouped finding's other places, numbered from 1 in
// the finding's order, located as a result's own location is.
func relatedFor(f report.Finding, opts Options) []relatedLocation {
	var out []relatedLocation
	for _, r := range f.Related {
		uri, _ := artifact(opts.WorkspaceRoot, r.File)
		if uri.URI == "" {
			continue
		}
		out = append(out, relatedLocation{
			ID:               len(out) + 1,
			PhysicalLocation: physicalLocation{ArtifactLocation: uri, Region: regionFor(report.Range{Start: r.Position})},
			Message:          text{Text: r.Message},
		})
	}
	return out
}

func probeResult(c report.ComponentReport, p report.ProbeResult, sev report.Severity, ruleID string, opts Options) result {
	pos := p.Pos
	if pos.File == "" {
		// A probe without its own position is about the whole config.
		pos = report.Position{File: c.ConfigFile}
	}
	locs, rel := placeAt(opts.WorkspaceRoot, pos, report.Range{Start: pos})
	msg := p.Name + ": " + p.Message
	if p.Suggestion != "" {
		msg += "\n" + p.Suggestion
	}
	res := result{
		RuleID:  ruleID,
		Level:   sev.SARIFLevel(),
		Message: text{Text: msg},
		// Probe messages carry addresses, timings and server errors that
		// change between runs, so the identity is the probe, not its text.
		PartialFingerprints: map[string]string{FingerprintKey: fingerprint(ruleID, rel, p.Key, p.Name)},
		Properties: &resultProperties{
			Key:       p.Key,
			Component: c.Component,
			Probe:     p.Name,
			Status:    p.Status,
			Metrics:   p.Metrics,
		},
	}
	res.Locations = locs
	return res
}

// fixArtifact is the file a result's fixes edit: its physical location's;
// a live resource has none, so its findings carry no fixes.
func fixArtifact(locs []location) artifactLocation {
	if len(locs) == 0 || locs[0].PhysicalLocation == nil {
		return artifactLocation{}
	}
	return locs[0].PhysicalLocation.ArtifactLocation
}

// regionFor always returns a region: GitHub rejects results it cannot place
// on a line, so a whole-file range becomes line 1 without columns.
func regionFor(r report.Range) *region {
	r = r.Normalize()
	return &region{StartLine: max(r.Start.Line, 1), StartColumn: r.Start.Col, EndLine: r.End.Line, EndColumn: r.End.Col}
}

// artifact returns the artifact location for file and the path that goes
// into fingerprints (repository-relative when possible).
func artifact(root, file string) (artifactLocation, string) {
	p, rel := report.RepoPath(root, file)
	if p == "" {
		return artifactLocation{}, ""
	}
	if !rel {
		// Outside the checkout: an absolute file URI, which code scanning
		// keeps but cannot show on a file.
		u := url.URL{Scheme: "file", Path: p}
		return artifactLocation{URI: u.String()}, p
	}
	u := url.URL{Path: p}
	return artifactLocation{URI: u.String(), URIBaseID: srcRoot}, p
}

// dirURI turns a directory into the file:// URI, with the trailing slash
// SARIF requires of a base URI.
func dirURI(dir string) string {
	p := filepath.ToSlash(filepath.Clean(dir))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// fingerprint identifies a result across runs. Line numbers are left out on
// purpose: adding a line above a finding must not turn it into a new alert.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		// The separator keeps ("ab", "c") apart from ("a", "bc").
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// escapeMarkdown backslash-escapes the punctuation that Markdown would read
// as markup, so that help such as "GREPTIMEDB_<COMPONENT>__<KEY>" shows as
// written instead of as an HTML tag. CommonMark allows a backslash before any
// ASCII punctuation.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]<>()#+!|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pascalCase turns "wal-dir-in-tmp" into "WalDirInTmp", the identifier-like
// form SARIF suggests for reportingDescriptor.name.
func pascalCase(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
