package configs

import (
	"math"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/stepstone-dev/stepstone/report"
)

// treeBuilder decodes the document from the same go-toml/v2 parser pass
// that builds the position index, so that a file is parsed once. It applies
// TOML 1.0's rules for defining keys and tables (the toml crate GreptimeDB
// reads configs with) and gives up on the first thing it does not decode
// itself or finds wrong: the loader then decodes the file the slow way,
// which also words the syntax error. It yields the same values BurntSushi's
// decoder does: int64, float64, string, bool, []any, map[string]any and
// []map[string]any for arrays of tables.
//
// It decodes the values and records the tables in the index, but makes no
// table: buildTree makes the nested tables from the index when a caller
// asks for one (File.Tree). Rules read values by key, and making every
// file's tables, to throw most away after its lint, was a sixth of what a
// run allocated and an eighth of its time (issue 13).
type treeBuilder struct {
	// d is the loader whose index the builder keeps its nodes in: every
	// table and key it defines is an entry (Entry.kind).
	d       *docLoader
	section int32
	// failed is set at the first problem; nothing more is built.
	failed bool
}

type tkind uint8

const (
	tImplicit tkind = iota + 1 // a parent named only by a header: [a] of [a.b]
	tExplicit                  // a [table] header
	tDotted                    // a table made by a dotted key (a.b = 1 makes a)
	tArray                     // an array of tables, [[a]]
	tClosed                    // a value: scalars, arrays, inline tables
)

func newTreeBuilder(d *docLoader) *treeBuilder {
	return &treeBuilder{d: d}
}

func (tb *treeBuilder) fail() { tb.failed = true }

// node makes the entry of a new node: a header's, at pos. An array of
// tables counts its elements in section.
func (tb *treeBuilder) node(key string, kind tkind, pos report.Position) *Entry {
	e := tb.d.put(key, true, pos)
	e.kind = kind
	if kind == tDotted {
		e.section = tb.section
	}
	return e
}

// header handles [parts] (array false) or [[parts]] at pos. key is the
// header's canonical path as the index resolves it: parts[i] ends at
// key[:end], and at key[:elem] past the "[n]" of an array of tables. The
// index counts arrays of tables itself; if it ever disagreed with the
// tree, the builder gives up rather than build a wrong tree. It reports
// whether it built the header, which then made every entry the index
// wants for it (parents, the array, the header), so the index need not
// look them up; an entry of no kind lies inside a value, which no header
// may reach into.
func (tb *treeBuilder) header(key string, parts []readPart, array bool, pos report.Position) bool {
	if tb.failed {
		return false
	}
	entries := tb.d.ix.entries
	tb.section++
	for i, p := range parts {
		path, suffix := key[:p.end], key[p.end:p.elem]
		n := entries[path]
		last := i == len(parts)-1
		switch {
		case n == nil:
			switch {
			case last && array:
				if suffix != "[0]" {
					tb.fail()
					return false
				}
				tb.node(path, tArray, pos).section = 1
				tb.node(key[:p.elem], tExplicit, pos)
			case suffix != "":
				tb.fail()
				return false
			case !last:
				tb.node(path, tImplicit, pos)
			default:
				tb.node(path, tExplicit, pos)
			}
		case n.kind == tArray && (!last || array):
			if !last { // into the last element
				if !isElem(suffix, int(n.section)-1) || entries[key[:p.elem]] == nil {
					tb.fail()
					return false
				}
				break
			}
			if !isElem(suffix, int(n.section)) {
				tb.fail()
				return false
			}
			n.section++
			tb.node(key[:p.elem], tExplicit, pos)
		case last && array:
			tb.fail() // [[a]] after a = ... or [a]
			return false
		case suffix != "":
			tb.fail()
			return false
		case last:
			if n.kind != tImplicit {
				tb.fail() // defined twice, or a value, or an array of tables
				return false
			}
			n.kind = tExplicit
		case n.kind == tClosed || n.kind == 0:
			tb.fail() // a header inside a value or an inline table
			return false
		}
	}
	return true
}

// isElem reports whether s is "[i]".
func isElem(s string, i int) bool {
	return len(s) >= 3 && s[0] == '[' && s[len(s)-1] == ']' && s[1:len(s)-1] == strconv.Itoa(i)
}

// keyValue handles parts = value at pos, under the table of the last
// header; key is the canonical path of the whole, parts[i] ending at
// key[:end]. When it builds the key it returns the key's new entry, for
// walkValue to finish, having made the entries of the dotted parents the
// index wants; nil leaves the index to do all that. While the builder has
// not failed, every key the index holds is a node or lies inside a value,
// and a key inside a value can be no new node (the builder fails when a
// key or header reaches into a value).
func (tb *treeBuilder) keyValue(key string, parts []readPart, v *unstable.Node, pos report.Position) *Entry {
	if tb.failed {
		return nil
	}
	d := tb.d
	for i, p := range parts {
		path := key[:p.end]
		if i == len(parts)-1 {
			val, good := tb.value(v)
			if !good {
				tb.fail()
				return nil
			}
			// One map operation: a key defined twice leaves the map's
			// size, and the first definition, the one to point at, is
			// put back.
			e := d.slot(path, false, pos)
			n := len(d.ix.entries)
			if d.ix.entries[path] = e; len(d.ix.entries) == n {
				for _, old := range d.ix.order {
					if old.Key == path {
						d.ix.entries[path] = old
						break
					}
				}
				tb.fail()
				return nil
			}
			d.taken(e)
			e.kind, e.v = tClosed, val
			return e
		}
		n := d.ix.entries[path]
		switch {
		case n == nil:
			tb.node(path, tDotted, pos)
		case n.kind == tDotted && n.section == tb.section:
		default:
			tb.fail() // dotted keys may not add to a table made elsewhere
			return nil
		}
	}
	return nil
}

// value decodes a value node; ok is false for what the builder leaves to
// the slow path (dates and times) or finds invalid (a malformed number).
func (tb *treeBuilder) value(v *unstable.Node) (any, bool) {
	switch v.Kind {
	case unstable.String:
		return string(v.Data), true
	case unstable.Bool:
		return len(v.Data) == 4, true // "true"
	case unstable.Integer:
		return parseTOMLInt(v.Data)
	case unstable.Float:
		return parseTOMLFloat(v.Data)
	case unstable.Array:
		out := make([]any, 0)
		for _, c := range ArrayElements(v) {
			x, ok := tb.value(c)
			if !ok {
				return nil, false
			}
			out = append(out, x)
		}
		return out, true
	case unstable.InlineTable:
		return tb.inlineTable(v)
	}
	return nil, false
}

// inlineTable decodes { ... }: dotted keys inside it may build sub-tables,
// but no key may be defined twice.
func (tb *treeBuilder) inlineTable(v *unstable.Node) (any, bool) {
	m := map[string]any{}
	var dotted map[string]bool // sub-tables made by dotted keys, by "\x00"-joined path
	var parts []string
	for it := v.Children(); it.Next(); {
		kv := it.Node()
		if kv.Kind != unstable.KeyValue {
			continue
		}
		parts = parts[:0]
		for k := kv.Key(); k.Next(); {
			parts = append(parts, string(k.Node().Data))
		}
		cur, rel := m, ""
		for i, part := range parts {
			rel += "\x00" + part
			old, exists := cur[part]
			if i == len(parts)-1 {
				if exists {
					return nil, false
				}
				x, ok := tb.value(kv.Value())
				if !ok {
					return nil, false
				}
				cur[part] = x
				break
			}
			switch {
			case !exists:
				sub := map[string]any{}
				cur[part] = sub
				if dotted == nil {
					dotted = map[string]bool{}
				}
				dotted[rel] = true
				cur = sub
			case dotted[rel]:
				cur = old.(map[string]any)
			default:
				return nil, false
			}
		}
	}
	return m, true
}

// parseTOMLInt decodes a TOML 1.0 integer: decimal with an optional sign
// and no leading zero, or 0x, 0o, 0b without a sign; underscores only
// between digits.
func parseTOMLInt(b []byte) (any, bool) {
	s := string(b)
	base := 10
	digits := s
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x':
			base = 16
		case 'o':
			base = 8
		case 'b':
			base = 2
		}
		if base != 10 {
			digits = s[2:]
		}
	}
	sign := ""
	if base == 10 && digits != "" && (digits[0] == '+' || digits[0] == '-') {
		sign, digits = digits[:1], digits[1:]
	}
	if base == 10 && len(digits) > 1 && digits[0] == '0' {
		return nil, false // leading zero
	}
	clean, ok := stripUnderscores(digits, base)
	if !ok {
		return nil, false
	}
	if base != 10 {
		u, err := strconv.ParseUint(clean, base, 64)
		if err != nil || u > math.MaxInt64 {
			return nil, false
		}
		return int64(u), true
	}
	n, err := strconv.ParseInt(sign+clean, 10, 64)
	if err != nil {
		return nil, false
	}
	return n, true
}

// stripUnderscores checks that digits is one or more digits of base with
// single underscores between them, and returns it without them.
func stripUnderscores(digits string, base int) (string, bool) {
	if digits == "" {
		return "", false
	}
	if strings.IndexByte(digits, '_') < 0 {
		for i := 0; i < len(digits); i++ {
			if !isDigitOf(digits[i], base) {
				return "", false
			}
		}
		return digits, true
	}
	var sb strings.Builder
	sb.Grow(len(digits))
	prevDigit := false
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		switch {
		case c == '_':
			if !prevDigit || i+1 >= len(digits) || !isDigitOf(digits[i+1], base) {
				return "", false
			}
			prevDigit = false
		case isDigitOf(c, base):
			sb.WriteByte(c)
			prevDigit = true
		default:
			return "", false
		}
	}
	return sb.String(), true
}

func isDigitOf(c byte, base int) bool {
	switch base {
	case 2:
		return c == '0' || c == '1'
	case 8:
		return c >= '0' && c <= '7'
	case 16:
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	}
	return c >= '0' && c <= '9'
}

// parseTOMLFloat decodes a TOML 1.0 float: [+-] int-part, then a fraction,
// an exponent or both; or inf and nan with an optional sign.
func parseTOMLFloat(b []byte) (any, bool) {
	s := string(b)
	body := s
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch body {
	case "inf":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		if neg {
			return math.Copysign(math.NaN(), -1), true
		}
		return math.NaN(), true
	}
	// int-part: like a decimal integer without sign, no leading zero.
	intEnd := strings.IndexAny(body, ".eE")
	if intEnd <= 0 {
		return nil, false
	}
	intPart, rest := body[:intEnd], body[intEnd:]
	if len(intPart) > 1 && intPart[0] == '0' {
		return nil, false
	}
	ip, ok := stripUnderscores(intPart, 10)
	if !ok {
		return nil, false
	}
	clean := ip
	if rest[0] == '.' {
		fracEnd := strings.IndexAny(rest[1:], "eE")
		frac := rest[1:]
		if fracEnd >= 0 {
			frac = rest[1 : 1+fracEnd]
		}
		fp, ok := stripUnderscores(frac, 10)
		if !ok {
			return nil, false
		}
		clean += "." + fp
		rest = rest[1+len(frac):]
	}
	if rest != "" {
		if rest[0] != 'e' && rest[0] != 'E' {
			return nil, false
		}
		exp := rest[1:]
		esign := ""
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			esign, exp = exp[:1], exp[1:]
		}
		ep, ok := stripUnderscores(exp, 10)
		if !ok {
			return nil, false
		}
		clean += "e" + esign + ep
	}
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil {
		return nil, false // out of range: BurntSushi words it
	}
	if neg {
		f = -f
	}
	return f, true
}

// buildTree makes the nested tables of a file from its index, which holds
// every node the tree builder defined in file order, parents first: the
// values (tClosed), the tables, the arrays of tables and their elements
// (keys ending in "[i]"). The index's entries of tables then hold their
// table (Entry.v), which lookups return without walking. ix must be one
// that treeBuilder built without failing, or what Retain kept of one.
func buildTree(ix *Index) map[string]any {
	root := map[string]any{}
	type arrayAt struct {
		in   map[string]any
		name string
	}
	arrays := map[string]arrayAt{}
	tables := map[string]map[string]any{"": root}
	for _, e := range ix.order {
		if e.kind == 0 {
			continue // inside a value
		}
		if strings.HasSuffix(e.Key, "]") {
			// An element of an array of tables, "a.b[2]".
			a, ok := arrays[e.Key[:strings.LastIndexByte(e.Key, '[')]]
			if !ok {
				continue
			}
			m := map[string]any{}
			arr, _ := a.in[a.name].([]map[string]any)
			a.in[a.name] = append(arr, m)
			tables[e.Key], e.v = m, m
			continue
		}
		parent, name := "", e.Key
		if i := LastDot(e.Key); i >= 0 {
			parent, name = e.Key[:i], e.Key[i+1:]
		}
		in, ok := tables[parent]
		if !ok {
			continue
		}
		name = UnquotePart(name)
		switch e.kind {
		case tClosed:
			in[name] = e.v
		case tArray:
			in[name] = []map[string]any{}
			arrays[e.Key] = arrayAt{in: in, name: name}
		default:
			m := map[string]any{}
			in[name] = m
			tables[e.Key], e.v = m, m
		}
	}
	return root
}
