package configs

// The loader as it was before it was made cheaper (issue 13), kept as an
// oracle: TestParseDocAgreesWithOracle and FuzzParseDocOracle check that
// the new one yields the same index, tree, errors and TOML 1.1 findings.

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/stepstone-dev/stepstone/report"
)

func oldNestingTooDeep(src []byte) int {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case '"', '\'':
			i = oldSkipString(src, i)
		case '[', '{':
			depth++
			if depth >= maxNesting {
				return i
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return -1
}

// oldSkipString returns the offset of the last byte of the string that opens
// at i (basic or literal, one-line or multi-line), or the end of the input
// or line when it is not closed.
func oldSkipString(src []byte, i int) int {
	q := src[i]
	multi := i+2 < len(src) && src[i+1] == q && src[i+2] == q
	if multi {
		i += 3
	} else {
		i++
	}
	for ; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\' && q == '"':
			i++ // an escape: skip the next byte
		case c == '\n' && !multi:
			return i
		case c == q && !multi:
			return i
		case c == q && i+2 < len(src) && src[i+1] == q && src[i+2] == q:
			// Up to two more quotes belong to the content: x"
			end := i + 2
			for k := 0; k < 2 && end+1 < len(src) && src[end+1] == q; k++ {
				end++
			}
			return end
		}
	}
	return len(src) - 1
}

type oldLineTable struct {
	src    []byte
	starts []int
	// A cursor makes the column of the next, later offset on the same line
	// cost only the bytes in between: a 100k-element array on one line
	// would otherwise be quadratic.
	curOff, curLine, curCol int
}

func newOldLineTable(src []byte) *oldLineTable {
	// Sized once: appending doubled it up to eleven times for a
	// thousand-line file.
	starts := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	return &oldLineTable{src: src, starts: starts}
}

func (lt *oldLineTable) pos(file string, off int) report.Position {
	if off > len(lt.src) {
		off = len(lt.src)
	}
	// An offset inside a multi-byte character (BurntSushi reports an
	// unexpected EOF one byte back) counts from the character's start.
	for off > 0 && off < len(lt.src) && !utf8.RuneStart(lt.src[off]) {
		off--
	}
	line := sort.Search(len(lt.starts), func(i int) bool { return lt.starts[i] > off }) - 1
	var col int
	if line == lt.curLine && off >= lt.curOff && lt.curCol > 0 {
		col = lt.curCol + utf8.RuneCount(lt.src[lt.curOff:off])
	} else {
		col = utf8.RuneCount(lt.src[lt.starts[line]:off]) + 1
	}
	lt.curOff, lt.curLine, lt.curCol = off, line, col
	return report.Position{File: file, Line: line + 1, Col: col}
}

// end returns the position of offset to, the end of a range that starts at
// start (offset from), without moving the cursor: an array's end lies past
// its elements, which are indexed next.
func (lt *oldLineTable) end(start report.Position, from, to int) report.Position {
	if to > len(lt.src) {
		to = len(lt.src)
	}
	if from > to {
		from = to
	}
	raw := lt.src[from:to]
	nl := bytes.LastIndexByte(raw, '\n')
	if nl < 0 {
		start.Col += utf8.RuneCount(raw)
		return start
	}
	start.Line += bytes.Count(raw, []byte{'\n'})
	start.Col = utf8.RuneCount(raw[nl+1:]) + 1
	return start
}

// oracleDoc is what the oracle's one pass yields: parseDoc's result and
// the tree its own builder made.
type oracleDoc struct {
	parsed
	tree map[string]any
}

func oldParseDoc(file string, src []byte) oracleDoc {
	ix := &Index{entries: map[string]*Entry{}}
	lt := newOldLineTable(src)
	tb := newOldTreeBuilder()
	var p unstable.Parser
	p.Reset(src)
	var v11 *toml11Issue
	done := func() oracleDoc {
		out := oracleDoc{parsed: parsed{ix: ix, v11: v11}}
		var pe *unstable.ParserError
		if err := p.Error(); errors.As(err, &pe) {
			out.err = pe
			// The highlight is a slice of src: its offset is told by the
			// capacity left after it (go-toml's Range panics on a slice
			// that is not, so it is worked out here with a bound).
			out.errOff = len(src)
			if pe.Highlight != nil {
				if off := cap(src) - cap(pe.Highlight); off >= 0 && off <= len(src) {
					out.errOff = off
				}
			}
		} else if err != nil {
			out.err = &unstable.ParserError{Message: err.Error()}
		} else if !tb.failed && ix.tooDeep == nil && v11 == nil {
			out.ok, out.tree = true, tb.root
			// Today's builder keeps its nodes in the index's entries.
			for k, n := range newNodes(tb.nodes) {
				if k == "" {
					continue
				}
				e := ix.entries[k]
				if e == nil {
					panic(fmt.Sprintf("oracle node %q is not indexed", k))
				}
				e.kind, e.section, e.v = n.kind, n.section, n.v
			}
		}
		return out
	}
	arrays := map[string]int{} // canonical array-table path -> element count
	current := ""
	add := func(e *Entry) {
		if _, dup := ix.entries[e.Key]; dup {
			return // the first definition is the one to point at
		}
		e.schema = SchemaKey(e.Key)
		ix.entries[e.Key] = e
		ix.order = append(ix.order, e)
	}
	rangePos := func(r unstable.Range) (report.Position, report.Position) {
		start := lt.pos(file, int(r.Offset))
		return start, lt.end(start, int(r.Offset), int(r.Offset+r.Length))
	}
	// resolve turns header key parts into a canonical path, descending into
	// the last element of any array of tables on the way.
	resolve := func(base string, parts []string) string {
		path := base
		for _, part := range parts {
			path = join(path, QuotePart(part))
			if n := arrays[path]; n > 0 {
				path += "[" + strconv.Itoa(n-1) + "]"
			}
		}
		return path
	}
	var walkValue func(key string, v *unstable.Node, keyStart report.Position)
	walkValue = func(key string, v *unstable.Node, keyStart report.Position) {
		en := newEntry(key, false, keyStart)
		e := &en
		if v.Raw.Length > 0 {
			e.setValue(rangePos(v.Raw))
		}
		add(e)
		switch v.Kind {
		case unstable.Array:
			i := 0
			for it := v.Children(); it.Next(); {
				c := it.Node()
				if c.Kind == unstable.Comment {
					continue
				}
				start := keyStart
				if c.Raw.Length > 0 {
					start, _ = rangePos(c.Raw)
				}
				walkValue(key+"["+strconv.Itoa(i)+"]", c, start)
				i++
			}
		case unstable.InlineTable:
			for it := v.Children(); it.Next(); {
				kv := it.Node()
				if kv.Kind != unstable.KeyValue {
					continue
				}
				parts, first := oldKeyParts(kv)
				start, _ := rangePos(first)
				if len(parts) >= maxNesting {
					if ix.tooDeep == nil {
						ix.tooDeep = &start
					}
					continue
				}
				walkValue(join(key, JoinParts(parts)), kv.Value(), start)
			}
		}
	}
	for p.NextExpression() {
		expr := p.Expression()
		if v11 == nil {
			v11 = find11(src, expr)
		}
		var parts []string
		var first unstable.Range
		if expr.Kind == unstable.Table || expr.Kind == unstable.ArrayTable || expr.Kind == unstable.KeyValue {
			if parts, first = oldKeyParts(expr); len(parts) >= maxNesting {
				start, _ := rangePos(first)
				ix.tooDeep = &start
				return done()
			}
		}
		switch expr.Kind {
		case unstable.Table, unstable.ArrayTable:
			tb.header(parts, expr.Kind == unstable.ArrayTable)
			start, _ := rangePos(first)
			// Implicit parents ([a] of [a.b]) get the header's position, so
			// a finding about an unknown "a" still has a line.
			for i := 1; i < len(parts); i++ {
				add(entryAt(newEntry(resolve("", parts[:i]), true, start)))
			}
			if expr.Kind == unstable.Table {
				current = resolve("", parts)
			} else {
				parent := resolve("", parts[:len(parts)-1])
				path := join(parent, QuotePart(parts[len(parts)-1]))
				n := arrays[path]
				arrays[path] = n + 1
				add(entryAt(newEntry(path, true, start)))
				current = path + "[" + strconv.Itoa(n) + "]"
			}
			add(entryAt(newEntry(current, true, start)))
		case unstable.KeyValue:
			tb.keyValue(current, parts, expr.Value())
			start, _ := rangePos(first)
			// Dotted keys create implicit tables; index them so that a
			// finding about "a" in `a.b = 1` still has a position.
			for i := 1; i < len(parts); i++ {
				k := join(current, JoinParts(parts[:i]))
				add(entryAt(newEntry(k, true, start)))
			}
			walkValue(join(current, JoinParts(parts)), expr.Value(), start)
		}
	}
	return done()
}

// oldKeyParts returns the raw parts of a key and the range of its first part.
func oldKeyParts(n *unstable.Node) ([]string, unstable.Range) {
	var parts []string
	var first unstable.Range
	for it := n.Key(); it.Next(); {
		k := it.Node()
		if len(parts) == 0 {
			first = k.Raw
		}
		parts = append(parts, string(k.Data))
	}
	return parts, first
}

type oldTreeBuilder struct {
	root map[string]any
	// nodes holds every table and key defined so far, by canonical path
	// (as the index spells it).
	nodes   map[string]oldTnode
	section int32
	// failed is set at the first problem; nothing more is built.
	failed bool
}

func newOldTreeBuilder() *oldTreeBuilder {
	root := map[string]any{}
	return &oldTreeBuilder{root: root, nodes: map[string]oldTnode{"": {kind: tExplicit, m: root}}}
}

func (tb *oldTreeBuilder) fail() { tb.failed = true }

// header handles [parts] (array false) or [[parts]] and returns the
// canonical path of the table that keys now go into. paths[i] is the
// canonical path of parts[:i+1] as the index resolves it.
func (tb *oldTreeBuilder) header(parts []string, array bool) {
	if tb.failed {
		return
	}
	tb.section++
	path := ""
	cur := tb.root
	for i, part := range parts {
		path = join(path, QuotePart(part))
		n, ok := tb.nodes[path]
		last := i == len(parts)-1
		switch {
		case !ok:
			m := map[string]any{}
			switch {
			case !last:
				tb.nodes[path] = oldTnode{kind: tImplicit, m: m}
				cur[part] = m
			case array:
				cur[part] = []map[string]any{m}
				tb.nodes[path] = oldTnode{kind: tArray, parent: cur, name: part}
				path += "[0]"
				tb.nodes[path] = oldTnode{kind: tExplicit, m: m}
			default:
				tb.nodes[path] = oldTnode{kind: tExplicit, m: m}
				cur[part] = m
			}
			cur = m
		case last && array:
			if n.kind != tArray {
				tb.fail()
				return
			}
			arr, _ := n.parent[n.name].([]map[string]any)
			m := map[string]any{}
			n.parent[n.name] = append(arr, m)
			path += "[" + strconv.Itoa(len(arr)) + "]"
			tb.nodes[path] = oldTnode{kind: tExplicit, m: m}
			cur = m
		case last:
			if n.kind != tImplicit {
				tb.fail() // defined twice, or a value, or an array of tables
				return
			}
			n.kind = tExplicit
			tb.nodes[path] = n
			cur = n.m
		case n.kind == tArray:
			arr, _ := n.parent[n.name].([]map[string]any)
			path += "[" + strconv.Itoa(len(arr)-1) + "]"
			cur = tb.nodes[path].m
		case n.kind == tClosed:
			tb.fail() // a header inside a value or an inline table
			return
		default:
			cur = n.m
		}
	}
}

// keyValue handles parts = value under the table at canonical path current.
func (tb *oldTreeBuilder) keyValue(current string, parts []string, v *unstable.Node) {
	if tb.failed {
		return
	}
	n, ok := tb.nodes[current]
	if !ok || n.m == nil {
		tb.fail()
		return
	}
	cur := n.m
	path := current
	for i, part := range parts {
		path = join(path, QuotePart(part))
		n, ok := tb.nodes[path]
		if i == len(parts)-1 {
			if ok {
				tb.fail() // a key defined twice
				return
			}
			val, good := tb.value(v)
			if !good {
				tb.fail()
				return
			}
			cur[part] = val
			tb.nodes[path] = oldTnode{kind: tClosed, v: val}
			return
		}
		switch {
		case !ok:
			m := map[string]any{}
			cur[part] = m
			tb.nodes[path] = oldTnode{kind: tDotted, section: tb.section, m: m}
			cur = m
		case n.kind == tDotted && n.section == tb.section:
			cur = n.m
		default:
			tb.fail() // dotted keys may not add to a table made elsewhere
			return
		}
	}
}

// value decodes a value node; ok is false for what the builder leaves to
// the slow path (dates and times) or finds invalid (a malformed number).
func (tb *oldTreeBuilder) value(v *unstable.Node) (any, bool) {
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
		for it := v.Children(); it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
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
func (tb *oldTreeBuilder) inlineTable(v *unstable.Node) (any, bool) {
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

type oldTnode struct {
	kind tkind
	// section is the header after which a dotted table was made: dotted
	// keys may only add to such a table under the same header.
	section int32
	m       map[string]any // the table, for tables
	v       any            // the value, for tClosed
	parent  map[string]any // for tArray: the table holding the array
	name    string         // for tArray: its key in parent
}

// tnode is a node as today's Entry keeps it.
type tnode struct {
	kind    tkind
	section int32
	v       any
}

// newNodes turns the oracle's nodes into today's: the table or value in v,
// nothing for an array of tables.
func newNodes(old map[string]oldTnode) map[string]tnode {
	out := make(map[string]tnode, len(old))
	for k, n := range old {
		switch {
		case n.kind == tArray:
			out[k] = tnode{kind: tArray, section: n.section}
		case n.kind == tClosed:
			out[k] = tnode{kind: n.kind, section: n.section, v: n.v}
		default:
			out[k] = tnode{kind: n.kind, section: n.section, v: n.m}
		}
	}
	return out
}

// entryAt returns e on the heap.
func entryAt(e Entry) *Entry { return &e }
