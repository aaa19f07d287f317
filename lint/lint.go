// Package lint holds stepstone's static rules: pure functions of loaded
// configs that return positioned findings. Each rule family lives in a file
// named after its lead rule id (unknown-key: unknown_key.go); Rules and
// ClusterRules below list them in the order they run. Nothing here talks
// to the network.
package lint

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/parallel"
	"github.com/stepstone-dev/stepstone/report"
)

// Rule is one static check of one file. ID never changes once released.
type Rule struct {
	report.Rule
	// Check inspects one file and reports through the context.
	Check func(c *Context)
	// Unusable says an error of this rule leaves the table holding its key
	// unusable (GreptimeDB would not start with it), so the live check of
	// that table is skipped rather than failing a second time.
	Unusable bool
}

// ClusterRule is a static check across every file checked together.
type ClusterRule struct {
	report.Rule
	Check func(c *ClusterContext)
}

// Rules lists every per-file rule in the order they run. Syntax comes first
// because the others need a parsed document.
var Rules = []*Rule{
	ruleSyntax,
	ruleDuplicateKey,
	ruleUnknownKey,
	ruleRenamedKey,
	ruleDeprecatedKey,
	ruleOtherComponentKey,
	ruleKeyNotForType,
	ruleTypeMismatch,
	ruleInvalidEnum,
	ruleInvalidDuration,
	ruleInvalidSize,
	ruleInvalidValue,
	ruleEnvUnknownKey,
	ruleEnvShadowed,
	ruleInvalidAddress,
	ruleUnspecifiedServerAddr,
	ruleStorageRequiredField,
	ruleMetadataStoreAddress,
	ruleStoreAddrsIgnored,
	ruleMemoryStore,
	ruleMaxTxnOps,
	ruleMaxMetadataValueSize,
	ruleFailoverLocalWAL,
	rulePlaintextSecret,
	ruleDeprecatedConflict,
	ruleTmpDataHome,
	ruleMissingNodeID,
	ruleMissingMetasrvAddrs,
	ruleIntOutOfRange,
	ruleListenAddrNotIP,
	ruleRequiredInSection,
	ruleEnterpriseOnly,
	ruleInvalidLogLevel,
	ruleRegionEngineOne,
	ruleAliasConflict,
	ruleTemplatePlaceholders,
}

// ClusterRules lists the rules that compare files with each other.
var ClusterRules = []*ClusterRule{
	ruleLoopbackServerAddr,
	ruleMetasrvAddrMismatch,
	ruleDuplicateNodeID,
	ruleStorageMismatch,
	ruleWALMismatch,
	ruleGCMismatch,
	rulePortClash,
}

// ClusterKeys are the keys the cluster rules read (schema keys, without
// array indexes; the deprecated top-level addresses included): a run over
// many files keeps only these of each file once it is linted
// (configs.File.Retain). TestClusterKeysSuffice holds every cluster rule
// to the list; a rule that reads another key adds it here.
var ClusterKeys = []string{
	"node_id", "meta_client.metasrv_addrs",
	"storage.type", "storage.bucket", "storage.container", "storage.root", "storage.endpoint",
	"wal.provider", "wal.broker_endpoints", "gc.enable", "region_engine.mito.gc.enable",
	"grpc.bind_addr", "grpc.server_addr", "http.addr", "http.enable_api_server", "http.api_server_addr",
	"mysql.enable", "mysql.addr", "postgres.enable", "postgres.addr", "internal_grpc.bind_addr",
	"bind_addr", "server_addr", "rpc_addr", "rpc_hostname",
}

// AllRules returns the metadata of every rule, per-file and cluster, in
// order, for `stepstone rules`, SARIF and docs/rules.md.
func AllRules() []report.Rule {
	var out []report.Rule
	for _, r := range Rules {
		out = append(out, r.Rule)
	}
	for _, r := range ClusterRules {
		out = append(out, r.Rule)
	}
	return out
}

// scratch is the room of a Context's per-key caches, kept between files.
type scratch struct {
	entries  []*configs.Entry
	classes  []classified
	specVals []valueRef
	// findings are gathered here and copied out at their size: growing
	// a new slice of them for every file copied each finding twice.
	findings []report.Finding
	// ignored is key-not-for-type's set of the keys it reports.
	ignored map[string]bool
}

// ignoredKeys returns the room's empty set of ignored keys.
func (s *scratch) ignoredKeys() map[string]bool {
	if s.ignored == nil {
		s.ignored = make(map[string]bool, 32)
	}
	return s.ignored
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// put takes back c's caches, cleared so that they hold no file alive.
func (s *scratch) put(c *Context) {
	clear(c.entries)
	clear(c.classes)
	clear(c.specVals)
	clear(c.findings)
	clear(s.ignored)
	if c.findings != nil {
		s.findings = c.findings[:0]
	}
	if c.entries != nil {
		s.entries = c.entries[:0]
	}
	if c.specVals != nil {
		s.specVals = c.specVals[:0]
	}
	s.classes = c.classes[:0]
	c.entries, c.classes, c.specVals, c.findings, c.room = nil, nil, nil, nil, nil
	scratchPool.Put(s)
}

// Context is what a rule sees of one file.
type Context struct {
	File   *configs.File
	Schema *configs.Schema
	// Env is the process environment (os.Environ form), for rules whose
	// answer depends on it (S3 region from AWS_REGION).
	Env      []string
	rule     *report.Rule
	findings []report.Finding
	// entries caches appendEntries(File): six rules walk it; classes holds
	// classifyKey of each, worked out once (seven rules ask).
	entries []*configs.Entry
	classes []classified
	// specVals caches specValues: eight rules walk it.
	specVals []valueRef
	// room is where the caches are built (nil: not yet built).
	room *scratch
	// listed counts each rule's findings; past MaxFindingsPerRule they are
	// only counted in unlisted, with the position of the first of them.
	listed   map[string]int
	unlisted map[string]*unlisted
}

type unlisted struct {
	n        int
	key      string
	severity report.Severity
}

// MaxFindingsPerRule is how many findings of one rule one file lists; the
// rest become a single finding that counts them. A file of 300,000
// unknown tables is one mistake repeated, and listing every one cost
// about 1 GB; a hundred show the pattern.
var MaxFindingsPerRule = 100

// Full reports whether the current rule has listed all it may for this
// file: a rule can then skip costly work (a did-you-mean) and call Report
// with an empty message, which only counts.
func (c *Context) Full() bool {
	return c.listed[c.rule.ID] >= MaxFindingsPerRule
}

// keyEntries returns the entries rules look at (appendEntries), once per file.
func (c *Context) keyEntries() []*configs.Entry {
	if c.entries == nil {
		c.entries = appendEntries(c.room.entries[:0], c.File)
	}
	return c.entries
}

type classified struct {
	cls  keyClass
	spec *configs.Spec
	done bool
}

// keyClass is classifyKey of the i-th of keyEntries, worked out once. Lint
// sizes the classes to the entries before any rule runs, so that this is
// small enough to inline: rules ask it a dozen times for every key.
func (c *Context) keyClass(i int) (keyClass, *configs.Spec) {
	k := &c.classes[i]
	if !k.done {
		c.classify(k, i)
	}
	return k.cls, k.spec
}

func (c *Context) classify(k *classified, i int) {
	e := c.entries[i]
	k.cls, k.spec = classifyKnown(c.Schema, e.SchemaKey(), c.File.EntrySpec(c.Schema, e))
	k.done = true
}

// Report adds a finding at key with the rule's severity. The message is
// built with fmt.Sprintf; the suggestion defaults to the rule's help.
func (c *Context) Report(key, suggestion, format string, args ...any) {
	c.ReportSeverity(c.rule.Severity, key, suggestion, format, args...)
}

// ReportSeverity adds a finding with an explicit severity.
func (c *Context) ReportSeverity(sev report.Severity, key, suggestion, format string, args ...any) {
	c.add(sev, key, atKey, suggestion, format, args...)
}

// where says what of a key a finding points at.
type where int

const (
	atKey   where = iota // the key through the end of its value
	atValue              // the value
	atFile               // the whole file (an env override has no line)
)

// locate returns the range of key for a finding at w, looking the key up
// in the index once; a key not written in the file falls back to its
// nearest written parent, else the whole file.
func (c *Context) locate(key string, w where) report.Range {
	if w == atFile {
		return report.Range{Start: report.Position{File: c.File.Path}}
	}
	if e, ok := c.File.Index().Get(key); ok {
		if w == atValue {
			return e.ValueRange()
		}
		return e.KeyRange()
	}
	return report.Range{Start: c.File.Pos(key)}
}

// add adds a finding and returns it, or returns nil when the rule is full
// and the finding was only counted.
func (c *Context) add(sev report.Severity, key string, w where, suggestion, format string, args ...any) *report.Finding {
	return c.addAt(sev, key, key, w, suggestion, format, args...)
}

// addAt is add for a finding about key that stands at another key, at.
func (c *Context) addAt(sev report.Severity, key, at string, w where, suggestion, format string, args ...any) *report.Finding {
	if c.listed == nil {
		c.listed = map[string]int{}
	}
	if c.Full() {
		if c.unlisted == nil {
			c.unlisted = map[string]*unlisted{}
		}
		u := c.unlisted[c.rule.ID]
		if u == nil {
			u = &unlisted{key: key, severity: sev}
			c.unlisted[c.rule.ID] = u
		}
		u.n++
		return nil
	}
	c.listed[c.rule.ID]++
	f := report.Finding{
		Rule:       c.rule.ID,
		Severity:   sev,
		Message:    oneLine(fmt.Sprintf(format, args...)),
		Suggestion: suggestion,
		Key:        key,
	}
	f.SetRange(c.locate(at, w))
	if f.Suggestion == "" {
		f.Suggestion = c.rule.Help
	}
	c.findings = append(c.findings, f)
	return &c.findings[len(c.findings)-1]
}

// ReportValue adds a finding positioned at the value of key rather than the
// key itself, for rules about what a value says.
func (c *Context) ReportValue(key, suggestion, format string, args ...any) {
	c.add(c.rule.Severity, key, atValue, suggestion, format, args...)
}

// ReportEnv adds a finding about an env override, which has no line: the
// whole file is the position and the message names the variable.
func (c *Context) ReportEnv(key, suggestion, format string, args ...any) {
	c.add(c.rule.Severity, key, atFile, suggestion, format, args...)
}

// listUnlisted adds, for each rule that went past MaxFindingsPerRule, one
// finding at the first unlisted key that says how many more there are.
func (c *Context) listUnlisted() {
	for _, r := range Rules {
		u := c.unlisted[r.ID]
		if u == nil {
			continue
		}
		c.findings = append(c.findings, report.Finding{
			Rule:     r.ID,
			Severity: u.severity,
			Message: fmt.Sprintf("%d more %s findings in this file are not listed (a rule lists at most %d a file); this is the first of them",
				u.n, r.ID, MaxFindingsPerRule),
			Suggestion: "fix the ones listed, which most likely share one cause, and run again",
			Key:        u.key,
			Pos:        c.File.Pos(u.key),
		})
	}
}

// Lint runs every per-file rule on f. env is the environment rules may
// consult; it is never printed.
func Lint(f *configs.File, env []string) []report.Finding {
	c := &Context{File: f, Schema: f.Schema(), Env: env}
	// The per-key caches are as long as the file: the room of the last
	// file linted is reused (they were a sixth of what a lint allocated).
	s := scratchPool.Get().(*scratch)
	defer s.put(c)
	c.room = s
	n := len(c.keyEntries())
	c.classes = slices.Grow(s.classes[:0], n)[:n]
	c.findings = s.findings[:0]
	for _, r := range Rules {
		if !f.Parsed() && r != ruleSyntax && r != ruleDuplicateKey {
			continue
		}
		c.rule = &r.Rule
		r.Check(c)
	}
	c.listUnlisted()
	// Unsorted: run sorts every report once.
	out := withoutPlaceholderValues(f, c.findings)
	if len(out) == 0 {
		return nil
	}
	return append(make([]report.Finding, 0, len(out)), out...)
}

// ClusterContext is what a cluster rule sees: every file checked together.
type ClusterContext struct {
	Files []*configs.File
	// Shown, when set, says which files are reported (the Action's
	// changed-only reads the others only for comparison): a grouped
	// finding is put on a shown file when one is in the group.
	Shown    func(*configs.File) bool
	rule     *report.Rule
	findings []report.Finding
	// hosts is multiHost's answer, worked out once for all the rules:
	// over a thousand files, each rule asking again was a rule's worth of
	// time.
	hosts func() string
}

// Report adds a finding at key in file f with the rule's severity.
func (c *ClusterContext) Report(f *configs.File, key, suggestion, format string, args ...any) {
	c.ReportSeverity(c.rule.Severity, f, key, suggestion, format, args...)
}

// ReportSeverity adds a finding with an explicit severity.
func (c *ClusterContext) ReportSeverity(sev report.Severity, f *configs.File, key, suggestion, format string, args ...any) {
	c.add(sev, f, key, suggestion, format, args...)
}

// ReportGroup adds one finding for a cause many files share, at key in f,
// with the other places as its related locations.
func (c *ClusterContext) ReportGroup(sev report.Severity, f *configs.File, key string, related []report.Related, format string, args ...any) {
	c.add(sev, f, key, "", format, args...).Related = related
}

func (c *ClusterContext) add(sev report.Severity, f *configs.File, key, suggestion, format string, args ...any) *report.Finding {
	if suggestion == "" {
		suggestion = c.rule.Help
	}
	c.findings = append(c.findings, report.Finding{
		Rule: c.rule.ID, Severity: sev, Message: oneLine(fmt.Sprintf(format, args...)),
		Suggestion: suggestion, Key: key, Pos: f.Pos(key),
	})
	return &c.findings[len(c.findings)-1]
}

// shown reports whether findings on f are reported.
func (c *ClusterContext) shown(f *configs.File) bool {
	return c.Shown == nil || c.Shown(f)
}

// relatedAt is the related place key in f, described by msg.
func relatedAt(f *configs.File, key, msg string) report.Related {
	return report.Related{Position: f.Pos(key), Key: key, Message: oneLine(msg)}
}

// ByComponent returns the parsed files of one component.
func (c *ClusterContext) ByComponent(comp configs.Component) []*configs.File {
	var out []*configs.File
	for _, f := range c.Files {
		if f.Component == comp && f.Parsed() {
			out = append(out, f)
		}
	}
	return out
}

// LintCluster runs the cluster rules over files checked together. A
// standalone is a whole cluster on its own, so it is never compared with
// the other files.
func LintCluster(files []*configs.File) []report.Finding {
	return LintClusterShown(files, nil)
}

// LintClusterShown is LintCluster when only the files shown says are
// reported: a finding about several files is put on a shown one.
func LintClusterShown(files []*configs.File, shown func(*configs.File) bool) []report.Finding {
	var cluster []*configs.File
	for _, f := range files {
		if f.Component != configs.Standalone {
			cluster = append(cluster, f)
		}
	}
	// The rules run on every core, each in a context of its own, and their
	// findings are put together in the rules' order: over a thousand files
	// they were a tenth of the run's time, on one core.
	found := make([][]report.Finding, len(ClusterRules))
	hosts := sync.OnceValue(func() string { return findMultiHost(cluster) })
	parallel.For(context.Background(), len(ClusterRules), func(i int) {
		r := ClusterRules[i]
		c := &ClusterContext{Files: cluster, Shown: shown, rule: &r.Rule, hosts: hosts}
		r.Check(c)
		found[i] = c.findings
	})
	var all []report.Finding
	for _, fs := range found {
		all = append(all, fs...)
	}
	return withoutClusterPlaceholders(files, all)
}

// oneLine keeps a message on one line: a key or a variable name may hold a
// line break (a quoted TOML key "a\nb", an env var name), which would
// otherwise start a line of its own in the text report. Control characters
// are written as Go escapes.
func oneLine(msg string) string {
	if !strings.ContainsFunc(msg, unicode.IsControl) {
		return msg
	}
	var b strings.Builder
	for _, r := range msg {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// quoteList renders values as "a", "b" or "c" for messages.
func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprintf("%q", v)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// UnusableTables returns, for findings of one file, the tables that an
// Unusable rule reported an error in, each with the message that says why.
func UnusableTables(fs []report.Finding) map[string]string {
	unusable := map[string]bool{}
	for _, r := range Rules {
		if r.Unusable {
			unusable[r.ID] = true
		}
	}
	out := map[string]string{}
	for _, f := range fs {
		if f.Severity != report.Error || !unusable[f.Rule] {
			continue
		}
		if i := strings.LastIndex(f.Key, "."); i > 0 {
			if _, seen := out[f.Key[:i]]; !seen {
				out[f.Key[:i]] = f.Message + " [" + f.Rule + "]"
			}
		}
	}
	return out
}
