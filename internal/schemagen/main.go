// Command schemagen writes stepstone's versioned GreptimeDB schema data from
// a git checkout of GreptimeTeam/greptimedb: for every release tag from
// v0.12.0 on (vX.Y.Z, vX.Y.Z-beta.N, vX.Y.Z-rc.N) and for the checkout's
// HEAD ("main"), it reads config/<component>.example.toml and
// config/config.md and records, per component and key, the releases whose
// files name the key. Facts no file states live in configs/curated.go.
//
// Usage (from the repository root):
//
//	go run ./internal/schemagen [-repo PATH] [-out configs/versions] [-testdata configs/testdata/examples.tar.gz]
//
// -repo is a clone or bare mirror of GreptimeDB (default
// $GREPTIMEDB_REPO, else /work/.mirror/GreptimeTeam+greptimedb/repo).
// The output is deterministic: running it twice on the same checkout writes
// the same bytes, so the diff after a new release is the review.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
)

var components = []string{"metasrv", "frontend", "datanode", "flownode", "standalone"}

// release is one tag (or main) the data covers.
type release struct {
	name   string // "v1.1.4" or "main"
	ref    string // git ref to read
	commit string
	line   string // main only: the Cargo version of the development line
}

var tagRE = regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)(?:-(beta|rc)\.(\d+))?$`)

func main() {
	def := os.Getenv("GREPTIMEDB_REPO")
	if def == "" {
		def = "/work/.mirror/GreptimeTeam+greptimedb/repo"
	}
	repo := flag.String("repo", def, "GreptimeDB git checkout or bare mirror")
	out := flag.String("out", "configs/versions", "directory for releases.txt and keys.txt")
	td := flag.String("testdata", "configs/testdata/examples.tar.gz", "archive of every release's example configs, for the tests")
	flag.Parse()
	if err := run(*repo, *out, *td); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func git(repo string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(b), nil
}

func releases(repo string) ([]release, error) {
	tags, err := git(repo, "tag", "--list", "v*")
	if err != nil {
		return nil, err
	}
	var rs []release
	for _, t := range strings.Fields(tags) {
		if !tagRE.MatchString(t) || configs.VersionLess(t, "v0.12.0") {
			continue
		}
		rs = append(rs, release{name: t, ref: t})
	}
	sort.Slice(rs, func(i, j int) bool { return configs.VersionLess(rs[i].name, rs[j].name) })
	rs = append(rs, release{name: "main", ref: "HEAD"})
	for i := range rs {
		c, err := git(repo, "rev-parse", rs[i].ref+"^{commit}")
		if err != nil {
			return nil, err
		}
		rs[i].commit = strings.TrimSpace(c)
	}
	cargo, err := git(repo, "show", "HEAD:Cargo.toml")
	if err != nil {
		return nil, err
	}
	if m := regexp.MustCompile(`(?m)^version\s*=\s*"([^"]+)"`).FindStringSubmatch(cargo); m != nil {
		rs[len(rs)-1].line = m[1]
	}
	return rs, nil
}

// keyInfo is what one release's files say about one key.
type keyInfo struct{ kind string }

func run(repo, out, td string) error {
	rs, err := releases(repo)
	if err != nil {
		return err
	}
	// seen[component][key][release index] = kind
	seen := map[string]map[string]map[int]string{}
	files := map[string][]byte{} // content hash -> trimmed example
	var index []string           // "release component hash"
	for ri, r := range rs {
		md, _ := git(repo, "show", r.ref+":config/config.md")
		docKeys := parseConfigMD(md)
		for _, c := range components {
			text, err := git(repo, "show", r.ref+":config/"+c+".example.toml")
			if err != nil {
				return err
			}
			keys, arrays := parseExample(text)
			for k, kind := range normaliseDocKeys(docKeys[c], arrays) {
				if _, ok := keys[k]; !ok {
					keys[k] = kind
				}
			}
			if seen[c] == nil {
				seen[c] = map[string]map[int]string{}
			}
			for k, kind := range keys {
				if seen[c][k] == nil {
					seen[c][k] = map[int]string{}
				}
				seen[c][k][ri] = kind
			}
			trimmed := trimExample(text)
			sum := sha256.Sum256(trimmed)
			h := hex.EncodeToString(sum[:8])
			files[h] = trimmed
			index = append(index, fmt.Sprintf("%s %s %s", r.name, c, h))
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var rel bytes.Buffer
	rel.WriteString("# GreptimeDB releases the schema covers, oldest first; written by go run ./internal/schemagen.\n")
	rel.WriteString("# name commit [development line of main]\n")
	for _, r := range rs {
		fmt.Fprintf(&rel, "%s %s", r.name, r.commit)
		if r.line != "" {
			fmt.Fprintf(&rel, " %s", r.line)
		}
		rel.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(out, "releases.txt"), rel.Bytes(), 0o644); err != nil {
		return err
	}
	var kb bytes.Buffer
	kb.WriteString("# Keys GreptimeDB's example configs and config.md name, per component, with the releases\n")
	kb.WriteString("# that name them (first..last spans; names from releases.txt). Written by go run ./internal/schemagen.\n")
	kb.WriteString("# component key kind spans\n")
	for _, c := range components {
		keys := make([]string, 0, len(seen[c]))
		for k := range seen[c] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&kb, "%s %s %s %s\n", c, k, latestKind(seen[c][k]), spans(seen[c][k], rs))
		}
	}
	if err := os.WriteFile(filepath.Join(out, "keys.txt"), kb.Bytes(), 0o644); err != nil {
		return err
	}
	if td != "" {
		return writeArchive(td, files, index)
	}
	return nil
}

func latestKind(m map[int]string) string {
	best, kind := -1, ""
	for i, k := range m {
		if i > best {
			best, kind = i, k
		}
	}
	return kind
}

// spans writes the releases holding a key as "a..b" spans of consecutive
// releases, comma-separated.
func spans(m map[int]string, rs []release) string {
	var parts []string
	for i := 0; i < len(rs); i++ {
		if _, ok := m[i]; !ok {
			continue
		}
		j := i
		for j+1 < len(rs) {
			if _, ok := m[j+1]; !ok {
				break
			}
			j++
		}
		if i == j {
			parts = append(parts, rs[i].name)
		} else {
			parts = append(parts, rs[i].name+".."+rs[j].name)
		}
		i = j
	}
	return strings.Join(parts, ",")
}

var (
	headerRE = regexp.MustCompile(`^(\[\[?)\s*([A-Za-z0-9_."-]+(?:\s*\.\s*[A-Za-z0-9_"-]+)*)\s*(\]\]?)\s*(#.*)?$`)
	keyRE    = regexp.MustCompile(`^([A-Za-z0-9_-]+|"[^"]*")((?:\.(?:[A-Za-z0-9_-]+|"[^"]*"))*)\s*=\s*(.*)$`)
)

// parseExample returns the keys of an example config, as schema keys
// ("region_engine[].mito.num_workers"), with the kind of value shown, and
// the arrays of tables it declares. Commented-out settings ("#+ key = v",
// "# [wal.sasl]") count: they are the options the file documents. Real
// and commented lines keep their own table context, so a commented block
// never moves the real keys after it.
func parseExample(text string) (map[string]string, map[string]bool) {
	keys := map[string]string{}
	arrays := map[string]bool{}
	realTable, commentTable := "", ""
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		commented := false
		if strings.HasPrefix(line, "##") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "#+"); ok {
			line, commented = strings.TrimSpace(rest), true
		} else if rest, ok := strings.CutPrefix(line, "#"); ok {
			line, commented = strings.TrimSpace(rest), true
		}
		if line == "" {
			continue
		}
		if m := headerRE.FindStringSubmatch(line); m != nil && (m[1] == "[") == (m[3] == "]") {
			path := schemaPath(splitKey(m[2]), arrays)
			if m[1] == "[[" {
				arrays[path] = true
				keys[path] = "arraytable"
				path += "[]"
			} else if _, ok := keys[path]; !ok {
				keys[path] = "table"
			}
			commentTable = path
			if !commented {
				realTable = path
			}
			continue
		}
		m := keyRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		value := strings.TrimSpace(m[3])
		kind := valueKind(value)
		if kind == "" {
			continue // prose that happens to hold "="
		}
		// A multi-line array: skip to its closing bracket.
		if strings.HasPrefix(value, "[") && !balanced(value) {
			for i+1 < len(lines) && !strings.HasPrefix(strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(lines[i]), "#+")), "]") {
				i++
			}
		}
		table := realTable
		if commented {
			table = commentTable
		}
		parts := splitKey(m[1] + m[2])
		key := strings.Join(parts, ".")
		if table != "" {
			key = table + "." + key
		}
		keys[key] = kind
		// Parent tables of a dotted key.
		for p := strings.LastIndexByte(key, '.'); p > 0; p = strings.LastIndexByte(key[:p], '.') {
			if _, ok := keys[key[:p]]; !ok && !strings.HasSuffix(key[:p], "[]") {
				keys[key[:p]] = "table"
			}
		}
	}
	return keys, arrays
}

func balanced(v string) bool {
	depth := 0
	inStr := false
	for _, r := range v {
		switch {
		case r == '"':
			inStr = !inStr
		case inStr:
		case r == '[':
			depth++
		case r == ']':
			depth--
		case r == '#':
			return depth == 0
		}
	}
	return depth == 0
}

// schemaPath turns header parts into a schema key, marking the arrays of
// tables already declared ("region_engine.mito" -> "region_engine[].mito").
func schemaPath(parts []string, arrays map[string]bool) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
		if i < len(parts)-1 && arrays[b.String()] {
			b.WriteString("[]")
		}
	}
	return b.String()
}

func splitKey(s string) []string {
	var parts []string
	var cur strings.Builder
	inStr := false
	for _, r := range s {
		switch {
		case r == '"':
			inStr = !inStr
		case r == '.' && !inStr:
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

func valueKind(v string) string {
	switch {
	case v == "":
		return ""
	case strings.HasPrefix(v, `"`) || strings.HasPrefix(v, `'`):
		return "string"
	case v == "true" || v == "false":
		return "bool"
	case strings.HasPrefix(v, "["):
		return "array"
	case strings.HasPrefix(v, "{"):
		return "map"
	}
	f := strings.Fields(v)[0]
	if _, err := strconv.ParseInt(strings.ReplaceAll(f, "_", ""), 10, 64); err == nil {
		return "int"
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(f, "_", ""), 64); err == nil {
		return "float"
	}
	return ""
}

var mdHeadRE = regexp.MustCompile(`^#{2,3}\s+(.*)$`)
var mdRowRE = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|\\s*([^|]*?)\\s*\\|")

// parseConfigMD reads config.md's tables: "## Standalone Mode" and
// "### Frontend" (and the other roles) head one table of keys each.
func parseConfigMD(md string) map[string]map[string]string {
	out := map[string]map[string]string{}
	cur := ""
	for _, line := range strings.Split(md, "\n") {
		if m := mdHeadRE.FindStringSubmatch(line); m != nil {
			cur = ""
			h := strings.ToLower(m[1])
			for _, c := range components {
				if strings.HasPrefix(h, c) {
					cur = c
				}
			}
			continue
		}
		if cur == "" {
			continue
		}
		if m := mdRowRE.FindStringSubmatch(line); m != nil {
			if out[cur] == nil {
				out[cur] = map[string]string{}
			}
			kind := map[string]string{"String": "string", "Integer": "int", "Bool": "bool", "Array": "array", "Float": "float", "--": "table"}[m[2]]
			if kind == "" {
				kind = "any"
			}
			out[cur][m[1]] = kind
		}
	}
	return out
}

// normaliseDocKeys writes config.md keys as schema keys, using the arrays
// of tables the example declares.
func normaliseDocKeys(keys map[string]string, arrays map[string]bool) map[string]string {
	out := map[string]string{}
	for k, kind := range keys {
		if strings.ContainsAny(k, " *<>") {
			continue
		}
		path := schemaPath(splitKey(k), arrays)
		if arrays[path] {
			kind = "arraytable"
		}
		out[path] = kind
	}
	return out
}

// trimExample drops the "##" documentation lines: the tests lint what is
// left, which GreptimeDB reads the same way.
func trimExample(text string) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "##") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

func writeArchive(path string, files map[string][]byte, index []string) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("index.txt", []byte(strings.Join(index, "\n")+"\n")); err != nil {
		return err
	}
	hashes := make([]string, 0, len(files))
	for h := range files {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		if err := add(h+".toml", files[h]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
