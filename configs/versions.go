package configs

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// The versioned schema. versions/releases.txt and versions/keys.txt are
// written by `go run ./internal/schemagen` from GreptimeDB's release tags:
// which keys each release's example configs and config.md name. The
// catalog (catalog_data.go) describes main in depth (kinds, enums,
// defaults); curated.go holds what no file states, with the releases each
// fact holds for. SchemaAt composes the three for one release.

//go:embed versions/releases.txt
var releasesText string

//go:embed versions/keys.txt
var keysText string

// Release is one GreptimeDB release the schema covers, or main.
type Release struct {
	Name   string // "v1.1.4", "v1.2.0-beta.2" or "main"
	Commit string
	// Line is main's development line ("1.3.0"): a version no one can
	// install, so messages never print it.
	Line  string
	index int
	sem   [5]int
}

// Stable reports whether r is a final release (no -beta or -rc).
func (r *Release) Stable() bool { return r.Name != "main" && !strings.Contains(r.Name, "-") }

// Version is the release a config is judged by, with how it was chosen.
type Version struct {
	*Release
	// Asked is what the user or the image tag said ("1.1", "latest").
	Asked string
	// Source says where it came from: "default", "--greptimedb-version",
	// "STEPSTONE_GREPTIMEDB_VERSION", "image tag of datanode", ...
	Source string
	// Note is set when Asked named no known release and a nearby one is
	// used instead.
	Note string
}

// String is the release name, as reports print it.
func (v *Version) String() string {
	if v == nil || v.Release == nil {
		return DefaultVersion().Name
	}
	return v.Name
}

type keyRecord struct {
	kind  string
	spans [][2]int // inclusive release index spans
}

func (k *keyRecord) has(i int) bool {
	for _, s := range k.spans {
		if i >= s[0] && i <= s[1] {
			return true
		}
	}
	return false
}

var (
	versionsOnce sync.Once
	allReleases  []*Release
	keyRecords   map[Component]map[string]*keyRecord
	tagRE        = regexp.MustCompile(`^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-(beta|rc|alpha|nightly)[.-]?(\d+)?)?`)
)

func loadVersions() {
	versionsOnce.Do(func() {
		byName := map[string]int{}
		for _, line := range strings.Split(releasesText, "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || strings.HasPrefix(line, "#") {
				continue
			}
			r := &Release{Name: f[0], Commit: f[1], index: len(allReleases)}
			if len(f) > 2 {
				r.Line = f[2]
			}
			if r.Name == "main" {
				r.sem = semver(r.Line)
				r.sem[3] = -1 // below the line's first pre-release
			} else {
				r.sem = semver(r.Name)
			}
			byName[r.Name] = r.index
			allReleases = append(allReleases, r)
		}
		// Every lint reads these thousand lines, so they are cut in place
		// rather than split into slices of strings.
		keyRecords = map[Component]map[string]*keyRecord{}
		for rest := keysText; rest != ""; {
			var line string
			line, rest, _ = strings.Cut(rest, "\n")
			var f [4]string
			if strings.HasPrefix(line, "#") || fieldsInto(line, f[:]) != len(f) {
				continue
			}
			c := Component(f[0])
			if keyRecords[c] == nil {
				keyRecords[c] = map[string]*keyRecord{}
			}
			rec := &keyRecord{kind: f[2]}
			for spans := f[3]; spans != ""; {
				var span string
				span, spans, _ = strings.Cut(spans, ",")
				a, b, ok := strings.Cut(span, "..")
				if !ok {
					b = a
				}
				rec.spans = append(rec.spans, [2]int{byName[a], byName[b]})
			}
			keyRecords[c][f[1]] = rec
		}
	})
}

// fieldsInto puts the space- or tab-separated fields of line into out, as
// many as fit, and returns how many line has (keys.txt is ASCII: written
// by internal/schemagen).
func fieldsInto(line string, out []string) int {
	n := 0
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		if n < len(out) {
			out[n] = line[i:j]
		}
		n++
		i = j
	}
	return n
}

// semver reads "v1.2.0-beta.2" as {1, 2, 0, 0 (beta), 2}; a final release
// has 3 in the fourth place, so it sorts after its pre-releases.
func semver(s string) [5]int {
	m := tagRE.FindStringSubmatch(strings.TrimSpace(s))
	var k [5]int
	if m == nil {
		return k
	}
	for i := 1; i <= 3; i++ {
		k[i-1], _ = strconv.Atoi(m[i])
	}
	switch m[4] {
	case "alpha", "nightly":
		k[3] = 0
	case "beta":
		k[3] = 1
	case "rc":
		k[3] = 2
	default:
		k[3] = 3
	}
	k[4], _ = strconv.Atoi(m[5])
	return k
}

func semLess(a, b [5]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// VersionLess orders release names as semver does, pre-releases (beta
// before rc) before their release: "v1.2.0-beta.1" < "v1.2.0-rc.1" <
// "v1.2.0".
func VersionLess(a, b string) bool { return semLess(semver(a), semver(b)) }

// Releases lists every release the schema covers, oldest first, main last.
func Releases() []*Release {
	loadVersions()
	return allReleases
}

// NewestRelease is the newest tagged release (stable or not).
func NewestRelease() *Release {
	rs := Releases()
	return rs[len(rs)-2]
}

// DefaultVersion is the newest stable release.
func DefaultVersion() *Version {
	rs := Releases()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Stable() {
			return &Version{Release: rs[i], Source: "default: the newest stable release"}
		}
	}
	return &Version{Release: rs[len(rs)-1], Source: "default"}
}

// FindRelease returns the release named exactly (with or without the
// leading v), or nil.
func FindRelease(name string) *Release {
	name = strings.TrimSpace(name)
	if name != "main" && !strings.HasPrefix(name, "v") {
		name = "v" + name
	}
	for _, r := range Releases() {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// ParseVersion picks the release for s: "main", an exact tag ("v1.1.4",
// "1.2.0-beta.2"), or a line ("1.1", "v1": its newest stable release, else
// its newest pre-release). A version stepstone does not know (a nightly, a
// custom build, a patch newer than the data) is judged as the nearest
// known release at or below it, and Note says so; s must still look like a
// version. "" and "latest" give the default. source is recorded as is.
func ParseVersion(s, source string) (*Version, error) {
	s = strings.TrimSpace(s)
	asked := s
	switch strings.ToLower(s) {
	case "", "latest", "stable":
		v := DefaultVersion()
		if s != "" {
			v.Asked, v.Source = asked, source
			v.Note = fmt.Sprintf("%q names no release; judged as %s, the newest stable release", asked, v.Name)
		}
		return v, nil
	case "main", "master", "head":
		return &Version{Release: Releases()[len(Releases())-1], Asked: asked, Source: source}, nil
	}
	if r := FindRelease(s); r != nil {
		return &Version{Release: r, Asked: asked, Source: source}, nil
	}
	m := tagRE.FindStringSubmatch(s)
	if m == nil || m[0] == "" {
		return nil, fmt.Errorf("%q is not a GreptimeDB version (want main, a release such as v1.1.4 or 1.2.0-beta.2, or a line such as 1.1)", s)
	}
	// A line: "1.1" or "1".
	if m[3] == "" && m[4] == "" && len(m[0]) == len(strings.TrimSpace(s)) {
		var best *Release
		for _, r := range Releases() {
			if r.Name == "main" || r.sem[0] != atoi(m[1]) || (m[2] != "" && r.sem[1] != atoi(m[2])) {
				continue
			}
			if best == nil || (r.Stable() && !best.Stable()) || (r.Stable() == best.Stable() && semLess(best.sem, r.sem)) {
				best = r
			}
		}
		if best != nil {
			return &Version{Release: best, Asked: asked, Source: source}, nil
		}
	}
	sem := semver(s)
	rs := Releases()
	main := rs[len(rs)-1]
	// Past every release, on main's development line: main.
	if !semLess(sem, main.sem) && sem[0] == main.sem[0] && sem[1] == main.sem[1] {
		return &Version{Release: main, Asked: asked, Source: source,
			Note: fmt.Sprintf("%q is no release stepstone knows; it is newer than %s, so it is judged as GreptimeDB main", asked, NewestRelease().Name)}, nil
	}
	pick := rs[0]
	for _, r := range rs[:len(rs)-1] {
		if !semLess(sem, r.sem) {
			pick = r
		}
	}
	return &Version{Release: pick, Asked: asked, Source: source,
		Note: fmt.Sprintf("%q is no release stepstone knows; judged as %s, the nearest known release", asked, pick.Name)}, nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// VersionFromImage picks the release from a container image reference
// ("greptime/greptimedb:v1.1.4", "...@sha256:..."). A tag that names no
// version gives the default, with a note.
func VersionFromImage(image, source string) *Version {
	ref := image
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	tag := ""
	if i := strings.LastIndexByte(ref, ':'); i >= 0 && !strings.Contains(ref[i:], "/") {
		tag = ref[i+1:]
	}
	return VersionFromTag(tag, source)
}

// VersionFromTag is VersionFromImage for a bare tag (Helm's image.tag).
func VersionFromTag(tag, source string) *Version {
	v, err := ParseVersion(tag, source)
	if err != nil || tag == "" {
		v = DefaultVersion()
		v.Asked, v.Source = tag, source
		if tag == "" {
			v.Note = fmt.Sprintf("no image tag; judged as %s, the newest stable release", v.Name)
		} else {
			v.Note = fmt.Sprintf("image tag %q names no release; judged as %s, the newest stable release", tag, v.Name)
		}
	}
	return v
}

// Before reports whether v is older than the release named (main is
// newest).
func (v *Version) Before(name string) bool {
	r := FindRelease(name)
	return r != nil && v.rel().index < r.index
}

// AtLeast reports whether v is the release named or newer.
func (v *Version) AtLeast(name string) bool {
	r := FindRelease(name)
	return r == nil || v.rel().index >= r.index
}

func (v *Version) rel() *Release {
	if v == nil || v.Release == nil {
		return DefaultVersion().Release
	}
	return v.Release
}

// Describe names the release for a report header: "v1.1.4 (default
// (newest stable release))".
func (v *Version) Describe() string {
	s := v.String()
	if v != nil && v.Source != "" {
		s += " (" + v.Source + ")"
	}
	return s
}

// When says when a change happened, in versions users can install: "in
// v0.17.0", or for a change not yet released "on main, after
// v1.2.0-beta.2".
func When(release string) string {
	if release == "main" {
		return "on GreptimeDB main, after " + NewestRelease().Name
	}
	return "in " + release
}

var (
	schemaAtMu sync.RWMutex
	schemaAt   = map[schemaAtKey]*Schema{}
)

// schemaAtKey names a schema by release and component (a struct: a joined
// string was made for every look-up, several a file).
type schemaAtKey struct {
	release string
	c       Component
}

// SchemaAt returns the keys component c reads at release v (nil: the
// default release).
func SchemaAt(v *Version, c Component) *Schema {
	r := v.rel()
	k := schemaAtKey{r.Name, c}
	schemaAtMu.RLock()
	s, ok := schemaAt[k]
	schemaAtMu.RUnlock()
	if ok {
		return s
	}
	schemaAtMu.Lock()
	defer schemaAtMu.Unlock()
	if s, ok := schemaAt[k]; ok {
		return s
	}
	s = NewSchema(c, specsAt(r, c))
	schemaAt[k] = s
	return s
}

// specsAt composes the catalog (main), the generated key records and the
// curated facts for release r.
func specsAt(r *Release, c Component) []Spec {
	loadVersions()
	recs := keyRecords[c]
	base := catalog(c)
	var out []Spec
	have := map[string]bool{}
	for _, sp := range base {
		if r.Name != "main" && addedAfter(recs, sp.Key, r.index) {
			continue
		}
		out = append(out, sp)
		have[sp.Key] = true
	}
	// Keys of this release that main no longer reads (or reads elsewhere).
	free := func(key string) bool {
		for i := LastDot(key); i > 0; i = LastDot(key[:i]) {
			p := strings.TrimSuffix(key[:i], "[]")
			if rec := recs[p]; have[p] && rec != nil && (rec.kind == "map") {
				return true
			}
		}
		return false
	}
	for key, rec := range recs {
		// A key main's files still name but the catalog leaves out is one
		// the catalog knows better (the example lists a key the component
		// ignores): only keys gone by main are added back.
		if have[key] || !rec.has(r.index) || rec.has(len(Releases())-1) || free(key) {
			continue
		}
		out = append(out, Spec{Key: key, Kind: recordKind(rec.kind), Doc: "read by " + r.Name + "; not by GreptimeDB main"})
		have[key] = true
	}
	out = applyCurated(out, r, c)
	return out
}

// addedAfter reports whether key (or a table above it) first appears in a
// release after index i.
func addedAfter(recs map[string]*keyRecord, key string, i int) bool {
	for k := key; ; {
		if rec := recs[k]; rec != nil && len(rec.spans) > 0 && rec.spans[0][0] > i {
			return true
		}
		j := LastDot(k)
		if j < 0 {
			return false
		}
		k = strings.TrimSuffix(k[:j], "[]")
	}
}

func recordKind(k string) Kind {
	switch k {
	case "table":
		return KindTable
	case "arraytable":
		return KindArrayTable
	case "map":
		return KindMap
	}
	return KindAny
}

// KeyHistory says why release v does not read key although another
// release does: "added in v1.2.0-beta.1: v1.1.4 ignores it" or "removed in
// v1.0.0 (v0.17.2 was the last release to read it)". "" when no release in
// the data names the key.
func KeyHistory(v *Version, c Component, key string) string {
	loadVersions()
	r := v.rel()
	rec := keyRecords[c][key]
	if rec == nil || rec.has(r.index) {
		return ""
	}
	rs := Releases()
	first, last := rec.spans[0][0], rec.spans[len(rec.spans)-1][1]
	switch {
	case first > r.index:
		return fmt.Sprintf("added %s: %s ignores it", When(rs[first].Name), r.Name)
	case last < r.index:
		return fmt.Sprintf("removed %s (%s was the last release to read it)", When(rs[last+1].Name), rs[last].Name)
	}
	return ""
}

// AppliesAt reports whether a rename had happened by release v.
func (rn *Rename) AppliesAt(v *Version) bool {
	if rn.Version == "" {
		return true
	}
	r := FindRelease(rn.Version)
	if r == nil {
		return !semLess(v.rel().sem, semver(rn.Version))
	}
	return v.rel().index >= r.index
}

// When says when the rename happened, in installable versions.
func (rn *Rename) When() string {
	if rn.Version == "" {
		return ""
	}
	return When(rn.Version)
}
