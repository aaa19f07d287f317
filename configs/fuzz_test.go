package configs

// Fuzz targets for everything that reads untrusted text: the TOML loader and
// its position index, the env override parser, and the value parsers. Run
// one with
//
//	go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 60s ./configs/
//
// or all of them with scripts/fuzz.sh. Without -fuzz, `go test` runs each
// target on its seeds (the upstream example configs and the upstream CI
// configs) and on the regression inputs in testdata/fuzz/.

import (
	"bytes"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stepstone-dev/stepstone/report"
)

// fuzzSeedConfigs returns the upstream example configs and every TOML file
// of the upstream CI configs. A missing shared folder fails the test, as
// the catalog tests do.
func fuzzSeedConfigs(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	examples, _ := filepath.Glob(filepath.Join(sharedDir, "upstream", "*.example.toml"))
	if len(examples) == 0 {
		f.Fatalf("no upstream examples under %s/upstream: the GreptimeDB reference configs must be checked out at ../shared beside the repository", sharedDir)
	}
	paths := examples
	_ = filepath.WalkDir(filepath.Join(sharedDir, "upstream-ci"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".toml") {
			paths = append(paths, p)
		}
		return nil
	})
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatalf("read seed %s: %v", p, err)
		}
		out = append(out, data)
	}
	return out
}

// fuzzSmallSeeds are short documents that reach the corners of the grammar
// faster than the long examples do.
var fuzzSmallSeeds = []string{
	"",
	"# only a comment\n",
	"\ufeffnode_id = 1\n",
	"node_id = 1\r\n[storage]\r\ntype = \"S3\"\r\n",
	"a = 1\na = 2\n",
	"[a]\nb = 1\n[a]\nc = 2\n",
	"a.b = 1\na = 2\n",
	"[[a]]\nx = 1\n[a]\ny = 2\n",
	"[a]\n[[a.b]]\n[[a.b]]\nc = [1, [2, 3], {d = 4}]\n",
	"store_addrs = [\"127.0.0.1:2379\", \"b:1\"]\n",
	"\"quoted.key\" = 1\n'lit' = 2\n\"\" = 3\n",
	"ключ = \"значение\"\n[таблица]\nx = 1\n",
	"a = \"\x00\"\n",
	"a = \"\xff\xfe\"\n",
	"x = [[[[[[[[[[1]]]]]]]]]]\n",
	"x = {a = {b = {c = {d = 1}}}}\n",
	"[region_engine.mito]\nnum_workers = \"eight\"\n[[region_engine]]\n",
	"t = 1979-05-27T07:32:00Z\nd = 1979-05-27\nf = inf\nn = nan\nh = 0xff\n",
	"s = \"\"\"\nmulti\nline\"\"\"\nl = '''\nraw'''\n",
}

// lineRunes returns the rune length of every line of src (split at LF).
func lineRunes(src []byte) []int {
	var out []int
	for _, l := range bytes.Split(src, []byte{'\n'}) {
		out = append(out, utf8.RuneCount(l))
	}
	return out
}

// checkPos fails unless p is a place in src: line 0 (the whole file), or a
// line of the file with a column from 1 to one past its last rune.
func checkPos(t *testing.T, what string, p report.Position, path string, lines []int) {
	t.Helper()
	if p.File != path {
		t.Fatalf("%s: position %v names file %q, want %q", what, p, p.File, path)
	}
	if p.Line == 0 {
		return
	}
	if p.Line < 0 || p.Line > len(lines) {
		t.Fatalf("%s: line %d outside the file's %d lines", what, p.Line, len(lines))
	}
	if p.Col < 1 || p.Col > lines[p.Line-1]+1 {
		t.Fatalf("%s: %v: column %d outside line %d of %d runes", what, p, p.Col, p.Line, lines[p.Line-1])
	}
}

func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSmallSeeds {
		f.Add([]byte(s), uint8(0))
	}
	for i, data := range fuzzSeedConfigs(f) {
		f.Add(data, uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		const path = "fuzz.toml"
		comp := Component("")
		if n := int(pick) % (len(Components) + 1); n > 0 {
			comp = Components[n-1]
		}
		file, err := Load(path, data, comp)
		if file == nil {
			t.Fatalf("Load returned a nil file (err %v)", err)
		}
		if err != nil {
			if comp != "" {
				t.Fatalf("Load with component %q failed: %v", comp, err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
		}
		if (!file.Parsed()) == (file.SyntaxError == nil) {
			t.Fatalf("Tree set = %v but SyntaxError = %v", file.Parsed(), file.SyntaxError)
		}
		lines := lineRunes(data)
		if se := file.SyntaxError; se != nil {
			checkPos(t, "syntax error", se.Pos, path, lines)
			if se.Pos.Line == 0 {
				t.Fatalf("syntax error %q has no line", se.Message)
			}
		}
		ix := file.Index()
		for _, e := range ix.Entries() {
			got, ok := ix.Get(e.Key)
			if !ok || got != e {
				t.Fatalf("Get(%q) does not return the entry listed for it", e.Key)
			}
			checkPos(t, "key "+strconv.Quote(e.Key), e.KeyPos(), path, lines)
			checkPos(t, "value of "+strconv.Quote(e.Key), e.ValuePos(), path, lines)
			checkPos(t, "end of "+strconv.Quote(e.Key), e.ValueEnd(), path, lines)
			if e.KeyPos().Line == 0 {
				t.Fatalf("key %q has no line", e.Key)
			}
			if end, start := e.ValueEnd(), e.ValuePos(); end.Line < start.Line || end.Line == start.Line && end.Col < start.Col {
				t.Fatalf("value of %q ends (%v) before it starts (%v)", e.Key, e.ValueEnd(), e.ValuePos())
			}
			if e.Key != "" {
				if p := file.Pos(e.Key); p != e.KeyPos() {
					t.Fatalf("Pos(%q) = %v, want %v", e.Key, p, e.KeyPos())
				}
			}
			checkPos(t, "ValuePos of "+strconv.Quote(e.Key), file.ValuePos(e.Key), path, lines)
			// In a parsed file without quoted keys, every key whose parts
			// are plain names can be read back.
			if file.Parsed() && !bytes.ContainsAny(data, `"'`) && plainKey(e.Key) {
				if _, ok := file.Get(e.Key); !ok {
					t.Fatalf("key %q is indexed but Get does not find it", e.Key)
				}
			}
			_ = file.Has(e.Key)
			_, _ = file.String(e.Key)
			_, _, _ = file.Lookup(e.Key)
			_ = SchemaKey(e.Key)
		}
		// Keys not in the file fall back to a parent or the whole file.
		for _, k := range []string{"", "storage.bucket", "no.such[3].key", "a[", "a]", "[]"} {
			checkPos(t, "Pos("+k+")", file.Pos(k), path, lines)
		}
		if file.Parsed() {
			_ = EffectiveValues(file)
			_ = Secrets(file)
		}
	})
}

// plainKey reports whether every part of a canonical key is a plain name
// with at most one array index, which Get can follow; quoted keys may hold
// dots and brackets that make the canonical form ambiguous.
func plainKey(key string) bool {
	for _, part := range strings.Split(key, ".") {
		name := part
		if i := strings.IndexByte(part, '['); i >= 0 {
			name = part[:i]
			idx := part[i:]
			if len(idx) < 3 || idx[len(idx)-1] != ']' {
				return false
			}
			if _, err := strconv.Atoi(idx[1 : len(idx)-1]); err != nil {
				return false
			}
		}
		if name == "" {
			return false
		}
		for _, r := range name {
			if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

func FuzzApplyEnv(f *testing.F) {
	seeds := []struct{ name, value, doc string }{
		{"GREPTIMEDB_DATANODE__STORAGE__TYPE", "S3", "node_id = 1\n"},
		{"GREPTIMEDB_DATANODE__STORAGE__TYPE", "File", "[storage]\ntype = \"S3\"\n"},
		{"GREPTIMEDB_DATANODE__META_CLIENT__METASRV_ADDRS", "a:1,b:2", ""},
		{"greptimedb_datanode__node_id", "42", ""},
		{"GREPTIMEDB_DATANODE____X", "1", ""},
		{"GREPTIMEDB_DATANODE__", "", ""},
		{"GREPTIMEDB_DATANODE__A___B", "1e3", ""},
		{"GREPTIMEDB_DATANODE__WAL__SASL__PASSWORD", "hunter2", ""},
		{"GREPTIMEDB_DATANODE__X", "inf", ""},
		{"GREPTIMEDB_DATANODE__İ", "true", ""},
	}
	for _, s := range seeds {
		f.Add(s.name, s.value, s.doc)
	}
	f.Fuzz(func(t *testing.T, name, value, doc string) {
		file, _ := Load("datanode.toml", []byte(doc), Datanode)
		// Two copies of the variable, and one with another prefix that
		// must be ignored.
		environ := []string{name + "=" + value, "PATH=/bin", "GREPTIMEDB_METASRV__X=1", name}
		ApplyEnv(file, environ, "")
		if file.Env == nil {
			t.Fatal("ApplyEnv left Env nil")
		}
		const want = "greptimedb_datanode__"
		// A name holding "=" ends at it, as it does in a real environment.
		varName, _, _ := strings.Cut(name, "=")
		for _, m := range []map[string]EnvValue{file.Env.Values, file.Env.Shadowed} {
			for k, ev := range m {
				if k == "" {
					t.Fatalf("empty key from %q", ev.Var)
				}
				if ev.Var != varName {
					t.Fatalf("key %q comes from %q, but only %q was set", k, ev.Var, varName)
				}
				if got := EnvKey(ev.Var[len(want):]); got != k {
					t.Fatalf("key %q, but EnvKey gives %q", k, got)
				}
			}
		}
		for k := range file.Env.Values {
			if file.Has(k) {
				t.Fatalf("override %q is in effect although the file sets it", k)
			}
			if _, _, ok := file.Lookup(k); !ok {
				t.Fatalf("override %q is in effect but Lookup does not find it", k)
			}
		}
		for k := range file.Env.Shadowed {
			if !file.Has(k) {
				t.Fatalf("override %q is shadowed but the file does not set it", k)
			}
		}
		_ = file.Env.Keys()
		_ = Secrets(file)

		// EnvKey on its own: lower case, no empty parts, and writing the
		// key back as a variable name gives the same key.
		rest := strings.TrimPrefix(strings.ToLower(varName), want)
		k := EnvKey(rest)
		if k == "" {
			return
		}
		if k != strings.ToLower(k) {
			t.Fatalf("EnvKey(%q) = %q is not lower case", rest, k)
		}
		if !strings.Contains(rest, ".") {
			for _, part := range strings.Split(k, ".") {
				if part == "" {
					t.Fatalf("EnvKey(%q) = %q has an empty part", rest, k)
				}
			}
			if back := EnvKey(strings.ReplaceAll(k, ".", "__")); back != k {
				t.Fatalf("EnvKey(%q) = %q, but written back it gives %q", rest, k, back)
			}
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"3s", "500ms", "1h 30m", "1h30m", "1 0s", "10S", "1.5s", "-1s", "", " ", "5M", "2y",
		"18446744073709551615ns", "18446744073709551616s", "99999999999999999999y", "1s\n", "1µs", "0ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("ParseDuration(%q) = %v with error %v", s, d, err)
			}
			if strings.Contains(err.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v is negative", s, d)
		}
		// humantime skips surrounding spaces.
		if d2, err := ParseDuration(" " + s + " "); err != nil || d2 != d {
			t.Fatalf("ParseDuration(%q) = %v but with spaces around = %v, %v", s, d, d2, err)
		}
	})
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"64MB", "1.5GiB", "1 GB", "-1MB", "0", "1e3KB", "1e400", "inf", "nan", "", "1..2MB",
		"18446744073709551616", "+1K", "1 kb", "١٢MB", "0x10"} {
		f.Add(s, int64(len(s))-3)
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		v, err := ParseSize(s)
		if err != nil && v != 0 {
			t.Fatalf("ParseSize(%q) = %d with error %v", s, v, err)
		}
		if err == nil {
			if v2, err := ParseSize(" " + s + " "); err != nil || v2 != v {
				t.Fatalf("ParseSize(%q) = %d but with spaces around = %d, %v", s, v, v2, err)
			}
			if SizeIsNegativeString(s) && v != 0 {
				t.Fatalf("ParseSize(%q) = %d, but it counts as a negative string", s, v)
			}
		}
		iv, ierr := ParseSize(n)
		if (ierr == nil) != (n >= 0) || ierr == nil && iv != uint64(n) {
			t.Fatalf("ParseSize(int64 %d) = %d, %v", n, iv, ierr)
		}
		// A byte count written as a string means the same as the integer.
		if n >= 0 {
			if sv, err := ParseSize(strconv.FormatInt(n, 10)); err != nil || n < 1<<53 && sv != uint64(n) {
				t.Fatalf("ParseSize(%q) = %d, %v; want %d", strconv.FormatInt(n, 10), sv, err, n)
			}
		}
		_ = ParseIndexMemThreshold(s)
		_ = ParseIndexMemThreshold(n)
	})
}

func FuzzParseMemoryLimit(f *testing.F) {
	for _, s := range []string{"unlimited", "UNLIMITED", "50%", "+50%", "101%", "-1%", "%", "2GB", "0", "", " 0 % ",
		"wait", "wait(30s)", "WAIT(10S)", "fail", "skip", "wait()", "wait(", "auto"} {
		f.Add(s, int64(len(s)))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		err := ParseMemoryLimit(s)
		if err == nil && strings.HasSuffix(strings.TrimSpace(s), "%") {
			p := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
			if v, perr := strconv.Atoi(strings.TrimPrefix(p, "+")); perr != nil || v < 0 || v > 100 {
				t.Fatalf("ParseMemoryLimit(%q) accepted a percentage outside 0..100", s)
			}
		}
		if ParseMemoryLimit(n) == nil {
			t.Fatalf("ParseMemoryLimit(int64 %d) accepted a non-string", n)
		}
		_ = ParseMemoryLimit(nil)
		_ = ParseMemoryLimit([]any{s})
		_ = ParseExhaustedPolicy(s)
		_ = ParseIndexMemThreshold(s)
	})
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:4001", "[fd00::1]:3002", "fd00::1:3002", "::1", "host", "host:", ":80", "host:0",
		"host:65536", "host:+80", "http://host:80", "a b:1", "[::1]", "[::1]x", "[host]:1", "h/x:1", "0.0.0.0:4000",
		"[fe80::1%eth0]:80", "localhost:080", "[]:1", "[::ffff:127.0.0.1]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, port, err := ParseAddr(s)
		if err != nil {
			if host != "" || port != 0 {
				t.Fatalf("ParseAddr(%q) = %q, %d with error %v", s, host, port, err)
			}
			return
		}
		if host == "" || port < 1 || port > 65535 {
			t.Fatalf("ParseAddr(%q) = %q, %d: empty host or bad port", s, host, port)
		}
		// Written back the standard way, the address parses the same.
		back := net.JoinHostPort(host, strconv.Itoa(port))
		h2, p2, err := ParseAddr(back)
		if err != nil || h2 != host || p2 != port {
			t.Fatalf("ParseAddr(%q) = %q, %d, but ParseAddr(%q) = %q, %d, %v", s, host, port, back, h2, p2, err)
		}
		_ = IsUnspecifiedHost(host)
		_ = IsLoopbackHost(host)
	})
}

func FuzzParseEtcdAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:2379", "http://127.0.0.1:2379", "https://etcd:2379/", "etcd://x:1", "://x:1",
		"http://", "https://[::1]:2379", "http://u:p@h:1", "HTTP://h:1", "http://h:1//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scheme, host, port, err := ParseEtcdAddr(s)
		if err != nil {
			return
		}
		if scheme != "" && scheme != "http" && scheme != "https" {
			t.Fatalf("ParseEtcdAddr(%q) gave scheme %q", s, scheme)
		}
		if host == "" || port < 1 || port > 65535 {
			t.Fatalf("ParseEtcdAddr(%q) = %q, %d: empty host or bad port", s, host, port)
		}
		if h, p, err := ParseAddr(net.JoinHostPort(host, strconv.Itoa(port))); err != nil || h != host || p != port {
			t.Fatalf("ParseEtcdAddr(%q) = %q, %d, which does not parse back as an address: %v", s, host, port, err)
		}
	})
}

// FuzzOnePass checks the one-pass loader against the two-pass one on any
// input: the same tree, the same error, or a TOML 1.1 addition refused.
func FuzzOnePass(f *testing.F) {
	for _, s := range fuzzSmallSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{"t = {a = 1,}\n", "t = {a = 1,\nb = 2}\n", "s = \"\\e\\x41\"\n", "t = 07:32\n",
		"[a]\nb.c = 1\n[a.b.d]\n", "[a]\nb.c = 1\n[a.b]\n", "a = [{b = 1}, {c = [1, {d = 2}]}]\n", "x = 1_000\ny = 0x_1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, _ := Load("x.toml", data, Datanode)
		oldTree, oldErr := twoPassLoad("x.toml", data)
		switch {
		case oldErr != nil && file.SyntaxError == nil:
			t.Fatalf("accepted, but the two-pass loader said %v", oldErr)
		case oldErr == nil && file.SyntaxError != nil:
			// Refused by go-toml's parser where BurntSushi is lenient (a
			// second byte order mark), or a TOML 1.1 addition.
			if pd := parseDoc("x.toml", bytes.TrimPrefix(data, []byte("\ufeff")), -1); pd.err == nil && pd.v11 == nil {
				t.Fatalf("%v, but the two-pass loader accepted it", file.SyntaxError)
			}
		case oldErr != nil:
			if oldErr.Message != "too deep" && *oldErr != *file.SyntaxError {
				t.Fatalf("error %v, want %v", file.SyntaxError, oldErr)
			}
		default:
			if !sameTree(file.Tree(), oldTree) {
				t.Fatalf("tree\n%#v\nwant\n%#v", file.Tree(), oldTree)
			}
			// Parsed without its comments, the file keeps
			// every position it has as written.
			if err := sameIndex(file.index, buildIndex("x.toml", bytes.TrimPrefix(data, []byte("\ufeff")))); err != nil {
				t.Fatal(err)
			}
		}
	})
}
