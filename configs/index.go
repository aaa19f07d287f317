package configs

import (
	"bytes"
	"errors"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/stepstone-dev/stepstone/report"
)

// Entry is where one key stands in a file. The index is built from
// go-toml/v2's unstable parser, which gives byte ranges, in the same pass
// that decodes the values (treeBuilder).
type Entry struct {
	// Key is the canonical path: dotted, with array indexes in brackets, as
	// in "storage.bucket", "region_engine[0].mito.num_workers" or
	// "store_addrs[1]" for an element of an inline array.
	Key string
	// KeyPos is where the key (or the table header) starts.
	KeyPos report.Position
	// ValuePos and ValueEnd bound the value; for a table header they equal
	// the header's position.
	ValuePos, ValueEnd report.Position
	// Header is true for [table] and [[array]] headers.
	Header bool
	// schema is SchemaKey(Key), worked out once: a dozen rules ask.
	schema string
}

// SchemaKey is SchemaKey(e.Key).
func (e *Entry) SchemaKey() string {
	if e.schema == "" {
		return SchemaKey(e.Key)
	}
	return e.schema
}

// KeyRange runs from the key to the end of its value; a table header is a
// point (no end).
func (e *Entry) KeyRange() report.Range {
	if e.Header {
		return report.Range{Start: e.KeyPos}
	}
	return report.Range{Start: e.KeyPos, End: e.ValueEnd}
}

// ValueRange covers the value; for a table header it is the header's point.
func (e *Entry) ValueRange() report.Range {
	if e.Header {
		return report.Range{Start: e.KeyPos}
	}
	return report.Range{Start: e.ValuePos, End: e.ValueEnd}
}

// Index maps canonical keys to where they stand.
type Index struct {
	entries map[string]*Entry
	order   []*Entry
	// tooDeep is set at the first key of maxNesting parts or more; the
	// index stops there.
	tooDeep *report.Position
}

// maxNesting mirrors the recursion limit of toml_edit, the parser behind
// the toml crate GreptimeDB reads its config with: arrays and inline
// tables nested 128 deep, or a key of 128 parts, fail with "recursion
// limit exceeded" (toml-rs/toml crates/toml_edit/src/parser/mod.rs,
// RecursionCheck). Stopping there also keeps a hostile file from costing
// minutes: BurntSushi's decoder is quadratic in the nesting depth.
const maxNesting = 128

// nestingTooDeep returns the offset of the bracket that opens the
// maxNesting-th nested array or inline table, or -1. It skips strings and
// comments; table headers open and close on their own line, so they never
// add up. It needs no valid TOML, so it also catches "[[[[..." left open.
func nestingTooDeep(src []byte) int {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case '"', '\'':
			i = skipString(src, i)
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

// skipString returns the offset of the last byte of the string that opens
// at i (basic or literal, one-line or multi-line), or the end of the input
// or line when it is not closed.
func skipString(src []byte, i int) int {
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

// Get returns the entry for a canonical key.
func (ix *Index) Get(key string) (*Entry, bool) {
	if ix == nil {
		return nil, false
	}
	e, ok := ix.entries[key]
	return e, ok
}

// Entries returns every entry in file order.
func (ix *Index) Entries() []*Entry {
	if ix == nil {
		return nil
	}
	return ix.order
}

// lineTable converts byte offsets into 1-based line and rune columns
// without rescanning the file for every key.
type lineTable struct {
	src    []byte
	starts []int
	// A cursor makes the column of the next, later offset on the same line
	// cost only the bytes in between: a 100k-element array on one line
	// would otherwise be quadratic.
	curOff, curLine, curCol int
}

func newLineTable(src []byte) *lineTable {
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
	return &lineTable{src: src, starts: starts}
}

func (lt *lineTable) pos(file string, off int) report.Position {
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
func (lt *lineTable) end(start report.Position, from, to int) report.Position {
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

// parsed is what one parser pass over a file yields.
type parsed struct {
	ix *Index
	// tree is the decoded document, or nil when the tree builder gave up
	// (see treeBuilder) or the parser failed.
	tree map[string]any
	// nodes maps the canonical keys of the tree to their values.
	nodes map[string]tnode
	// err is the parser's syntax error, with the byte offset it points at.
	err    *unstable.ParserError
	errOff int
	// v11 is the first TOML 1.1 addition, which GreptimeDB refuses.
	v11 *toml11Issue
}

// buildIndex walks the document once, building the position index and the
// decoded tree together. The index stops quietly at the first syntax error:
// the loader reports it, and what was indexed before it is still useful.
func buildIndex(file string, src []byte) *Index { return parseDoc(file, src).ix }

func parseDoc(file string, src []byte) parsed {
	ix := &Index{entries: map[string]*Entry{}}
	lt := newLineTable(src)
	tb := newTreeBuilder()
	var p unstable.Parser
	p.Reset(src)
	var v11 *toml11Issue
	done := func() parsed {
		out := parsed{ix: ix, v11: v11}
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
			out.tree, out.nodes = tb.root, tb.nodes
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
		e := &Entry{Key: key, KeyPos: keyStart, ValuePos: keyStart, ValueEnd: keyStart}
		if v.Raw.Length > 0 {
			e.ValuePos, e.ValueEnd = rangePos(v.Raw)
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
				parts, first := keyParts(kv)
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
			if parts, first = keyParts(expr); len(parts) >= maxNesting {
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
				add(&Entry{Key: resolve("", parts[:i]), KeyPos: start, ValuePos: start, ValueEnd: start, Header: true})
			}
			if expr.Kind == unstable.Table {
				current = resolve("", parts)
			} else {
				parent := resolve("", parts[:len(parts)-1])
				path := join(parent, QuotePart(parts[len(parts)-1]))
				n := arrays[path]
				arrays[path] = n + 1
				add(&Entry{Key: path, KeyPos: start, ValuePos: start, ValueEnd: start, Header: true})
				current = path + "[" + strconv.Itoa(n) + "]"
			}
			add(&Entry{Key: current, KeyPos: start, ValuePos: start, ValueEnd: start, Header: true})
		case unstable.KeyValue:
			tb.keyValue(current, parts, expr.Value())
			start, _ := rangePos(first)
			// Dotted keys create implicit tables; index them so that a
			// finding about "a" in `a.b = 1` still has a position.
			for i := 1; i < len(parts); i++ {
				k := join(current, JoinParts(parts[:i]))
				add(&Entry{Key: k, KeyPos: start, ValuePos: start, ValueEnd: start, Header: true})
			}
			walkValue(join(current, JoinParts(parts)), expr.Value(), start)
		}
	}
	return done()
}

// keyParts returns the raw parts of a key and the range of its first part.
func keyParts(n *unstable.Node) ([]string, unstable.Range) {
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

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}
