package lint

import (
	"slices"
	"strings"
	"sync"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/memo"
)

// keyClass says how the schema sees a key written in a file.
type keyClass int

const (
	keyKnown   keyClass = iota // in the schema
	keyFree                    // below a free-form table: anything goes
	keyUnknown                 // not in the schema
	keyHidden                  // below an unknown key: reported at its parent only
)

// classifyKey looks a schema key up; an unknown key is classified by its
// nearest known parent. The parents (schemaParent's chain: "a.b[].c" has
// "a.b" and "a") are walked from the top down to the first unknown one,
// not up from the key: a key 10,000 tables deep would otherwise look up
// 10,000 long parents, for each of its 10,000 ancestors' entries.
func classifyKey(s *configs.Schema, sk string) (keyClass, *configs.Spec) {
	return classifyKnown(s, sk, s.Lookup(sk))
}

// classifyKnown is classifyKey when s.Lookup(sk) is known to be sp.
func classifyKnown(s *configs.Schema, sk string, sp *configs.Spec) (keyClass, *configs.Spec) {
	if sp != nil {
		return keyKnown, sp
	}
	base := strings.TrimSuffix(sk, "[]")
	var parent *configs.Spec // the deepest parent walked; all are known
	for i := configs.NextDot(base, 0); i >= 0; i = configs.NextDot(base, i+1) {
		sp := s.Lookup(strings.TrimSuffix(base[:i], "[]"))
		switch {
		case sp != nil:
			parent = sp
			continue
		case parent != nil && isFree(s, parent):
			return keyFree, nil // and so is everything below it
		}
		return keyHidden, nil // below an unknown key
	}
	if parent != nil && isFree(s, parent) {
		return keyFree, nil
	}
	return keyUnknown, nil
}

// isFree reports whether keys below sp are not checked: free-form tables,
// opaque values, and arrays of tables whose elements the schema leaves open.
func isFree(s *configs.Schema, sp *configs.Spec) bool {
	switch sp.Kind {
	case configs.KindMap, configs.KindAny:
		return true
	case configs.KindArrayTable:
		return len(s.Children(sp.Key+"[]")) == 0
	}
	return false
}

// schemaParent returns the parent of a schema key; "a.b[]" has parent "a"
// because "b[]" only names the elements of the array "a.b".
func schemaParent(sk string) string {
	sk = strings.TrimSuffix(sk, "[]")
	if i := configs.LastDot(sk); i >= 0 {
		return strings.TrimSuffix(sk[:i], "[]")
	}
	return ""
}

// leaf returns the last part of a key.
func leaf(key string) string {
	key = strings.TrimSuffix(key, "[]")
	if i := configs.LastDot(key); i >= 0 {
		return key[i+1:]
	}
	return key
}

// appendEntries appends to out the key entries rules should look at: table
// headers and key/value pairs, but not the elements of inline arrays
// (their array is checked as a whole) nor array-of-table element headers.
func appendEntries(out []*configs.Entry, f *configs.File) []*configs.Entry {
	all := f.Index().Entries()
	out = slices.Grow(out, len(all))
	for _, e := range all {
		if strings.HasSuffix(e.Key, "]") {
			continue
		}
		out = append(out, e)
	}
	return out
}

// findRename returns the rename that covers schema key sk for component c,
// and whether sk is exactly the renamed key (not a key below a renamed table).
// Of several that cover it, the first in configs.Renames wins.
func findRename(c configs.Component, sk string) (*configs.Rename, bool) {
	// Only sk and its prefixes that end before a '.' or "[]." can be an
	// old key: a look-up each, not a comparison with every rename (this
	// runs three times for every unknown key, and there are 64 renames).
	byOld := renamesByOld()
	best, exact := -1, false
	try := func(p string, whole bool) {
		for _, i := range byOld[p] {
			if best >= 0 && i >= best {
				return
			}
			if r := &configs.Renames[i]; len(r.Components) == 0 || hasComponent(r.Components, c) {
				best, exact = i, whole
				return
			}
		}
	}
	for i := 0; i < len(sk); i++ {
		if sk[i] == '.' || sk[i] == '[' && strings.HasPrefix(sk[i:], "[].") {
			try(sk[:i], false)
		}
	}
	try(sk, true)
	if best < 0 {
		return nil, false
	}
	return &configs.Renames[best], exact
}

// renamesByOld maps each old key to the indexes of its renames in
// configs.Renames, in order.
var renamesByOld = sync.OnceValue(func() map[string][]int {
	m := make(map[string][]int, len(configs.Renames))
	for i, r := range configs.Renames {
		m[r.Old] = append(m[r.Old], i)
	}
	return m
})

func hasComponent(list []configs.Component, c configs.Component) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// otherComponents lists the components whose schema has sk, other than c.
func otherComponents(c configs.Component, sk string) []string {
	var out []string
	for _, o := range configs.Components {
		if o != c && configs.SchemaFor(o).Lookup(sk) != nil {
			out = append(out, string(o))
		}
	}
	return out
}

// didYouMean proposes the closest known key for an unknown schema key: a
// sibling with a similar name, else the same name under another table.
func didYouMean(s *configs.Schema, sk string) string {
	// The same unknown keys come back in every file of a cluster, and
	// the search compares the name with every sibling in the schema.
	return dym.Get(dymKey{s, sk}, func(k dymKey) string { return closestKey(k.s, k.sk) })
}

type dymKey struct {
	s  *configs.Schema
	sk string
}

// dym remembers didYouMean's answers; a file of 100,000 unknown keys must
// not keep them all.
var dym = memo.Map[dymKey, string]{Max: 4096}

// closestKey is didYouMean without the memory.
func closestKey(s *configs.Schema, sk string) string {
	parent, name := schemaParentRaw(sk), leaf(sk)
	// A quoted name holding dots, `"storage.type" = "S3"`, is one key; the
	// writer most likely meant the dotted key.
	if strings.HasPrefix(name, `"`) {
		dotted := configs.UnquotePart(name)
		if parent != "" {
			dotted = parent + "." + dotted
		}
		if strings.Contains(dotted, ".") && s.Lookup(dotted) != nil {
			return strings.ReplaceAll(dotted, "[]", "")
		}
	}
	best, bestDist := "", 0
	lname, limit := strings.ToLower(name), maxTypoDistance(name)
	for _, cand := range s.Children(parent) {
		lcand := strings.ToLower(cand)
		// The distance is at least the difference in length: skip the
		// quadratic comparison, which a file with 100,000 unknown keys
		// would otherwise run millions of times.
		if len(lname)-len(lcand) > limit || len(lcand)-len(lname) > limit {
			continue
		}
		d := levenshtein(lname, lcand)
		if d == 0 || d <= limit {
			if best == "" || d < bestDist {
				best, bestDist = cand, d
			}
		}
	}
	if best != "" {
		if parent == "" {
			return best
		}
		return strings.TrimSuffix(parent, "[]") + "." + best
	}
	// The same name elsewhere: `bind_addr` at the top of a frontend is
	// `grpc.bind_addr`.
	for _, sp := range s.Specs() {
		if leaf(sp.Key) == name && sp.Key != sk {
			return strings.ReplaceAll(sp.Key, "[]", "")
		}
	}
	return ""
}

// schemaParentRaw returns the schema path the key's name is listed under
// ("a.b[]" for "a.b[].c").
func schemaParentRaw(sk string) string {
	if i := configs.LastDot(sk); i >= 0 {
		return sk[:i]
	}
	return ""
}

func maxTypoDistance(name string) int {
	switch n := len(name); {
	case n <= 3:
		return 1
	case n <= 8:
		return 2
	default:
		return 3
	}
}

// levenshtein is the edit distance between a and b.
func levenshtein(a, b string) int {
	if a == b {
		return 0
	}
	// Keys are short: two rows on the stack, not on the heap, for the
	// hundreds of thousands of comparisons a file of unknown keys costs.
	var buf [2][64]int
	prev, cur := buf[0][:0], buf[1][:0]
	if len(b)+1 > len(buf[0]) {
		prev, cur = make([]int, 0, len(b)+1), make([]int, 0, len(b)+1)
	}
	prev, cur = prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// displayKey renders a schema or canonical key for messages, with array
// element markers dropped: "region_engine[0].mito.x" -> "region_engine.mito.x".
func displayKey(key string) string {
	return strings.ReplaceAll(configs.SchemaKey(key), "[]", "")
}
