// Package configs reads GreptimeDB TOML configs the way GreptimeDB does and
// remembers where every key stands, so that checks can point at lines.
package configs

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	gotoml "github.com/pelletier/go-toml/v2"

	"github.com/stepstone-dev/stepstone/internal/memo"
	"github.com/stepstone-dev/stepstone/report"
)

// File is one loaded config file.
type File struct {
	// Path is the name shown in reports, as the user gave it ("-" is shown
	// as "<stdin>").
	Path      string
	Component Component
	Source    []byte
	// tree is the decoded document (Tree), nil when it does not parse. A
	// file the one-pass loader decoded (lazy) has it made from the index
	// when first asked for, under treeMu: most runs never ask.
	tree   map[string]any
	lazy   bool
	treeMu sync.Mutex
	// specsFor is the schema whose spec of every index entry the entries
	// hold (Entry.spec), set once under specsMu (EntrySpec).
	specsFor atomic.Pointer[Schema]
	specsMu  sync.Mutex
	// SyntaxError is set when the file is not valid TOML (or repeats a key);
	// it is positioned at the error.
	SyntaxError *SyntaxError
	// Env holds overrides taken from GREPTIMEDB_<COMPONENT>__... variables.
	Env *EnvLayer
	// Version is the GreptimeDB release the file is judged by; nil means
	// the default (the newest stable release). Set it before ApplyEnv.
	Version *Version
	// Enterprise is set for an enterprise build (--edition enterprise),
	// which accepts values open-source builds refuse.
	Enterprise bool
	// Placeholders are extra template placeholder patterns (--placeholder)
	// besides PlaceholderPattern.
	Placeholders []string
	// NodeAddr, when set, is where the running node's HTTP server is
	// reached (host:port) instead of http.addr: kube sets the component's
	// Service, since http.addr is the pod's own listen address.
	NodeAddr string

	index *Index
	// byKey is set when the one-pass tree builder decoded the file: the
	// index's entries then hold the value at every key the file writes
	// (see treeBuilder).
	byKey bool
}

// SyntaxError is a TOML decoding error at a position.
type SyntaxError struct {
	Message   string
	Pos       report.Position
	Duplicate bool
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Message) }

// Load parses data as the config at path. comp may be empty to detect it
// from the file name and then from the keys. Load fails only when the
// component cannot be told; a syntax error is kept in the File so that it
// is reported as a finding at its position.
func Load(path string, data []byte, comp Component) (*File, error) {
	f := &File{Path: path, Component: comp, Source: data}
	// A UTF-8 byte order mark is no TOML, but GreptimeDB's parser skips it
	// and editors do not show it. Without this the index (go-toml) would
	// stop at it, so every key-based rule would see an empty file.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	buf := contentBufs.Get().(*[]byte)
	defer putContentBuf(buf)
	off, keys, content := prescan(data, true, *buf)
	if content != nil {
		*buf = content[:0]
	}
	if off >= 0 {
		// Neither decode nor index what GreptimeDB refuses to read.
		f.index = &Index{entries: map[string]*Entry{}}
		f.SyntaxError = tooDeepError(newLineTable(data).pos(path, off), fmt.Sprintf("arrays or inline tables are nested %d levels deep or more", maxNesting))
	} else if pd := parseContent(path, data, content, keys); pd.ix.tooDeep != nil {
		f.index = pd.ix
		f.SyntaxError = tooDeepError(*f.index.tooDeep, fmt.Sprintf("a key has %d parts or more", maxNesting))
	} else if f.index = pd.ix; pd.ok {
		// The common case: one parser pass gave positions and values.
		f.lazy, f.byKey = true, true
	} else {
		f.tree, f.SyntaxError = slowDecode(path, data, pd)
	}
	if f.Component == "" {
		f.Component = detectFromName(path)
	}
	if f.Component == "" {
		if !f.Parsed() {
			return f, fmt.Errorf("cannot tell which component %q is for (it does not parse): pass --component", path)
		}
		c, err := detectFromKeys(f.Tree())
		if err != nil {
			return f, fmt.Errorf("%q: %w", path, err)
		}
		f.Component = c
	}
	return f, nil
}

// contentBufs lends prescan the room it writes a file without its comments
// in; Load gives it back once the file is parsed.
var contentBufs = sync.Pool{New: func() any { return new([]byte) }}

// putContentBuf gives a buffer back, unless a huge file made it huge.
func putContentBuf(buf *[]byte) {
	if cap(*buf) <= 1<<20 {
		contentBufs.Put(buf)
	}
}

// parseContent parses content, the file without its comments (prescan),
// when there is one: lines and columns are the file's, and the parser has
// less to read. Anything but a clean pass (a syntax error, what
// the tree builder leaves to the slow path, a TOML 1.1 addition, a key
// too deep) parses the file itself again, so that what goes wrong is
// found and worded on the bytes as written.
func parseContent(path string, data, content []byte, keys int) parsed {
	if content != nil {
		if pd := parseDoc(path, content, keys); pd.ok && pd.ix.tooDeep == nil {
			return pd
		}
	}
	return parseDoc(path, data, keys)
}

// slowDecode decodes a file the one-pass tree builder gave up on: one that
// does not parse, defines a key twice, or holds what the builder leaves to
// BurntSushi/toml (dates and times, numbers it does not accept). Syntax
// errors are worded by BurntSushi, as they always were, or by go-toml for
// a key defined twice that BurntSushi lets pass (see redefinition). What
// BurntSushi accepts and go-toml's TOML 1.0 parser refuses is a TOML 1.1
// addition (a newline or trailing comma in an inline table, "\e" or
// "\xHH" escapes, a time without seconds): GreptimeDB's toml crate reads
// TOML 1.0, so that stays a syntax error, in go-toml's words.
func slowDecode(path string, data []byte, pd parsed) (map[string]any, *SyntaxError) {
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		return nil, syntaxError(path, data, err)
	}
	if se := redefinition(path, data, len(pd.ix.order)); se != nil {
		return nil, se
	}
	if pd.err != nil {
		return nil, parserError(path, data, pd)
	}
	if pd.v11 != nil {
		return nil, &SyntaxError{Message: pd.v11.msg, Pos: newLineTable(data).pos(path, pd.v11.off)}
	}
	return tree, nil
}

// parserError words go-toml's syntax error at its offset.
func parserError(path string, data []byte, pd parsed) *SyntaxError {
	msg := strings.TrimSuffix(strings.TrimSpace(pd.err.Message), ".")
	if msg == "" {
		msg = "invalid TOML"
	}
	msg = strings.ToLower(msg[:1]) + msg[1:]
	if pd.errOff < len(data) && data[pd.errOff] >= utf8.RuneSelf {
		// go-toml names the first byte of a multi-byte character as if it
		// were a character of its own ("U+00EF 'ï'" for a byte order mark).
		r, _ := utf8.DecodeRune(data[pd.errOff:])
		msg = fmt.Sprintf("unexpected character %U", r)
	}
	return &SyntaxError{Message: msg, Pos: newLineTable(data).pos(path, pd.errOff)}
}

// redefinition asks go-toml for a second opinion on a file BurntSushi
// accepted: BurntSushi (v1.6) lets a dotted key and a table define the
// same table ("[fruit]\napple.color = 1\n[fruit.apple]", an example the
// TOML spec marks INVALID), or a value replace a table made by dotted
// keys, which GreptimeDB's parser refuses as a duplicate key.
//
// go-toml tracks the tables it has seen in a list it scans for each new
// one, so the check is skipped above maxRedefinitionKeys keys (a 9 MiB file
// of 100,000 tables took 50 seconds); real configs hold a few hundred.
func redefinition(path string, data []byte, keys int) (se *SyntaxError) {
	if keys > maxRedefinitionKeys {
		return nil
	}
	defer func() {
		if recover() != nil {
			se = nil // a go-toml bug is no finding about the file
		}
	}()
	var m map[string]any
	var de *gotoml.DecodeError
	if err := gotoml.Unmarshal(data, &m); !errors.As(err, &de) {
		return nil
	}
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	if !strings.Contains(msg, "already") {
		return nil // not a redefinition: leave it to BurntSushi, which passed it
	}
	// go-toml counts columns in bytes; the position is worked out again in
	// runes from the byte offset.
	row, col := de.Position()
	lt := newLineTable(data)
	pos := report.Position{File: path, Line: row, Col: col}
	if row >= 1 && row <= len(lt.starts) {
		pos = lt.pos(path, lt.starts[row-1]+col-1)
	}
	return &SyntaxError{Message: msg, Pos: pos, Duplicate: true}
}

const maxRedefinitionKeys = 10000

// tooDeepError is GreptimeDB's "recursion limit exceeded", positioned.
func tooDeepError(pos report.Position, what string) *SyntaxError {
	return &SyntaxError{Pos: pos, Message: what + ", which GreptimeDB's TOML parser refuses (recursion limit exceeded)"}
}

func syntaxError(path string, data []byte, err error) *SyntaxError {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if msg == "" {
			msg = pe.Error()
		}
		msg = strings.TrimSuffix(strings.TrimSpace(msg), ".")
		if len(msg) > 0 {
			msg = strings.ToLower(msg[:1]) + msg[1:]
		}
		// The byte offset is exact; BurntSushi's column is in bytes and,
		// for an error at the first byte of a line, counts from the line
		// before (2:7 for the second `a` of "a = 1\na = 2"), so the
		// position is worked out from the offset whenever there is one.
		pos := report.Position{File: path, Line: pe.Position.Line, Col: pe.Position.Col}
		if pe.Position.Start >= 0 && pe.Position.Start <= len(data) && (pe.Position.Start > 0 || pe.Position.Line <= 1) {
			pos = newLineTable(data).pos(path, pe.Position.Start)
		}
		return &SyntaxError{Message: msg, Pos: pos, Duplicate: strings.Contains(msg, "already been defined")}
	}
	return &SyntaxError{Message: err.Error(), Pos: report.Position{File: path, Line: 1, Col: 1}}
}

// Index returns the position index of the file.
func (f *File) Index() *Index { return f.index }

// Schema returns the keys f's component reads at f's release.
func (f *File) Schema() *Schema { return SchemaAt(f.Version, f.Component) }

// Pos returns where key stands in the file: the key itself, else its nearest
// parent that is written in the file, else the whole file (line 0).
func (f *File) Pos(key string) report.Position {
	for k := key; k != ""; k = parentKey(k) {
		if e, ok := f.index.Get(k); ok {
			return e.KeyPos()
		}
	}
	return report.Position{File: f.Path}
}

// ValuePos returns where the value of key starts, falling back like Pos.
func (f *File) ValuePos(key string) report.Position {
	if e, ok := f.index.Get(key); ok {
		return e.ValuePos()
	}
	return f.Pos(key)
}

// Has reports whether key is written in the file. A table's entry says so
// without its contents (Get would make the tree).
func (f *File) Has(key string) bool {
	if f.byKey {
		if e, ok := f.index.entries[key]; !ok || e.kind != 0 {
			return ok
		}
	}
	_, ok := f.Get(key)
	return ok
}

// Get returns the value of a canonical key as written in the file.
func (f *File) Get(key string) (any, bool) {
	if !f.Parsed() {
		return nil, false
	}
	if f.byKey {
		// Every key the file writes is indexed (tables, values, and what
		// arrays and inline tables hold), so a key the index lacks is
		// not in the tree.
		e, ok := f.index.entries[key]
		switch {
		case !ok:
			return nil, false
		case e.kind == tClosed:
			return e.v, true
		case e.kind == 0:
			// Inside a value (an inline table or array): walk from the
			// value that holds it.
			for anc := parentKey(key); anc != ""; anc = parentKey(anc) {
				if a, ok := f.index.entries[anc]; ok && a.kind == tClosed {
					return walkInValue(a.v, anc, key)
				}
			}
		case e.kind != tArray:
			f.Tree() // a table: its entry holds it once the tree is made
			return e.v, true
		}
	}
	tree := f.Tree()
	if strings.IndexAny(key, "\"[") < 0 {
		// Plain dotted names: walk without splitting the key.
		var cur any = tree
		for rest := key; ; {
			name, tail, more := strings.Cut(rest, ".")
			m, isMap := cur.(map[string]any)
			if !isMap {
				return nil, false
			}
			if cur, isMap = m[name]; !isMap {
				return nil, false
			}
			if !more {
				return cur, true
			}
			rest = tail
		}
	}
	return walkParts(tree, splitKey(key))
}

// walkParts walks a decoded value by the parts of a key (splitKey's):
// each names a member of a table, then maybe an element of it.
func walkParts(cur any, parts []keyPart) (any, bool) {
	for _, part := range parts {
		m, isMap := cur.(map[string]any)
		if !isMap {
			return nil, false
		}
		next, ok := m[part.name]
		if !ok {
			return nil, false
		}
		cur = next
		if part.index >= 0 {
			if cur, ok = elementAt(cur, part.index); !ok {
				return nil, false
			}
		}
	}
	return cur, true
}

// elementAt returns the i-th element of an array or array of tables.
func elementAt(v any, i int) (any, bool) {
	switch arr := v.(type) {
	case []map[string]any:
		if i < len(arr) {
			return arr[i], true
		}
	case []any:
		if i < len(arr) {
			return arr[i], true
		}
	}
	return nil, false
}

// walkInValue walks from the value of key anc to key, which lies inside it
// ("[2]", ".a", "[2].a" after anc).
func walkInValue(v any, anc, key string) (any, bool) {
	rest := key[len(anc):]
	if strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		n, err := strconv.Atoi(rest[1:max(j, 1)])
		if j < 0 || err != nil {
			return nil, false
		}
		var ok bool
		if v, ok = elementAt(v, n); !ok {
			return nil, false
		}
		rest = rest[j+1:]
	}
	if rest = strings.TrimPrefix(rest, "."); rest == "" {
		return v, true
	}
	return walkParts(v, splitKey(rest))
}

// EntrySpec is s.Lookup(e.SchemaKey()) for an entry of f's index. The
// first schema asked about has the spec of every entry looked up at once
// and kept on the entries: the rules, the effective values and the
// secrets each asked for every key's. Other schemas are looked up.
func (f *File) EntrySpec(s *Schema, e *Entry) *Spec {
	switch f.specsFor.Load() {
	case s:
		return e.spec
	case nil:
		if f.fillSpecs(s) {
			return e.spec
		}
	}
	return s.Lookup(e.SchemaKey())
}

// fillSpecs keeps on every entry its spec in s, unless the entries hold
// another schema's; it reports whether they hold s's.
func (f *File) fillSpecs(s *Schema) bool {
	if s == nil || f.index == nil {
		return false
	}
	f.specsMu.Lock()
	defer f.specsMu.Unlock()
	if held := f.specsFor.Load(); held != nil {
		return held == s
	}
	for _, e := range f.index.order {
		e.spec = s.Lookup(e.SchemaKey())
	}
	f.specsFor.Store(s)
	return true
}

// Parsed reports whether the file was decoded: it parses, defines no key
// twice and holds nothing GreptimeDB's TOML 1.0 parser refuses.
func (f *File) Parsed() bool { return f.lazy || f.tree != nil }

// Tree returns the decoded document, nil when the file does not parse. For
// a file the one-pass loader decoded it is made from the index the first
// time it is asked for; it is safe for concurrent use.
func (f *File) Tree() map[string]any {
	if !f.lazy {
		return f.tree
	}
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	if f.tree == nil {
		f.tree = buildTree(f.index)
	}
	return f.tree
}

// EntryValue is Get(e.Key) for an entry of f's index: the one-pass loader
// keeps the value on the entry, so the key is not looked up again (the
// walks over every entry did that for each key, several times a file).
// For a table or an array of tables, whose keys have entries of their
// own, it gives only the type (an empty map[string]any or
// []map[string]any): asking every table of every file for its contents
// would make every file's tree. Get gives the contents.
func (f *File) EntryValue(e *Entry) (any, bool) {
	if f.byKey {
		switch e.kind {
		case tClosed:
			return e.v, true
		case tArray:
			return []map[string]any(nil), true
		case tImplicit, tExplicit, tDotted:
			return map[string]any(nil), true
		}
	}
	return f.Get(e.Key)
}

// ChildNames returns the names directly under the table at key, sorted (a
// quoted name unquoted), or nil when key is no table; for an array of
// tables, "a[2]" is its third element. Unlike Get, it reads the index
// alone: rules ask it of every datanode's [[region_engine]] elements.
func (f *File) ChildNames(key string) []string {
	e, ok := f.index.Get(key)
	if !f.byKey || ok && (e.kind == tClosed || e.kind == 0) {
		// A tree walked, or a value: an inline table has its names.
		v, _ := f.Get(key)
		m, _ := v.(map[string]any)
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
		return names
	}
	if !ok || e.kind == tArray {
		return nil
	}
	// Every name in a table is a node of its own, with its entry: the
	// names are the entries one part below key.
	var names []string
	for _, c := range f.index.order {
		k := c.Key
		if len(k) < len(key)+2 || k[len(key)] != '.' || k[:len(key)] != key {
			continue
		}
		if name := k[len(key)+1:]; firstSeparator(name) < 0 {
			names = append(names, UnquotePart(name))
		}
	}
	sort.Strings(names)
	return names
}

// Elements returns how many elements the array of tables at key has, and
// whether key is one.
func (f *File) Elements(key string) (int, bool) {
	if f.byKey {
		e, ok := f.index.entries[key]
		if !ok || e.kind != tArray {
			return 0, false
		}
		return int(e.section), true
	}
	v, _ := f.Get(key)
	arr, ok := v.([]map[string]any)
	return len(arr), ok
}

// String returns the string at key and whether the file sets it as a string.
func (f *File) String(key string) (string, bool) {
	v, ok := f.Get(key)
	s, isStr := v.(string)
	return s, ok && isStr
}

// Lookup returns the effective value of key: the file, else an env
// override, else not found. Defaults come from the schema (see Effective).
func (f *File) Lookup(key string) (any, Origin, bool) {
	if v, ok := f.Get(key); ok {
		return v, Origin{Kind: OriginFile, Pos: f.Pos(key)}, true
	}
	if f.Env != nil {
		if ov, ok := f.Env.Values[key]; ok {
			return ov.Value, Origin{Kind: OriginEnv, Var: ov.Var}, true
		}
	}
	return nil, Origin{}, false
}

// LookupString is Lookup for string values; a non-string counts as unset.
func (f *File) LookupString(key string) (string, Origin, bool) {
	v, o, ok := f.Lookup(key)
	s, isStr := v.(string)
	return s, o, ok && isStr
}

// OriginKind says where an effective value came from.
type OriginKind string

// Origins, in GreptimeDB's precedence order from lowest: default < env < file.
const (
	OriginDefault OriginKind = "default"
	OriginEnv     OriginKind = "env"
	OriginFile    OriginKind = "file"
)

// Origin is where an effective value came from.
type Origin struct {
	Kind OriginKind
	Pos  report.Position // for OriginFile
	Var  string          // for OriginEnv: the variable's name, never its value
}

// String renders "file.toml:12", "env GREPTIMEDB_...", or "default".
func (o Origin) String() string {
	switch o.Kind {
	case OriginFile:
		return o.Pos.String()
	case OriginEnv:
		return "env " + o.Var
	}
	return "default"
}

type keyPart struct {
	name  string
	index int
}

// splitKey splits "a.b[2].c" into parts; index is -1 where none is given.
// Quoted parts come back unquoted: they name the key as the tree holds it.
func splitKey(key string) []keyPart {
	var parts []keyPart
	for _, s := range splitParts(key) {
		p := keyPart{name: s, index: -1}
		if strings.HasSuffix(s, "]") {
			if i := strings.LastIndexByte(s, '['); i >= 0 {
				if n, err := strconv.Atoi(s[i+1 : len(s)-1]); err == nil {
					p = keyPart{name: s[:i], index: n}
				}
			}
		}
		p.name = UnquotePart(p.name)
		parts = append(parts, p)
	}
	return parts
}

// parentKey returns the key one level up: "a.b[1]" -> "a.b", "a.b" -> "a".
func parentKey(key string) string {
	if strings.HasSuffix(key, "]") {
		if i := strings.LastIndexByte(key, '['); i > 0 {
			return key[:i]
		}
	}
	if i := LastDot(key); i >= 0 {
		return key[:i]
	}
	return ""
}

// SchemaKey turns a canonical key into the form the schema uses, with
// array indexes dropped: "region_engine[0].mito.x" -> "region_engine[].mito.x".
// Indexes into plain arrays of values ("store_addrs[1]") are dropped entirely
// by callers that look up the array itself.
func SchemaKey(key string) string {
	if strings.IndexByte(key, '"') >= 0 {
		key = unquoteDotted(key) // a quoted dotted key is read as nested
	}
	if strings.IndexByte(key, '[') < 0 {
		return key // most keys: nothing to drop, no allocation
	}
	// The same keys come back in every file of a run ("region_engine[0].
	// mito.num_workers").
	return schemaKeys.Get(key, dropIndexes)
}

// dropIndexes writes "[]" for each array index of a canonical key.
func dropIndexes(key string) string {
	// Bytes, not runes: only ASCII quotes and brackets matter, and the
	// bytes of other characters are copied as they are.
	b := make([]byte, 0, len(key))
	skip, quoted := false, false
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '"' && !skip:
			// strconv.Quote writes a quote inside a part as \", which
			// this does not tell apart; a bracket in such a key only
			// changes which unknown key is named.
			quoted = !quoted
			b = append(b, c)
		case quoted:
			b = append(b, c)
		case c == '[':
			b = append(b, "[]"...)
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b = append(b, c)
		}
	}
	return string(b)
}

// schemaKeys remembers SchemaKey's answers for keys with indexes.
var schemaKeys = memo.Map[string, string]{Max: maxSchemaKeys}

const maxSchemaKeys = 4096

// KeySet is a set of schema keys without array indexes ("storage.bucket",
// "region_engine.mito.gc.enable") for File.Retain.
type KeySet struct {
	// whole are the keys; kept are they and every table above one;
	// children lists, by kept table ("" for the top), the names under it
	// that are kept.
	whole, kept map[string]bool
	children    map[string][]string
	// seen remembers keepsEntry's answers.
	seen memo.Map[string, bool]
}

// NewKeySet returns the set of keys.
func NewKeySet(keys []string) *KeySet {
	s := &KeySet{whole: map[string]bool{}, kept: map[string]bool{}, children: map[string][]string{}}
	s.seen.Max = maxSchemaKeys
	for _, k := range keys {
		s.whole[k] = true
		for p := k; p != "" && !s.kept[p]; {
			s.kept[p] = true
			parent, name := "", p
			if i := strings.LastIndexByte(p, '.'); i >= 0 {
				parent, name = p[:i], p[i+1:]
			}
			s.children[parent] = append(s.children[parent], name)
			p = parent
		}
	}
	return s
}

// under reports whether key (plain: no indexes) is one of the keys or
// under one.
func (s *KeySet) under(key string) bool {
	for p := key; ; {
		if s.whole[p] {
			return true
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// keeps reports whether key (plain) is kept: under a key, or a table on
// the way to one.
func (s *KeySet) keeps(key string) bool { return s.kept[key] || s.under(key) }

// keepsEntry is keeps for an index entry's schema key ("[]" marks arrays
// of tables), remembered: the same keys come back in every file of a run.
func (s *KeySet) keepsEntry(sk string) bool {
	return s.seen.Get(sk, func(sk string) bool {
		return s.keeps(strings.ReplaceAll(sk, "[]", ""))
	})
}

// keptEntries is Retain's scratch space for the entries it keeps.
var keptEntries = sync.Pool{New: func() any { return new([]Entry) }}

// putKept empties kept and gives it back to keptEntries.
func putKept(kept *[]Entry) {
	clear(*kept)
	*kept = (*kept)[:0]
	keptEntries.Put(kept)
}

// keptIndex is an index of copies of entries, in a block of their own
// (one kept entry would otherwise keep the loader's whole block, or the
// old index's storage could not go to the next file loaded).
func keptIndex(entries []Entry, tooDeep *report.Position) *Index {
	block := append([]Entry(nil), entries...)
	ix := &Index{entries: make(map[string]*Entry, len(block)), order: make([]*Entry, len(block)), tooDeep: tooDeep}
	for i := range block {
		e := &block[i]
		ix.order[i] = e
		ix.entries[e.Key] = e
	}
	return ix
}

// Retain drops everything f holds but the values and positions of the
// keys with what is under them and the tables above them, and, unless
// keepSource, the source text. A run over many files lints each one whole,
// then keeps only what the cross-file rules compare (lint.ClusterKeys), so
// its memory grows with the number of files by a small summary each, not
// by every parsed tree. The env overrides are kept whole; a file that did
// not parse has no values to keep.
func (f *File) Retain(keys *KeySet, keepSource bool) {
	// Paths in the tree are plain: SchemaKey reads a quoted dotted name
	// as nested, as joining the raw names with dots does.
	// prune is only called on the top and on tables on the way to a key:
	// it looks up the few names kept under them, never walks the rest.
	var prune func(path string, v any) any
	prune = func(path string, v any) any {
		switch x := v.(type) {
		case map[string]any:
			m := map[string]any{}
			for _, name := range keys.children[path] {
				c, ok := x[name]
				if !ok {
					continue
				}
				if p := join(path, name); keys.whole[p] {
					m[name] = c
				} else {
					m[name] = prune(p, c)
				}
			}
			return m
		case []map[string]any:
			out := make([]map[string]any, len(x))
			for i, el := range x {
				out[i] = prune(path, el).(map[string]any)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, el := range x {
				out[i] = prune(path, el)
			}
			return out
		}
		return v
	}
	if f.lazy {
		// The tree is made again, from what the index keeps, if asked
		// for; a kept value that is an inline table or array is pruned
		// as a table would be.
		f.tree = nil
		if f.index != nil {
			// Nothing below a key that is not kept is kept (the tables
			// above a kept key are kept): the keys below the last one
			// dropped are passed without a look-up.
			kept := keptEntries.Get().(*[]Entry)
			dead := ""
			for _, e := range f.index.order {
				if k := e.Key; dead != "" && len(k) > len(dead) && (k[len(dead)] == '.' || k[len(dead)] == '[') && k[:len(dead)] == dead {
					continue
				}
				sk := e.SchemaKey()
				if !keys.keepsEntry(sk) {
					dead = e.Key
					continue
				}
				c := *e
				switch c.v.(type) {
				case map[string]any, []any:
					if plain := strings.ReplaceAll(sk, "[]", ""); c.kind == tClosed && !keys.whole[plain] && !keys.under(plain) {
						c.v = prune(plain, c.v)
					}
				}
				if c.kind != tClosed {
					c.v = nil // a table of the old tree
				}
				*kept = append(*kept, c)
			}
			ix := keptIndex(*kept, f.index.tooDeep)
			putKept(kept)
			// Nothing points into the old index any more: the tree
			// is gone and what is kept was copied.
			f.index.recycle()
			f.index = ix
		}
	} else {
		if f.tree != nil {
			f.tree = prune("", f.tree).(map[string]any)
		}
		// The key lookup of the one-pass builder points into the whole
		// tree: Get walks the pruned one instead.
		f.byKey = false
		if f.index != nil {
			kept := keptEntries.Get().(*[]Entry)
			for _, e := range f.index.order {
				if keys.keepsEntry(e.SchemaKey()) {
					c := *e
					c.kind, c.section, c.v = 0, 0, nil
					*kept = append(*kept, c)
				}
			}
			f.index = keptIndex(*kept, f.index.tooDeep)
			putKept(kept)
		}
	}
	if !keepSource {
		f.Source = nil
	}
}
