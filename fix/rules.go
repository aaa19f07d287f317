package fix

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/stepstone-dev/stepstone/configs"
)

// Fixable lists the rules whose findings stepstone fix can repair (some of
// their findings only: a rename that merges or splits keys has no one
// right answer and is left alone).
var Fixable = map[string]string{
	"renamed-key":      "renames the key, moving it into its new table, or deletes a removed key with its line",
	"deprecated-key":   "renames the key when the new one is not written too",
	"invalid-enum":     `respells the value when it differs only in case, "-", "_" or spaces ("s3" -> "S3")`,
	"invalid-size":     `respells the unit when it differs only in case ("1gb" -> "1GB")`,
	"invalid-duration": `respells the unit when it differs only in case ("10S" -> "10s"; never M) and turns a fraction into a whole smaller unit ("1.5s" -> "1500ms")`,
	"type-mismatch":    `writes 0 where a duration is required as "0s"`,
	"key-not-for-type": "renames an Oss secret_access_key to access_key_secret",
	"toml-syntax":      "rewrites TOML 1.1-only syntax (inline tables over several lines or with a trailing comma, \\e and \\x escapes) as TOML 1.0",
}

// noOneAnswer lists renames that are not one key for one key: merged or
// split keys, or a value whose meaning changed. Their findings stay.
var noOneAnswer = map[string]bool{
	"runtime.read_rt_size":                                  true,
	"runtime.write_rt_size":                                 true,
	"runtime.bg_rt_size":                                    true,
	"region_engine[].mito.max_background_jobs":              true,
	"region_engine[].mito.manifest_compress_type":           true,
	"wal.trigger_flush_threshold":                           true,
	"region_engine[].mito.inverted_index.intermediate_path": true,
}

// Compute returns the fixes for a loaded file; none when the file does not
// parse (then only toml-syntax can say what is wrong) or has nothing to
// fix. Edits are byte ranges of f.Source.
func Compute(f *configs.File) []Fix { return compute(f, nil, true) }

// Which producer makes which rule's fixes, so that Attach works out only
// the fixes a finding can take. Each producer reads the layout alone, so
// leaving one out changes nothing in the others' fixes.
var (
	renameRules = []string{"renamed-key", "deprecated-key"}
	valueRules  = []string{"invalid-enum", "invalid-size", "invalid-duration", "type-mismatch"}
	ossRules    = []string{"key-not-for-type"}
)

// compute is Compute for the rules in want (every rule when want is nil),
// with the TOML 1.1 rewrites when syntax is set.
func compute(f *configs.File, want map[string]bool, syntax bool) []Fix {
	wants := func(rules []string) bool {
		if want == nil {
			return true
		}
		for _, r := range rules {
			if want[r] {
				return true
			}
		}
		return false
	}
	src := f.Source
	bom := 0
	if bytes.HasPrefix(src, []byte("\ufeff")) {
		bom = 3
	}
	body := src[bom:]
	var fixes []Fix
	if syntax {
		fixes = syntax11(body)
	}
	renames, values, oss := wants(renameRules), wants(valueRules), wants(ossRules)
	if f.Parsed() && (renames || values || oss) {
		if lay := parseLayout(body); lay != nil {
			p := &producer{lay: lay, comp: f.Component, schema: configs.SchemaFor(f.Component), file: f}
			if renames {
				p.renames()
			}
			if values {
				p.values()
			}
			if oss {
				p.ossSecret()
			}
			fixes = append(fixes, p.fixes...)
		}
	}
	if bom > 0 {
		for i := range fixes {
			for j := range fixes[i].Edits {
				fixes[i].Edits[j].Start += bom
				fixes[i].Edits[j].End += bom
			}
		}
	}
	return fixes
}

type producer struct {
	lay    *layout
	comp   configs.Component
	schema *configs.Schema
	file   *configs.File
	fixes  []Fix
	// created holds the tables a fix appends a header for, so that two
	// keys moved into one new table share one header.
	created map[string]int
}

func (p *producer) add(rule, key, desc string, edits ...Edit) {
	p.fixes = append(p.fixes, Fix{Rule: rule, Key: key, Description: desc, Edits: edits})
}

// target says where a key GreptimeDB no longer reads (or reads but
// deprecates) should go: newKey, "" when it was removed; ok is false when
// the key is current, unknown, or has no one right answer.
type target struct {
	rule, old, newKey, version string
}

func (p *producer) target(sk string) (target, bool) {
	if sp := p.schema.Lookup(sk); sp != nil {
		if sp.Deprecated == "" || !strings.HasPrefix(sp.Deprecated, "use ") || noOneAnswer[sk] {
			return target{}, false
		}
		nk := strings.TrimPrefix(sp.Deprecated, "use ")
		if p.schema.Lookup(nk) == nil {
			// The catalog writes region_engine.mito.x for the array.
			nk = strings.Replace(nk, "region_engine.", "region_engine[].", 1)
		}
		if p.schema.Lookup(nk) == nil {
			return target{}, false
		}
		return target{rule: "deprecated-key", old: sk, newKey: nk}, true
	}
	r, newKey, ok := configs.FindRename(p.comp, sk)
	if !ok || noOneAnswer[r.Old] {
		return target{}, false
	}
	return target{rule: ruleFor(r), old: r.Old, newKey: newKey, version: r.Version}, true
}

func ruleFor(r configs.Rename) string {
	if r.Honoured {
		return "deprecated-key"
	}
	return "renamed-key"
}

// renames handles renamed-key and deprecated-key.
func (p *producer) renames() {
	lay := p.lay
	renamed := map[*section]string{} // section -> its new canonical path
	removed := map[*section]bool{}
	for _, s := range lay.sections {
		if !s.header || s.array {
			continue
		}
		tg, ok := p.target(configs.SchemaKey(s.path))
		if !ok {
			continue
		}
		if tg.newKey == "" {
			// Sections are flat, so a removed table's sub-tables are
			// deleted each on its own. Keys below with a rename of their
			// own move out first, in the same fix.
			removed[s] = true
			edits := []Edit{{Start: lay.blankBefore(s.start, s.end(lay)), End: s.end(lay)}}
			for _, kv := range s.keys {
				kt, ok := p.target(configs.SchemaKey(kv.key))
				if !ok || kt.newKey == "" || kt.old == tg.old {
					continue
				}
				if ins, ok := p.moveEdits(kv, kt); ok {
					edits = append(edits, ins...)
				}
			}
			p.add(tg.rule, s.path, fmt.Sprintf("delete [%s]%s", s.path, removedIn(tg.version)), edits...)
			continue
		}
		if strings.Contains(tg.newKey, "[]") || strings.Contains(s.path, "[") || lay.has(tg.newKey) {
			continue // into an array of tables, or both written: no one answer
		}
		// Only the header changes; keys below keep their names unless a
		// more specific rename covers them (handled with the keys).
		first, last := s.parts[0], s.parts[len(s.parts)-1]
		renamed[s] = tg.newKey
		p.add(tg.rule, s.path, fmt.Sprintf("rename [%s] to [%s]", s.path, tg.newKey),
			Edit{Start: first.start, End: last.end, Text: tg.newKey})
	}
	for _, s := range lay.sections {
		if removed[s] {
			continue
		}
		table := s.path
		if nk, ok := renamed[s]; ok {
			table = nk
		}
		for _, kv := range s.keys {
			p.renameKey(s, table, kv)
		}
	}
}

func removedIn(version string) string {
	if version == "" {
		return ""
	}
	return ", removed in GreptimeDB " + version
}

// renameKey fixes one key/value of section s, whose table is now table.
func (p *producer) renameKey(s *section, table string, kv *keyVal) {
	lay := p.lay
	sk := configs.SchemaKey(kv.key)
	tg, ok := p.target(sk)
	if !ok {
		return
	}
	// Below a renamed table, only keys with their own rename change.
	if tg.old != sk && s.header && covers(tg.old, configs.SchemaKey(s.path)) {
		return
	}
	if tg.newKey == "" {
		from, to := kv.lines(lay)
		p.add(tg.rule, kv.key, fmt.Sprintf("delete %s%s", kv.key, removedIn(tg.version)), Edit{Start: from, End: to})
		return
	}
	if strings.Contains(kv.key, "[") && !strings.Contains(tg.newKey, "[]") {
		return
	}
	value, ok := p.newValue(kv, tg)
	if !ok {
		return
	}
	desc := fmt.Sprintf("rename %s to %s", kv.key, tg.newKey)
	tableSK := configs.SchemaKey(table)
	oldRel, newRel := relTo(configs.SchemaKey(s.path), sk), relTo(tableSK, tg.newKey)
	if oldRel != "" && newRel != "" {
		oldParent, _ := splitLast(oldRel)
		newParent, newLeaf := splitLast(newRel)
		if oldParent == newParent {
			// Same table: rewrite the last part of the key in place.
			last := kv.parts[len(kv.parts)-1]
			edits := []Edit{{Start: last.start, End: last.end, Text: configs.QuotePart(newLeaf)}}
			if value != string(lay.src[kv.vstart:kv.end]) {
				edits = append(edits, Edit{Start: kv.vstart, End: kv.end, Text: value})
			}
			p.add(tg.rule, kv.key, desc, edits...)
			return
		}
	}
	// Another table: delete the line and append the key under the new
	// table's header, writing the header when the file has none.
	ins, ok := p.moveEdits(kv, tg)
	if !ok {
		return
	}
	from, to := kv.lines(lay)
	newTable, _ := splitLast(tg.newKey)
	where := "the top level"
	if newTable != "" {
		where = "[" + newTable + "]"
	}
	p.add(tg.rule, kv.key, desc+" (moved to "+where+")", append([]Edit{{Start: from, End: to}}, ins...)...)
}

// newValue returns the value text to write under the new key, or false
// when the new key is written too or the value does not fit it.
func (p *producer) newValue(kv *keyVal, tg target) (string, bool) {
	if p.lay.keyAtSchema(tg.newKey) != nil || p.lay.sectionBySchema(tg.newKey) != nil {
		return "", false // the new key is written too: which value is meant is not known
	}
	spec := p.schema.Lookup(tg.newKey)
	if spec == nil {
		return "", false
	}
	return convertValue(p.lay.src[kv.vstart:kv.end], kv.kind, tg.old, spec)
}

// moveEdits returns the insertion that writes kv under its new key.
func (p *producer) moveEdits(kv *keyVal, tg target) ([]Edit, bool) {
	value, ok := p.newValue(kv, tg)
	if !ok {
		return nil, false
	}
	newTable, leaf := splitLast(tg.newKey)
	return p.insertInto(newTable, configs.QuotePart(leaf)+" = "+value+p.lay.eol)
}

// keyAtSchema returns a key/value whose schema key is sk, or nil.
func (lay *layout) keyAtSchema(sk string) *keyVal {
	for _, s := range lay.sections {
		for _, kv := range s.keys {
			if configs.SchemaKey(kv.key) == sk {
				return kv
			}
		}
	}
	return nil
}

// insertInto returns the edits that add line at the end of the table with
// schema key sk ("" is the root table).
func (p *producer) insertInto(sk, line string) ([]Edit, bool) {
	lay := p.lay
	if sk == "" {
		root := lay.sections[0]
		if len(root.keys) > 0 {
			at := root.end(lay)
			return []Edit{{Start: at, End: at, Text: line, order: 1}}, true
		}
		// Before the first table, with a blank line to part them.
		at := lay.firstHeader
		return []Edit{{Start: at, End: at, Text: line + lay.eol, order: 1}}, true
	}
	if s := lay.sectionBySchema(sk); s != nil && s.header {
		at := s.end(lay)
		return []Edit{{Start: at, End: at, Text: line, order: 1}}, true
	}
	if lay.has(sk) {
		return nil, false // written as dotted keys or sub-tables only: leave it
	}
	// A new header at the end of the file; the same text for every key
	// that moves there, so Apply writes it once. Keys appended to the
	// last existing table (order 1) come first, then each new table with
	// its keys.
	if p.created == nil {
		p.created = map[string]int{}
	}
	n, ok := p.created[sk]
	if !ok {
		n = len(p.created)
		p.created[sk] = n
	}
	end := len(lay.src)
	var hdr strings.Builder
	if end > 0 && lay.src[end-1] != '\n' {
		hdr.WriteString(lay.eol)
	}
	hdr.WriteString(lay.eol)
	if i := strings.Index(sk, "[]"); i >= 0 {
		if strings.Contains(sk[i+2:], "[]") {
			return nil, false
		}
		fmt.Fprintf(&hdr, "[[%s]]%s", sk[:i], lay.eol)
		sk = sk[:i] + sk[i+2:]
	}
	fmt.Fprintf(&hdr, "[%s]%s", sk, lay.eol)
	return []Edit{{Start: end, End: end, Text: hdr.String(), order: 10 + 2*n}, {Start: end, End: end, Text: line, order: 11 + 2*n}}, true
}

func splitLast(key string) (string, string) {
	if i := configs.LastDot(key); i >= 0 {
		return key[:i], key[i+1:]
	}
	return "", key
}

// convertValue returns the value text to write under the new key, or
// false when the old value does not fit it and there is no one way to
// convert it.
func convertValue(raw []byte, kind unstable.Kind, old string, spec *configs.Spec) (string, bool) {
	text := string(raw)
	switch {
	case old == "use_memory_store":
		if text == "true" {
			return `"memory_store"`, true
		}
		return "", false
	case strings.HasSuffix(old, "_millis") && spec.Kind == configs.KindDuration && kind == unstable.Integer:
		n, err := strconv.ParseUint(strings.ReplaceAll(text, "_", ""), 10, 64)
		if err != nil {
			return "", false
		}
		return strconv.Quote(strconv.FormatUint(n, 10) + "ms"), true
	case spec.Kind == configs.KindArray && kind == unstable.String:
		return "[" + text + "]", true
	}
	if !kindFits(kind, spec.Kind) {
		return "", false
	}
	return text, true
}

// kindFits reports whether a TOML value kind is one the spec accepts.
func kindFits(k unstable.Kind, want configs.Kind) bool {
	switch want {
	case configs.KindAny:
		return true
	case configs.KindString, configs.KindEnum, configs.KindAddr, configs.KindDuration, configs.KindExhaustedPolicy:
		return k == unstable.String
	case configs.KindInt:
		return k == unstable.Integer
	case configs.KindFloat:
		return k == unstable.Integer || k == unstable.Float
	case configs.KindBool:
		return k == unstable.Bool
	case configs.KindArray:
		return k == unstable.Array
	case configs.KindSize, configs.KindMemoryLimit, configs.KindIndexMemThreshold:
		return k == unstable.String || k == unstable.Integer
	case configs.KindTable, configs.KindMap:
		return k == unstable.InlineTable
	}
	return false
}

// values respells enums, sizes and durations.
func (p *producer) values() {
	for _, s := range p.lay.sections {
		for _, kv := range s.keys {
			spec := p.schema.Lookup(configs.SchemaKey(kv.key))
			if spec == nil {
				continue
			}
			if spec.Kind == configs.KindDuration && kv.kind == unstable.Integer {
				if raw := string(p.lay.src[kv.vstart:kv.end]); strings.Trim(raw, "+-0_") == "" {
					p.add("type-mismatch", kv.key, fmt.Sprintf(`write %s = 0 as "0s"`, kv.key), Edit{Start: kv.vstart, End: kv.end, Text: `"0s"`})
				}
				continue
			}
			for _, t := range kv.strs {
				var fixed, rule string
				switch {
				case spec.Kind == configs.KindEnum && t.index < 0, spec.Kind == configs.KindArray && spec.Elem == configs.KindEnum && t.index >= 0:
					fixed, rule = respellEnum(t.value, spec.Enum), "invalid-enum"
				case spec.Kind == configs.KindSize && t.index < 0:
					fixed, rule = respellSize(t.value), "invalid-size"
				case spec.Kind == configs.KindDuration && t.index < 0:
					fixed, rule = respellDuration(t.value), "invalid-duration"
				}
				if fixed == "" || fixed == t.value {
					continue
				}
				key := kv.key
				p.add(rule, key, fmt.Sprintf("write %s as %q", key, fixed), Edit{Start: t.start + 1, End: t.end - 1, Text: fixed})
			}
		}
	}
}

// respellEnum returns the accepted spelling of s when exactly one differs
// from it only in case, "-", "_" or spaces; else "".
func respellEnum(s string, enum []string) string {
	for _, e := range enum {
		if e == s {
			return ""
		}
	}
	norm := func(x string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(x))
	}
	found := ""
	for _, e := range enum {
		if norm(e) == norm(s) {
			if found != "" && found != e {
				return ""
			}
			found = e
		}
	}
	return found
}

var sizeUnitSpellings = []string{"B", "K", "KB", "KiB", "M", "MB", "MiB", "G", "GB", "GiB", "T", "TB", "TiB", "P", "PB", "PiB"}

// respellSize fixes the case of a size unit GreptimeDB does not know
// ("1gb" -> "1GB", "512mib" -> "512MiB"); "" when the size parses or no
// one unit matches.
func respellSize(s string) string {
	if _, err := configs.ParseSize(s); err == nil {
		return ""
	}
	t := strings.TrimRight(s, " ")
	i := len(t)
	for i > 0 && isLetter(t[i-1]) {
		i--
	}
	unit := t[i:]
	if unit == "" {
		return ""
	}
	for _, u := range sizeUnitSpellings {
		if strings.EqualFold(u, unit) {
			out := t[:i] + u + s[len(t):]
			if _, err := configs.ParseSize(out); err == nil {
				return out
			}
		}
	}
	return ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// respellDuration fixes what humantime refuses but has one reading: a
// unit in the wrong case ("10S", "5MS"; never anything that could be M,
// months, or m, minutes) and a fraction of one span ("1.5s" -> "1500ms").
func respellDuration(s string) string {
	if _, err := configs.ParseDuration(s); err == nil {
		return ""
	}
	// Units in the wrong case, span by span.
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); {
		if !isLetter(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		unit := s[i:j]
		if unit == "M" {
			return "" // months, or minutes meant: no one answer
		}
		lower := strings.ToLower(unit)
		if _, err := configs.ParseDuration("1" + unit); err != nil && lower != "m" {
			if _, err := configs.ParseDuration("1" + lower); err == nil {
				unit, changed = lower, true
			}
		}
		b.WriteString(unit)
		i = j
	}
	if changed {
		if _, err := configs.ParseDuration(b.String()); err == nil {
			return b.String()
		}
		return ""
	}
	return wholeDuration(s)
}

// durationSteps are the units a fraction is rewritten in, largest first,
// in nanoseconds.
var durationSteps = []struct {
	unit string
	ns   int64
}{{"h", 3600e9}, {"m", 60e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}}

// wholeDuration turns "1.5s" into "1500ms": one number with a fraction and
// a unit, written in the largest unit that makes it whole.
func wholeDuration(s string) string {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	if strings.Count(num, ".") != 1 || strings.HasPrefix(num, ".") || strings.HasSuffix(num, ".") {
		return ""
	}
	var unitNS int64
	for _, st := range durationSteps {
		if st.unit == unit {
			unitNS = st.ns
		}
	}
	if unitNS == 0 {
		return ""
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return ""
	}
	total := new(big.Rat).Mul(r, new(big.Rat).SetInt64(unitNS))
	if !total.IsInt() {
		return ""
	}
	for _, st := range durationSteps {
		q := new(big.Rat).Quo(total, new(big.Rat).SetInt64(st.ns))
		if q.IsInt() && q.Sign() > 0 {
			return q.Num().String() + st.unit
		}
	}
	return ""
}

// ossSecret renames secret_access_key to access_key_secret where the
// storage type is Oss, which reads only the latter.
func (p *producer) ossSecret() {
	for _, s := range p.lay.sections {
		for _, kv := range s.keys {
			table, leaf := splitLast(kv.key)
			if leaf != "secret_access_key" || !strings.HasPrefix(table, "storage") {
				continue
			}
			if typ, _, _ := p.file.LookupString(table + ".type"); typ != "Oss" {
				continue
			}
			if p.lay.keyAt(table+".access_key_secret") != nil {
				continue
			}
			last := kv.parts[len(kv.parts)-1]
			p.add("key-not-for-type", kv.key, fmt.Sprintf("rename %s to %s.access_key_secret (Oss reads access_key_secret)", kv.key, table),
				Edit{Start: last.start, End: last.end, Text: "access_key_secret"})
		}
	}
}

// blankBefore widens a deletion of whole lines [start, end) to the blank
// line before it when a blank line (or the end of the file) follows, so
// that deleting a section leaves one blank line between its neighbours,
// not two.
func (lay *layout) blankBefore(start, end int) int {
	if start == 0 {
		return start
	}
	prev := lay.lineStart(start - 1)
	if strings.TrimSpace(string(lay.src[prev:start])) != "" {
		return start
	}
	if end < len(lay.src) && strings.TrimSpace(string(lay.src[end:lay.lineEnd(end)])) != "" {
		return start
	}
	return prev
}

// relTo returns key relative to table ("" is the root), or "" when key is
// not below it.
func relTo(table, key string) string {
	if table == "" {
		return key
	}
	if strings.HasPrefix(key, table+".") {
		return key[len(table)+1:]
	}
	return ""
}
