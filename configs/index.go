package configs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"iter"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/stepstone-dev/stepstone/internal/memo"
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
	// file, and lines and columns of KeyPos, ValuePos and ValueEnd: one
	// name and six small numbers, not three positions that each repeat
	// the name (a file's entries were a quarter of what loading it
	// allocated).
	file                   string
	kl, kc, vl, vc, el, ec int32
	// Header is true for [table] and [[array]] headers.
	Header bool
	// kind is what the tree builder made at Key (0 for nothing: a key
	// inside a value); section is the header a dotted table was made
	// under, or an array of tables' element count; v is the value, or a
	// table once buildTree has made it (nil before, and for an array of
	// tables). The builder keeps its nodes here, so that a key costs one
	// map entry.
	kind    tkind
	section int32
	// schema is SchemaKey(Key), worked out once: a dozen rules ask; spec
	// is its spec in the file's schema once File.EntrySpec has asked.
	schema string
	spec   *Spec
	v      any
}

// newEntry is an entry whose key and value stand at pos.
func newEntry(key string, header bool, pos report.Position) Entry {
	l, c := int32(pos.Line), int32(pos.Col)
	return Entry{Key: key, file: pos.File, kl: l, kc: c, vl: l, vc: c, el: l, ec: c, Header: header}
}

// KeyPos is where the key (or the table header) starts.
func (e *Entry) KeyPos() report.Position { return e.pos(e.kl, e.kc) }

// ValuePos is where the value starts; for a table header, KeyPos.
func (e *Entry) ValuePos() report.Position { return e.pos(e.vl, e.vc) }

// ValueEnd is where the value ends; for a table header, KeyPos.
func (e *Entry) ValueEnd() report.Position { return e.pos(e.el, e.ec) }

func (e *Entry) pos(line, col int32) report.Position {
	return report.Position{File: e.file, Line: int(line), Col: int(col)}
}

// setValue bounds the value (in the entry's file).
func (e *Entry) setValue(start, end report.Position) {
	e.vl, e.vc, e.el, e.ec = int32(start.Line), int32(start.Col), int32(end.Line), int32(end.Col)
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
		return report.Range{Start: e.KeyPos()}
	}
	return report.Range{Start: e.KeyPos(), End: e.ValueEnd()}
}

// ValueRange covers the value; for a table header it is the header's point.
func (e *Entry) ValueRange() report.Range {
	if e.Header {
		return report.Range{Start: e.KeyPos()}
	}
	return report.Range{Start: e.ValuePos(), End: e.ValueEnd()}
}

// Index maps canonical keys to where they stand.
type Index struct {
	entries map[string]*Entry
	order   []*Entry
	// tooDeep is set at the first key of maxNesting parts or more; the
	// index stops there.
	tooDeep *report.Position
	// block is the first block of entries the loader took them from,
	// given back by recycle.
	block []Entry
}

// indexStores keeps the storage of indexes a run is done with (see
// Index.recycle) for the next file's: a lint over many files drops each
// file's index once linted, and making a new one for every file was most
// of what a run allocated, so the collector ran to take it back.
var indexStores sync.Pool

// recycle gives ix's storage to the next file loaded. Nothing may read ix,
// nor any of its entries, afterwards.
func (ix *Index) recycle() {
	// Not a large file's: its map would be cleared, whole, after every
	// small file that followed.
	if ix.block == nil || len(ix.order) > maxPresize {
		return
	}
	clear(ix.block)
	clear(ix.entries)
	clear(ix.order)
	indexStores.Put(&Index{entries: ix.entries, order: ix.order[:0], block: ix.block})
	*ix = Index{}
}

// reusedIndex, when set (by tests), is called each time newIndex reuses
// storage.
var reusedIndex func()

// newIndex is an index for about n keys, on recycled storage when there
// is some of that size.
func newIndex(n int) *Index {
	if ix, _ := indexStores.Get().(*Index); ix != nil {
		if len(ix.block) >= n {
			if reusedIndex != nil {
				reusedIndex()
			}
			return ix
		}
		indexStores.Put(ix)
	}
	return &Index{entries: make(map[string]*Entry, n), order: make([]*Entry, 0, n), block: make([]Entry, n)}
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
	off, _, _ := prescan(src, false, nil)
	return off
}

// prescan is nestingTooDeep, and it also counts the '=' and '[' outside
// strings and comments: about one key a '=' and one header or array a
// '[' or two, which sizes the loader's maps from the same pass over the
// bytes (a separate count of content lines was 3 % of a lint).
//
// With strip, it also returns content: the file without its comments.
// Comments are most of an example config, and the parser then need not
// check them byte by byte. Each line break stays, so every other byte
// keeps its line and column, and outside strings a '#' can only start a
// comment, so content reads as the file did. A comment is left out only
// when the parser would accept it (see scanComment). content is nil when
// nothing was left out, or when the file is nested too deeply.
//
// content is built in buf when it has room (Load lends a buffer of an
// earlier file: the parse copies what it keeps, so content is garbage after
// it, and a fresh buffer for every file was a tenth of what loading
// allocated).
func prescan(src []byte, strip bool, buf []byte) (tooDeep, keys int, content []byte) {
	depth, eq, open := 0, 0, 0
	last := 0 // src[:last] is in content
	for i := 0; i < len(src); i++ {
		// Most bytes matter not: one table look-up passes them, in a
		// loop of its own (in this one, the counters went to memory and
		// back at every byte).
		if i = skipPlain(src, i); i == len(src) {
			break
		}
		switch src[i] {
		case '#':
			// Comments are most of an example config: skip to the end of
			// the line a word at a time.
			if !strip {
				j := bytes.IndexByte(src[i:], '\n')
				if j < 0 {
					return -1, eq + open/2, nil
				}
				i += j
				continue
			}
			end, valid := scanComment(src, i)
			if valid {
				body := end
				if end < len(src) && end > i+1 && src[end-1] == '\r' {
					body-- // CRLF: the line break stays
				}
				if content == nil {
					if content = buf[:0]; content == nil {
						content = make([]byte, 0, len(src)/2)
					}
				}
				content = append(content, src[last:i]...)
				last = body
			}
			if end == len(src) {
				return -1, eq + open/2, finishContent(content, src, last)
			}
			i = end
		case '"', '\'':
			i = skipString(src, i)
		case '=':
			eq++
		case '[', '{':
			if src[i] == '[' {
				open++
			}
			depth++
			if depth >= maxNesting {
				return i, eq + open/2, nil
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return -1, eq + open/2, finishContent(content, src, last)
}

// finishContent appends what follows the last comment left out.
func finishContent(content, src []byte, last int) []byte {
	if content == nil {
		return nil
	}
	return append(content, src[last:]...)
}

// scanComment reads the comment whose '#' is at src[i]. end is the offset
// of the '\n' that ends it, or len(src); valid reports whether go-toml/v2's
// parser accepts its text: tabs, printable ASCII and well-formed UTF-8, no
// other control character (TOML 1.0), and a '\r' only as part of the line
// break. It reads eight bytes at a time while they are printable ASCII, and
// so finds the line break in the same pass (finding it first with
// bytes.IndexByte and then checking the text cost twice as much).
// TestScanCommentAgreesWithParser holds it to the parser's own check.
func scanComment(src []byte, i int) (end int, valid bool) {
	k := i + 1
	for {
		for k+8 <= len(src) {
			m := unprintable(binary.LittleEndian.Uint64(src[k:]))
			if m == 0 {
				k += 8
				continue
			}
			k += bits.TrailingZeros64(m) >> 3
			break
		}
		if k >= len(src) {
			return len(src), true
		}
		switch c := src[k]; {
		case c == '\n':
			return k, true
		case c >= 0x20 && c < 0x7f || c == '\t':
			k++
		case c == '\r' && k+1 < len(src) && src[k+1] == '\n':
			return k + 1, true
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(src[k:])
			if r == utf8.RuneError && n == 1 {
				return lineEnd(src, k), false
			}
			k += n
		default:
			return lineEnd(src, k), false
		}
	}
}

// lineEnd returns the offset of the first '\n' from k on, or len(src).
func lineEnd(src []byte, k int) int {
	if j := bytes.IndexByte(src[k:], '\n'); j >= 0 {
		return k + j
	}
	return len(src)
}

// unprintable flags the top bit of each byte of x that is not printable
// ASCII (0x20 to 0x7e): a byte under 0x20 borrows into its top bit, one of
// 0x7f or more carries into it or has it. A borrow or carry only ever
// comes from a byte that is flagged itself, so the lowest flag is exact.
func unprintable(x uint64) uint64 {
	return ((x - 0x2020202020202020) | (x + 0x0101010101010101) | x) & 0x8080808080808080
}

// skipPlain returns the offset of the first byte from i on that prescan
// looks at, or len(src).
//
//go:noinline
func skipPlain(src []byte, i int) int {
	for i < len(src) && !nestingBytes[src[i]] {
		i++
	}
	return i
}

var nestingBytes = [256]bool{'#': true, '"': true, '\'': true, '[': true, '{': true, ']': true, '}': true, '=': true}

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
	src []byte
	// starts holds the offset of every line; parseDoc leaves it nil, and
	// it is built only if an offset comes before the cursor.
	starts []int
	// The cursor makes the position of a later offset cost only the bytes
	// in between (counted with bytes.Count): the loader asks in file order,
	// and a 100k-element array on one line would otherwise be quadratic.
	curOff, curLine, curCol int
}

func newLineTable(src []byte) *lineTable {
	lt := &lineTable{src: src}
	lt.lineStarts()
	return lt
}

func (lt *lineTable) lineStarts() []int {
	if lt.starts != nil {
		return lt.starts
	}
	// Sized once: appending doubled it up to eleven times for a
	// thousand-line file.
	starts := make([]int, 1, bytes.Count(lt.src, []byte{'\n'})+1)
	for i := 0; ; {
		j := bytes.IndexByte(lt.src[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	lt.starts = starts
	return starts
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
	var line, col int
	if off >= lt.curOff {
		between := lt.src[lt.curOff:off]
		// The cursor's column is 0 only at offset 0, column 1.
		if l, c, ok := advance(between, lt.curLine, max(lt.curCol, 1)); ok {
			line, col = l, c
		} else if nl := bytes.Count(between, []byte{'\n'}); nl > 0 {
			line = lt.curLine + nl
			col = utf8.RuneCount(between[bytes.LastIndexByte(between, '\n')+1:]) + 1
		} else if line = lt.curLine; lt.curCol > 0 {
			col = lt.curCol + utf8.RuneCount(between)
		} else {
			// Only at the start: the cursor has no column yet.
			col = utf8.RuneCount(lt.src[:off]) + 1
		}
	} else {
		starts := lt.lineStarts()
		line = sort.Search(len(starts), func(i int) bool { return starts[i] > off }) - 1
		col = utf8.RuneCount(lt.src[starts[line]:off]) + 1
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
	if l, c, ok := advance(raw, start.Line, start.Col); ok {
		start.Line, start.Col = l, c
		return start
	}
	nl := bytes.LastIndexByte(raw, '\n')
	if nl < 0 {
		start.Col += utf8.RuneCount(raw)
		return start
	}
	start.Line += bytes.Count(raw, []byte{'\n'})
	start.Col = utf8.RuneCount(raw[nl+1:]) + 1
	return start
}

// advance moves a line and column over b when b is short ASCII text,
// which is most of what lies between two places the loader asks for
// ("key = ", a value, and the line breaks left where comments were). It
// reads eight bytes at a time: bytes.Count and utf8.RuneCount cost two
// calls for a dozen bytes. ok is false otherwise, and the callers count
// the slow way.
func advance(b []byte, line, col int) (int, int, bool) {
	if len(b) > 256 {
		return 0, 0, false
	}
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if w&0x8080808080808080 != 0 {
			return 0, 0, false
		}
		// The top bit of each byte that is '\n' (exact: with the top bits
		// clear, no byte carries into the next).
		x := w ^ 0x0a0a0a0a0a0a0a0a
		nl := ^((x&0x7f7f7f7f7f7f7f7f + 0x7f7f7f7f7f7f7f7f) | x | 0x7f7f7f7f7f7f7f7f)
		if nl == 0 {
			col += 8
			continue
		}
		line += bits.OnesCount64(nl)
		col = 8 - (63-bits.LeadingZeros64(nl))>>3
	}
	for _, c := range b[i:] {
		switch {
		case c == '\n':
			line, col = line+1, 1
		case c < utf8.RuneSelf:
			col++
		default:
			return 0, 0, false
		}
	}
	return line, col, true
}

// parsed is what one parser pass over a file yields.
type parsed struct {
	ix *Index
	// ok is set when the tree builder decoded the document (see
	// treeBuilder): the index's entries then hold its nodes (Entry.kind)
	// and values, and buildTree makes its tables.
	ok bool
	// err is the parser's syntax error, with the byte offset it points at.
	err    *unstable.ParserError
	errOff int
	// v11 is the first TOML 1.1 addition, which GreptimeDB refuses.
	v11 *toml11Issue
}

// buildIndex walks the document once, building the position index with
// the decoded values. The index stops quietly at the first syntax error:
// the loader reports it, and what was indexed before it is still useful.
func buildIndex(file string, src []byte) *Index { return parseDoc(file, src, -1).ix }

// docLoader is one pass of parseDoc. Loading is most of the cost of a lint
// (issue 13), so keys are built once per expression in a reused buffer,
// entries come from blocks, and maps are sized from prescan's count.
type docLoader struct {
	file string
	src  []byte
	// intern says keys are looked up in keyTexts: not for a file of more
	// keys than real configs hold, which would only fill it.
	intern bool
	lt     lineTable
	ix     *Index
	tb     *treeBuilder
	// arrays maps a canonical array-table path to its element count.
	arrays  map[string]int
	current string
	// curSchema is SchemaKey(current) when current has indexes and no
	// quotes, else current itself.
	curSchema string
	// buf and parts are scratch space for the key being read.
	buf   []byte
	parts []readPart
	// block is where the next entries are taken from.
	block []Entry
}

// readPart is one part of a key being read: its raw name (a map key of the
// tree) and where it starts and ends in the canonical key; elem is past the
// "[n]" that follows an array of tables in a header, else end.
type readPart struct {
	name             string
	start, end, elem int
	bare             bool
}

// parseDoc loads src; keys is prescan's count of it, or -1 to count here.
func parseDoc(file string, src []byte, keys int) parsed {
	if keys < 0 {
		_, keys, _ = prescan(src, false, nil)
	}
	// The upstream examples hold a tenth more keys than '=' and headers
	// (implicit tables, array elements): 152 for 140 in the datanode's.
	// Capped: a huge file that fails on its first line must not cost its
	// size in memory up front; past the cap, maps grow as they fill.
	n := min(keys*9/8+8, maxPresize)
	d := &docLoader{
		file: file, src: src, lt: lineTable{src: src},
		ix: newIndex(n), intern: keys <= maxInternKeys,
	}
	d.block = d.ix.block
	d.tb = newTreeBuilder(d)
	p := parsers.Get().(*unstable.Parser)
	p.Reset(src)
	defer putParser(p, len(src))
	var v11 *toml11Issue
	// TOML 1.1's escapes need a backslash and its inline tables a brace;
	// a file with neither can only hold its times without seconds, which
	// only values look for (find11 on every expression was 1.5 % of a lint).
	escapes := bytes.IndexByte(src, '\\') >= 0 || bytes.IndexByte(src, '{') >= 0
	for p.NextExpression() {
		expr := p.Expression()
		if v11 == nil && (escapes || mayHoldTime(expr)) {
			v11 = find11(src, expr)
		}
		switch expr.Kind {
		case unstable.Table, unstable.ArrayTable:
			if !d.header(expr) {
				return d.done(p, v11)
			}
		case unstable.KeyValue:
			if !d.keyValue(expr) {
				return d.done(p, v11)
			}
		}
	}
	return d.done(p, v11)
}

// parsers keeps go-toml's parsers between files: a parser keeps the nodes
// of the expression it read, which a new one grows again for every file.
var parsers = sync.Pool{New: func() any { return new(unstable.Parser) }}

// putParser gives p back once it read a text of n bytes; not after a
// large text, whose nodes it would keep.
func putParser(p *unstable.Parser, n int) {
	if n > 1<<20 {
		return
	}
	p.Reset(nil)
	parsers.Put(p)
}

// maxPresize bounds the sizing from prescan: real configs hold a few
// hundred keys.
const maxPresize = 4096

func (d *docLoader) done(p *unstable.Parser, v11 *toml11Issue) parsed {
	out := parsed{ix: d.ix, v11: v11}
	var pe *unstable.ParserError
	if err := p.Error(); errors.As(err, &pe) {
		out.err = pe
		// The highlight is a slice of src: its offset is told by the
		// capacity left after it (go-toml's Range panics on a slice that
		// is not, so it is worked out here with a bound).
		out.errOff = len(d.src)
		if pe.Highlight != nil {
			if off := cap(d.src) - cap(pe.Highlight); off >= 0 && off <= len(d.src) {
				out.errOff = off
			}
		}
	} else if err != nil {
		out.err = &unstable.ParserError{Message: err.Error()}
	} else if !d.tb.failed && d.ix.tooDeep == nil && v11 == nil {
		out.ok = true
	}
	return out
}

// add indexes a key at pos unless it is indexed already: the first
// definition is the one to point at.
func (d *docLoader) add(key string, header bool, pos report.Position) {
	if !d.indexed(key) {
		d.put(key, header, pos)
	}
}

func (d *docLoader) indexed(key string) bool {
	_, ok := d.ix.entries[key]
	return ok
}

// put indexes a key known to be new.
func (d *docLoader) put(key string, header bool, pos report.Position) *Entry {
	e := d.slot(key, header, pos)
	d.ix.entries[key] = e
	d.taken(e)
	return e
}

// slot fills in the next free entry of the block, which taken then puts
// last in the order.
func (d *docLoader) slot(key string, header bool, pos report.Position) *Entry {
	if len(d.block) == 0 {
		d.block = make([]Entry, 32)
	}
	e := &d.block[0]
	*e = newEntry(key, header, pos)
	e.schema = d.schemaKey(key)
	return e
}

// schemaKey is SchemaKey(key). A key written under an [[array]] header
// gets the header's schema key and its own plain rest: SchemaKey would
// look the whole key up in its memo, a hash of every such key.
func (d *docLoader) schemaKey(key string) string {
	c := d.current
	if d.curSchema != c && len(key) > len(c) && key[len(c)] == '.' && key[:len(c)] == c {
		if rest := key[len(c):]; strings.IndexByte(rest, '[') < 0 && strings.IndexByte(rest, '"') < 0 {
			// Remembered: the same keys come back in every file, and a
			// new string for each was a tenth of what a file's index
			// allocated.
			return underArray.Get([2]string{d.curSchema, rest}, func(k [2]string) string { return k[0] + k[1] })
		}
	}
	return SchemaKey(key)
}

// keyTexts holds the keys of the files loaded: the same keys come back in
// every file, and a new string for each was a tenth of what loading
// allocated.
var keyTexts = memo.Map[string, string]{Max: maxSchemaKeys}

// maxInternKeys is the most keys (prescan's count) of a file whose keys
// are interned; the upstream examples hold up to 250.
const maxInternKeys = 2048

// underArray remembers the schema keys of keys under an array of tables.
var underArray = memo.Map[[2]string, string]{Max: maxSchemaKeys}

func (d *docLoader) taken(e *Entry) {
	d.block = d.block[1:]
	d.ix.order = append(d.ix.order, e)
}

// Key reading modes: a key = value, a [table] or an [[array]] header.
const (
	readKV = iota
	readTable
	readArray
)

// readKey appends the canonical form of n's key parts to d.buf, as join
// and QuotePart spell it, and records them in d.parts; it returns the
// range of the first part. In a header, a part naming an array of tables
// is followed by the index of its last element, as keys under it are
// (the last part of [[array]] by the index of the element it adds, which
// it returns as well).
func (d *docLoader) readKey(n *unstable.Node, mode int) (first unstable.Range, elem int) {
	d.parts = d.parts[:0]
	it := n.Key()
	for more := it.Next(); more; {
		k := it.Node()
		more = it.Next()
		if len(d.parts) == 0 {
			first = k.Raw
		}
		if len(d.buf) > 0 {
			d.buf = append(d.buf, '.')
		}
		p := readPart{start: len(d.buf), bare: d.writtenBare(k) || isBareKeyBytes(k.Data)}
		if p.bare {
			d.buf = append(d.buf, k.Data...)
		} else {
			p.name = string(k.Data)
			d.buf = strconv.AppendQuote(d.buf, p.name)
		}
		p.end = len(d.buf)
		if mode != readKV && d.arrays != nil {
			n := d.arrays[string(d.buf)]
			if mode == readArray && !more {
				elem = n
				d.buf = appendElem(d.buf, n)
			} else if n > 0 {
				d.buf = appendElem(d.buf, n-1)
			}
		} else if mode == readArray && !more {
			d.buf = appendElem(d.buf, 0)
		}
		p.elem = len(d.buf)
		d.parts = append(d.parts, p)
	}
	return first, elem
}

// writtenBare reports whether key part k is written bare in the source: the
// parser then hands over the source bytes themselves as its name, which
// are bare key characters (go-toml's scanSimpleKey), so they need no check.
func (d *docLoader) writtenBare(k *unstable.Node) bool {
	off := int(k.Raw.Offset)
	return len(k.Data) > 0 && int(k.Raw.Length) == len(k.Data) && off < len(d.src) && &d.src[off] == &k.Data[0]
}

func appendElem(b []byte, i int) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, ']')
}

// finishKey makes the key string of d.buf, once, and names the bare parts
// with slices of it.
func (d *docLoader) finishKey() string {
	var key string
	if d.intern {
		key = memo.Intern(&keyTexts, d.buf)
	} else {
		key = string(d.buf)
	}
	for i := range d.parts {
		if p := &d.parts[i]; p.bare {
			p.name = key[p.start:p.end]
		}
	}
	return key
}

// tooDeep notes a key of maxNesting parts or more. One in an inline table
// is noted if it is the first; one that is an expression stops the pass
// and is the one noted.
func (d *docLoader) tooDeep(first unstable.Range, stop bool) {
	if d.ix.tooDeep == nil || stop {
		pos := d.lt.pos(d.file, int(first.Offset))
		d.ix.tooDeep = &pos
	}
}

// key reads expr's key after what d.buf holds (readKey; its parts are in
// d.parts) and returns it with readKey's count and where its first part
// starts; false, after recording it, for a key nested too deep.
func (d *docLoader) key(expr *unstable.Node, mode int) (string, int, report.Position, bool) {
	first, n := d.readKey(expr, mode)
	if len(d.parts) >= maxNesting {
		d.tooDeep(first, true)
		return "", 0, report.Position{}, false
	}
	return d.finishKey(), n, d.lt.pos(d.file, int(first.Offset)), true
}

// header reads [table] or [[array]]; false stops the pass.
func (d *docLoader) header(expr *unstable.Node) bool {
	array := expr.Kind == unstable.ArrayTable
	mode := readTable
	if array {
		mode = readArray
	}
	d.buf = d.buf[:0]
	key, n, start, ok := d.key(expr, mode)
	if !ok {
		return false
	}
	parts := d.parts
	built := d.tb.header(key, parts, array, start)
	// Implicit parents ([a] of [a.b]) get the header's position, so a
	// finding about an unknown "a" still has a line.
	if !built {
		for _, p := range parts[:len(parts)-1] {
			d.add(key[:p.elem], true, start)
		}
	}
	if array {
		last := parts[len(parts)-1]
		path := key[:last.end]
		if d.arrays == nil {
			d.arrays = map[string]int{}
		}
		d.arrays[path] = n + 1
		if !built {
			d.add(path, true, start)
		}
	}
	d.current = key
	// Only a header with indexes and no quotes has a schema key worth
	// reusing (see schemaKey); else it is the header itself.
	d.curSchema = key
	if strings.IndexByte(key, '[') >= 0 && strings.IndexByte(key, '"') < 0 {
		d.curSchema = SchemaKey(key)
	}
	if !built {
		d.add(key, true, start)
	}
	return true
}

// keyValue reads key = value; false stops the pass.
func (d *docLoader) keyValue(expr *unstable.Node) bool {
	d.buf = append(d.buf[:0], d.current...)
	key, _, start, ok := d.key(expr, readKV)
	if !ok {
		return false
	}
	parts := d.parts
	e := d.tb.keyValue(key, parts, expr.Value(), start)
	// Dotted keys create implicit tables; index them so that a finding
	// about "a" in `a.b = 1` still has a position.
	if e == nil {
		for _, p := range parts[:len(parts)-1] {
			d.add(key[:p.end], true, start)
		}
	}
	d.walkValue(key, expr.Value(), start, false, e)
	return true
}

// walkValue indexes a value and, in arrays and inline tables, what it
// holds. keyStart is where its key starts; for an element of an array
// (elem) it is where the value itself starts. e is key's entry when the
// tree builder has just made it; else key is indexed unless it is already.
func (d *docLoader) walkValue(key string, v *unstable.Node, keyStart report.Position, elem bool, e *Entry) {
	if e == nil && !d.indexed(key) {
		e = d.put(key, false, keyStart)
	}
	if e != nil {
		if r := v.Raw; r.Length > 0 {
			start := e.ValuePos()
			if !elem {
				start = d.lt.pos(d.file, int(r.Offset))
			}
			e.setValue(start, d.lt.end(start, int(r.Offset), int(r.Offset+r.Length)))
		}
	}
	switch v.Kind {
	case unstable.Array:
		for i, c := range ArrayElements(v) {
			start := keyStart
			if c.Raw.Length > 0 {
				start = d.lt.pos(d.file, int(c.Raw.Offset))
			}
			d.walkValue(key+"["+strconv.Itoa(i)+"]", c, start, c.Raw.Length > 0, nil)
		}
	case unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			kv := it.Node()
			if kv.Kind != unstable.KeyValue {
				continue
			}
			d.buf = append(d.buf[:0], key...)
			first, _ := d.readKey(kv, readKV)
			if len(d.parts) >= maxNesting {
				d.tooDeep(first, false)
				continue
			}
			start := d.lt.pos(d.file, int(first.Offset))
			d.walkValue(string(d.buf), kv.Value(), start, false, nil)
		}
	}
}

// ArrayElements yields the elements of an array node with their index,
// leaving out the comments the parser keeps between them (the loader, the
// tree builder and fix's layout each walk arrays so).
func ArrayElements(v *unstable.Node) iter.Seq2[int, *unstable.Node] {
	return func(yield func(int, *unstable.Node) bool) {
		i := 0
		for it := v.Children(); it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			if !yield(i, c) {
				return
			}
			i++
		}
	}
}

func isBareKeyBytes(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}
