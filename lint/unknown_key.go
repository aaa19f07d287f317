package lint

import (
	"fmt"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// GreptimeDB ignores keys it does not know (no option struct denies unknown
// fields), so a typo silently leaves the default in place. These rules are
// the main thing stepstone adds over starting the server.

var ruleUnknownKey = &Rule{
	Rule: report.Rule{
		ID:       "unknown-key",
		Severity: report.Error,
		Summary:  "a key this component does not read (GreptimeDB silently ignores it)",
		Help:     "fix the spelling or remove the key; GreptimeDB ignores unknown keys and keeps the default",
		URL:      "https://docs.greptime.com/user-guide/deployments-administration/configuration",
	},
	Check: func(c *Context) {
		for i, e := range c.keyEntries() {
			sk := e.SchemaKey()
			// A quoted dotted key is read as nested; below a table no file
			// line writes, nothing else would report it.
			if cls, _ := c.keyClass(i); cls != keyUnknown && (cls != keyHidden || !strings.Contains(e.Key, `"`)) {
				continue
			}
			if r, _ := findRename(c.File.Component, sk); r != nil && r.AppliesAt(c.File.Version) {
				continue // renamed-key or deprecated-key reports it
			}
			if len(otherComponents(c.File.Component, sk)) > 0 {
				continue // other-component-key reports it
			}
			if c.Full() {
				c.Report(e.Key, "", "") // counted, not listed: skip the did-you-mean
				continue
			}
			msg := fmt.Sprintf("%s is not a %s option", displayKey(e.Key), c.File.Component)
			help := c.rule.Help
			if note := configs.KeyHistory(c.File.Version, c.File.Component, sk); note != "" {
				// Another release reads it: say which, in installable versions.
				c.Report(e.Key, "use a key GreptimeDB "+c.File.Version.String()+" reads, or check --greptimedb-version", "%s is not read by GreptimeDB %s: %s", displayKey(e.Key), c.File.Version, note)
				continue
			}
			if dym := didYouMean(c.Schema, sk); dym != "" {
				msg += fmt.Sprintf(": did you mean %s?", dym)
				help = fmt.Sprintf("rename the key to %s", dym)
				if strings.HasPrefix(leaf(sk), `"`) {
					help = fmt.Sprintf("write %s without quotes: a quoted key is one key, dots and all", dym)
				}
			}
			c.Report(e.Key, help, "%s", msg)
		}
	},
}

var ruleRenamedKey = &Rule{
	Rule: report.Rule{
		ID:       "renamed-key",
		Severity: report.Error,
		Summary:  "a key GreptimeDB renamed or removed and no longer reads",
		Help:     "use the new key name; the old one is silently ignored",
		URL:      "https://github.com/GreptimeTeam/greptimedb/releases",
	},
	Check: func(c *Context) { reportRenames(c, false) },
}

var ruleDeprecatedKey = &Rule{
	Rule: report.Rule{
		ID:       "deprecated-key",
		Severity: report.Warning,
		Summary:  "a deprecated key GreptimeDB still reads, for now",
		Help:     "move the value to the new key; the old one still overrides it but will be removed",
	},
	Check: func(c *Context) {
		reportRenames(c, true)
		for i, e := range c.keyEntries() {
			if _, sp := c.keyClass(i); sp != nil && sp.Deprecated != "" {
				// The catalog writes "use <new key>"; say "use" once.
				instead := strings.TrimPrefix(sp.Deprecated, "use ")
				c.Report(e.Key, "use "+instead+" instead", "%s is deprecated: use %s", displayKey(e.Key), instead)
			}
		}
	},
}

// reportRenames reports keys matched by the rename table, honoured ones
// (deprecated) or ignored ones (renamed), once per renamed table.
func reportRenames(c *Context, honoured bool) {
	for i, e := range c.keyEntries() {
		sk := e.SchemaKey()
		if cls, _ := c.keyClass(i); cls == keyKnown || cls == keyFree {
			continue
		}
		r, exact := findRename(c.File.Component, sk)
		if r == nil || r.Honoured != honoured || !r.AppliesAt(c.File.Version) {
			continue
		}
		// Below a renamed table, report the table only, if it is written.
		if !exact {
			if pr, _ := findRename(c.File.Component, schemaParent(sk)); pr == r {
				continue
			}
		}
		c.Report(e.Key, renameHelp(r), "%s", renameMessage(e.Key, r))
	}
}

func renameMessage(key string, r *configs.Rename) string {
	old := displayKey(key)
	var b strings.Builder
	switch {
	case r.New == "":
		fmt.Fprintf(&b, "%s was removed", old)
	default:
		fmt.Fprintf(&b, "%s was renamed to %s", old, renamedKey(old, r))
	}
	if r.Version != "" {
		fmt.Fprintf(&b, " %s", r.When())
	}
	if r.Honoured {
		b.WriteString(" (still read, deprecated)")
	} else {
		b.WriteString(" and is ignored")
	}
	if r.Note != "" {
		b.WriteString(": " + r.Note)
	}
	return b.String()
}

// renamedKey maps a key below a renamed table onto the new table:
// "http_options.addr" under http_options -> http becomes "http.addr".
func renamedKey(old string, r *configs.Rename) string {
	oldBase := displayKey(r.Old)
	if old != oldBase && strings.HasPrefix(old, oldBase+".") && !strings.ContainsAny(r.New, " ,") {
		return r.New + old[len(oldBase):]
	}
	return r.New
}

func renameHelp(r *configs.Rename) string {
	if r.New == "" {
		return "remove the key; GreptimeDB no longer reads it"
	}
	return "use " + r.New + " instead"
}

var ruleOtherComponentKey = &Rule{
	Rule: report.Rule{
		ID:       "other-component-key",
		Severity: report.Warning,
		Summary:  "a key that another component reads, but not this one",
		Help:     "move the key to the config of the component that reads it, or remove it",
	},
	Check: func(c *Context) {
		for i, e := range c.keyEntries() {
			sk := e.SchemaKey()
			if cls, _ := c.keyClass(i); cls != keyUnknown {
				continue
			}
			if r, _ := findRename(c.File.Component, sk); r != nil && r.AppliesAt(c.File.Version) {
				continue
			}
			others := otherComponents(c.File.Component, sk)
			if len(others) == 0 {
				continue
			}
			help := c.rule.Help
			if dym := didYouMean(c.Schema, sk); dym != "" && dym != displayKey(sk) {
				help = fmt.Sprintf("a %s reads %s instead; otherwise move the key to the %s config", c.File.Component, dym, others[0])
			}
			c.Report(e.Key, help, "%s is a %s option; a %s ignores it", displayKey(e.Key), strings.Join(others, " and "), c.File.Component)
		}
	},
}

// storageBlock returns the canonical prefix of the storage table a key is
// in ("storage" or "storage.providers[2]"), or "".
func storageBlock(key string) string {
	if strings.HasPrefix(key, "storage.providers[") {
		if i := strings.IndexByte(key, ']'); i > 0 {
			return key[:i+1]
		}
	}
	if strings.HasPrefix(key, "storage.") {
		return "storage"
	}
	return ""
}

// storageType is the effective type of a storage block: the file, an env
// override for [storage], or GreptimeDB's default File.
func storageType(f *configs.File, block string) string {
	if t, _, ok := f.LookupString(block + ".type"); ok {
		return t
	}
	return "File"
}

// walProvider is the effective WAL provider.
func walProvider(f *configs.File) string {
	if p, _, ok := f.LookupString("wal.provider"); ok {
		return p
	}
	return "raft_engine"
}

var ruleKeyNotForType = &Rule{
	Rule: report.Rule{
		ID:       "key-not-for-type",
		Severity: report.Warning,
		Summary:  "storage or WAL keys that the configured type or provider does not read",
		Help:     "remove the keys, or set the type or provider that reads them",
	},
	Check: func(c *Context) {
		// Keys a type does not read are grouped per table: GreptimeDB's own
		// examples list every storage and Kafka key, and one finding per
		// key would bury the ones that matter.
		type group struct {
			first  string // canonical key of the first ignored key
			names  []string
			reads  string // what reads them, for the help
			header string // the setting that decides: `storage.type is "File"`
		}
		var order []string
		groups := map[string]*group{}
		// header is worked out for a group's first key only.
		add := func(gk, key, reads string, header func() string) {
			g := groups[gk]
			if g == nil {
				g = &group{first: key, reads: reads, header: header()}
				groups[gk] = g
				order = append(order, gk)
			}
			g.names = append(g.names, leaf(key))
		}
		// Only storage and WAL keys are ignored, and keys below them: a
		// key elsewhere is not looked up (a hash of every key was a
		// quarter of this rule).
		// The room's map, cleared after each file: most datanode
		// configs ignore a score of keys.
		ignored := c.room.ignoredKeys()
		ignore := func(key string) { ignored[key] = true }
		// Each storage block's type, looked up once: the upstream examples
		// write a dozen keys of every storage type in one block.
		var lastBlock, lastType, walType string
		for i, e := range c.keyEntries() {
			mayBeBelow := len(ignored) > 0 && (strings.HasPrefix(e.Key, "storage.") || strings.HasPrefix(e.Key, "wal."))
			if mayBeBelow && ignored[schemaParentCanonical(e.Key)] {
				ignore(e.Key) // below an ignored table: the table says it
				continue
			}
			_, sp := c.keyClass(i)
			if sp == nil {
				continue
			}
			if block := storageBlock(e.Key); block != "" && len(sp.StorageTypes) > 0 {
				if block != lastBlock {
					lastBlock, lastType = block, storageType(c.File, block)
				}
				typ := lastType
				backend, known := configs.BackendFor(typ)
				if contains(sp.StorageTypes, typ) || !known {
					continue
				}
				ignore(e.Key)
				if alt, ok := backend.WrongField[leaf(e.Key)]; ok {
					// The operator clearly meant the other field, so the
					// value they wanted is missing: that fails at start.
					c.ReportSeverity(report.Error, e.Key, fmt.Sprintf("rename the key to %s.%s", displayKey(block), alt),
						"%s is not read when %s.type is %q: %s uses %s", displayKey(e.Key), displayKey(block), typ, typ, alt)
					continue
				}
				add(block, e.Key, "other storage types", func() string { return fmt.Sprintf("%s.type is %q", displayKey(block), typ) })
				continue
			}
			if strings.HasPrefix(e.Key, "wal.") && len(sp.WALProviders) > 0 {
				if walType == "" {
					walType = walProvider(c.File)
				}
				if p := walType; !contains(sp.WALProviders, p) && contains([]string{"raft_engine", "kafka", "noop"}, p) {
					ignore(e.Key)
					add("wal", e.Key, "another WAL provider", func() string { return fmt.Sprintf("wal.provider is %q", p) })
				}
			}
		}
		for _, gk := range order {
			g := groups[gk]
			what := fmt.Sprintf("%s is not read", displayKey(g.first))
			if len(g.names) > 1 {
				what = fmt.Sprintf("%d keys are not read (%s)", len(g.names), shortList(g.names, 6))
			}
			c.Report(g.first, fmt.Sprintf("remove them, or set the type that reads them; GreptimeDB ignores them here (they are for %s)", g.reads),
				"%s when %s", what, g.header)
		}
	},
}

// schemaParentCanonical returns the parent of a canonical key, keeping
// array indexes: "storage.http_client.timeout" -> "storage.http_client".
func schemaParentCanonical(key string) string {
	if i := configs.LastDot(key); i >= 0 {
		return key[:i]
	}
	return ""
}

// shortList names up to n items and counts the rest.
func shortList(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
