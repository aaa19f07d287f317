package main

// Strange files must never crash or hang stepstone: each case ends in a
// finding with a position (exit 1), a clean pass (exit 0), or a usage
// error on one line (exit 2), never a stack trace. The cases run the CLI
// in-process; docs/reliability.md has the peak memory of the largest ones,
// measured on the built binary.
//
// Tests run as root, so chmod 000 does not make a file unreadable. The
// unreadable entries of a `run` directory are made another way: a FIFO (a
// read would block for ever), a Unix socket, a broken symlink and a
// symlink loop.

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// badCase is one strange input. setup writes it into dir and returns the
// command line after "stepstone".
type badCase struct {
	name  string
	setup func(t *testing.T, dir string) []string
	// code is the exit code wanted; 1 also needs a positioned finding
	// (file:line:col or file:line) unless noPos is set.
	code  int
	want  string // in stdout or stderr
	noPos bool
}

// lintFile writes content as dir/name and lints it.
func lintFile(name, content string) func(t *testing.T, dir string) []string {
	return func(t *testing.T, dir string) []string {
		return []string{"lint", writeTestFile(t, dir, name, content)}
	}
}

// datanode lints content as a datanode config.
func datanode(content string) func(t *testing.T, dir string) []string {
	return lintFile("datanode.toml", content)
}

// runDir writes the given files into dir/cluster (a "" content makes a
// directory) and runs `run --static-only` on it after extra has set up
// the odd entries.
func runDir(extra func(t *testing.T, d string)) func(t *testing.T, dir string) []string {
	return func(t *testing.T, dir string) []string {
		d := filepath.Join(dir, "cluster")
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, d, "datanode.toml", "node_id = 1\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n")
		extra(t, d)
		return []string{"run", "--static-only", d}
	}
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

func badCases() []badCase {
	// nodeOK is a valid datanode config; keys appended to it land in
	// [meta_client], so top-level cases write their keys before tail.
	const tail = "[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n"
	const nodeOK = "node_id = 1\n" + tail
	return []badCase{
		// Not text at all.
		{name: "PNG bytes", setup: datanode("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"), code: 1, want: "[toml-syntax]"},
		{name: "ELF bytes", setup: datanode("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00"), code: 1, want: "[toml-syntax]"},
		{name: "gzip bytes", setup: datanode("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00"), code: 1, want: "[toml-syntax]"},
		{name: "random bytes", setup: datanode(string(pseudoRandom(4096))), code: 1, want: "[toml-syntax]"},
		{name: "NUL bytes between keys", setup: datanode("node_id = 1\n\x00\x00\x00\n"), code: 1, want: "[toml-syntax]"},
		{name: "NUL byte in a string", setup: datanode("node_id = 1\n[storage]\ndata_home = \"/var/\x00lib\"\n"), code: 1, want: "[toml-syntax]"},
		{name: "escaped NUL in a string", setup: datanode(nodeOK + "[storage]\ndata_home = \"/var/\\u0000lib\"\n"), code: 0},
		{name: "only NUL bytes", setup: datanode(repeat("\x00", 1000)), code: 1, want: "[toml-syntax]"},

		// Encodings.
		{name: "invalid UTF-8 in a value", setup: datanode("node_id = 1\n[storage]\ndata_home = \"\xff\xfe\"\n"), code: 1, want: "[toml-syntax]"},
		{name: "invalid UTF-8 in a comment", setup: datanode("# \xc3\x28 broken\nnode_id = 1\n"), code: 1, want: "[toml-syntax]"},
		{name: "invalid UTF-8 in a key", setup: datanode("no\xe2\x28de_id = 1\n"), code: 1, want: "[toml-syntax]"},
		{name: "truncated UTF-8 at the end", setup: datanode("node_id = 1\n# caf\xc3"), code: 1, want: "[toml-syntax]"},
		{name: "UTF-8 BOM", setup: datanode("\ufeffnode_id = \"x\"\n" + tail), code: 1, want: "datanode.toml:1:11:"},
		{name: "UTF-16 LE with BOM", setup: datanode("\xff\xfen\x00o\x00d\x00e\x00_\x00i\x00d\x00 \x00=\x00 \x001\x00\n\x00"), code: 1, want: "[toml-syntax]"},
		{name: "CRLF line ends", setup: datanode("node_id = 1\r\n[meta_client]\r\nmetasrv_addrs = [\"127.0.0.1:3002\"]\r\n[storage]\r\ntype = \"S4\"\r\n"), code: 1, want: "datanode.toml:5:8:"},
		{name: "bare CR line ends", setup: datanode("node_id = 1\r[storage]\rtype = \"S3\"\r"), code: 1, want: "[toml-syntax]"},
		{name: "mixed line ends", setup: datanode("node_id = 1\r\n[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\r\nbogus = 1\n"), code: 1, want: "datanode.toml:4:1:"},

		// Empty and nearly empty.
		{name: "empty file", setup: datanode(""), code: 0, want: "[missing-node-id]"},
		{name: "only comments", setup: datanode("# a\n# b\n   # c\n"), code: 0, want: "[missing-node-id]"},
		{name: "only whitespace", setup: datanode(" \t\n\n   \n"), code: 0, want: "[missing-node-id]"},
		{name: "empty file of unknown component", setup: lintFile("node.toml", ""), code: 2, want: "--component"},

		// Size.
		{name: "100 MB file", setup: func(t *testing.T, dir string) []string {
			return []string{"lint", sparseFile(t, dir, "datanode.toml", 100<<20)}
		}, code: 2, want: "larger than 10 MiB"},
		{name: "10 MiB plus one byte", setup: func(t *testing.T, dir string) []string {
			return []string{"lint", sparseFile(t, dir, "datanode.toml", maxConfigSize+1)}
		}, code: 2, want: "larger than 10 MiB"},
		{name: "100 MB on stdin", setup: func(t *testing.T, dir string) []string {
			return []string{"lint", "--component", "datanode", "-"}
		}, code: 2, want: "larger than 10 MiB"},
		{name: "one line of 5 MB", setup: datanode(nodeOK + "# " + repeat("x", 5<<20) + "\n"), code: 0},
		{name: "a key of 100k characters", setup: datanode(nodeOK + repeat("k", 100_000) + " = 1\n"), code: 1, want: "[unknown-key]"},
		{name: "a string of 5 MB", setup: datanode(nodeOK + "[storage]\ndata_home = \"" + repeat("d", 5<<20) + "\"\n"), code: 0},
		{name: "an array of a million numbers", setup: datanode("node_id = 1\n[meta_client]\nmetasrv_addrs = [" + repeat("1,", 1_000_000) + "1]\n"), code: 1, want: "[type-mismatch]"},
		{name: "an array of 200k addresses", setup: datanode("node_id = 1\n[meta_client]\nmetasrv_addrs = [" + repeat("\"127.0.0.1:3002\",", 200_000) + "]\n"), code: 0},
		{name: "an array of 100k wrong addresses", setup: datanode("node_id = 1\n[meta_client]\nmetasrv_addrs = [" + repeat("\"no port\",", 100_000) + "]\n"), code: 1, want: "[invalid-address]"},
		{name: "20k unknown tables", setup: datanode(nodeOK + manyTables(20_000)), code: 1, want: "[unknown-key]"},

		// Nesting: GreptimeDB's parser (toml_edit) stops at 128 levels.
		{name: "arrays 10k deep", setup: datanode(nodeOK + "x = " + repeat("[", 10_000) + repeat("]", 10_000) + "\n"), code: 1, want: "recursion limit exceeded"},
		{name: "inline tables 10k deep", setup: datanode(nodeOK + "x = " + repeat("{a = ", 10_000) + "1" + repeat("}", 10_000) + "\n"), code: 1, want: "recursion limit exceeded"},
		{name: "a table header 10k levels deep", setup: datanode(nodeOK + "[" + strings.TrimSuffix(repeat("a.", 10_000), ".") + "]\nb = 1\n"), code: 1, want: "datanode.toml:4:2:"},
		{name: "a dotted key 10k parts long", setup: datanode(nodeOK + strings.TrimSuffix(repeat("a.", 10_000), ".") + " = 1\n"), code: 1, want: "recursion limit exceeded"},
		{name: "arrays 10k deep, never closed", setup: datanode("x = " + repeat("[", 10_000)), code: 1, want: "recursion limit exceeded"},
		{name: "a known key 10k deep", setup: datanode(nodeOK + "[storage]\ntype = " + repeat("[", 10_000) + "\"S3\"" + repeat("]", 10_000) + "\n"), code: 1, want: "recursion limit exceeded"},
		{name: "arrays 127 deep", setup: datanode(nodeOK + "x = " + repeat("[", 127) + repeat("]", 127) + "\n"), code: 1, want: "[unknown-key]"},
		{name: "arrays 128 deep", setup: datanode(nodeOK + "x = " + repeat("[", 128) + repeat("]", 128) + "\n"), code: 1, want: "datanode.toml:4:132:"},
		{name: "a dotted key of 127 parts", setup: datanode(nodeOK + strings.TrimSuffix(repeat("a.", 127), ".") + " = 1\n"), code: 1, want: "[unknown-key]"},
		{name: "brackets inside strings and comments", setup: datanode(nodeOK + "# " + repeat("[", 500) + "\n[storage]\ndata_home = \"" + repeat("{", 500) + "\"\n"), code: 0},

		// TOML the decoder refuses.
		{name: "duplicate key", setup: datanode("node_id = 1\nnode_id = 2\n" + tail), code: 1, want: "datanode.toml:2:1:"},
		{name: "table defined twice", setup: datanode(nodeOK + "[storage]\ntype = \"File\"\n[storage]\ndata_home = \"/x\"\n"), code: 1, want: "[duplicate-key]"},
		{name: "dotted key over a value", setup: datanode("node_id = 1\nstorage = 1\nstorage.type = \"S3\"\n" + tail), code: 1, want: "[duplicate-key]"},
		{name: "value over a dotted key's table", setup: datanode("node_id = 1\nstorage.type = \"S3\"\nstorage = 1\n" + tail), code: 1, want: "[duplicate-key]"},
		{name: "dotted keys into a table defined above", setup: datanode(nodeOK + "[storage.http_client]\ntimeout = \"3s\"\n[storage]\nhttp_client.timeout = \"4s\"\n"), code: 1, want: "[duplicate-key]"},
		{name: "array of tables then a table", setup: datanode(nodeOK + "[[storage.providers]]\ntype = \"S3\"\n[storage.providers]\ntype = \"File\"\n"), code: 1, want: "datanode.toml:"},
		{name: "table then an array of tables", setup: datanode(nodeOK + "[region_engine]\nx = 1\n[[region_engine]]\n[region_engine.mito]\n"), code: 1, want: "datanode.toml:"},
		{name: "inline table extended", setup: datanode(nodeOK + "storage = {type = \"File\"}\n[storage.x]\n"), code: 1, want: "datanode.toml:"},
		{name: "integer overflow", setup: datanode("node_id = 99999999999999999999\n"), code: 1, want: "[toml-syntax]"},
		{name: "unterminated string", setup: datanode("node_id = 1\n[storage]\ndata_home = \"/var/lib\n"), code: 1, want: "datanode.toml:3:"},
		{name: "unterminated multi-line string", setup: datanode("node_id = 1\nx = \"\"\"abc\n\n"), code: 1, want: "[toml-syntax]"},
		{name: "invalid escape", setup: datanode("node_id = 1\n[storage]\ndata_home = \"\\q\"\n"), code: 1, want: "[toml-syntax]"},
		{name: "key without value", setup: datanode("node_id =\n"), code: 1, want: "datanode.toml:1:"},

		// Wrong types everywhere.
		{name: "wrong types everywhere", setup: datanode(`node_id = "one"
require_lease_before_startup = "yes"
init_regions_in_background = 1
rpc_max_recv_message_size = true
[meta_client]
metasrv_addrs = "127.0.0.1:3002"
timeout = 3
[storage]
type = 1
data_home = ["/a"]
[wal]
provider = true
`), code: 1, want: "[type-mismatch]"},
		{name: "tables where values go", setup: datanode("[node_id]\n[meta_client.metasrv_addrs]\nx = 1\n[storage.type]\n"), code: 1, want: "[type-mismatch]"},
		{name: "values where tables go", setup: datanode("node_id = 1\nmeta_client = \"x\"\nstorage = [1, 2]\nwal = 3\n"), code: 1, want: "[type-mismatch]"},
		{name: "date-times as values", setup: datanode("node_id = 1979-05-27T07:32:00Z\n[meta_client]\nmetasrv_addrs = [1979-05-27]\n"), code: 1, want: "[type-mismatch]"},
		{name: "nan and inf", setup: datanode("node_id = nan\n[meta_client]\ntimeout = inf\nmetasrv_addrs = [\"127.0.0.1:3002\"]\n"), code: 1, want: "[type-mismatch]"},

		// Odd keys.
		{name: "unicode keys", setup: datanode(nodeOK + "ключ = 1\n[таблица]\n\"🔥\" = \"огонь\"\n"), code: 1, want: "datanode.toml:4:1:"},
		{name: "a line break in a quoted key", setup: datanode(nodeOK + "\"bad\\nkey\" = 1\n"), code: 1, want: "[unknown-key]"},
		{name: "control characters in a quoted key", setup: datanode(nodeOK + "\"\\u001b[31mred\\u0007\" = 1\n"), code: 1, want: "[unknown-key]"},
		{name: "empty quoted key", setup: datanode(nodeOK + "\"\" = 1\n"), code: 1, want: "datanode.toml:4:1:"},

		// Files and directories.
		{name: "missing file", setup: func(t *testing.T, dir string) []string {
			return []string{"lint", filepath.Join(dir, "nope", "datanode.toml")}
		}, code: 2, want: "could not read"},
		{name: "a directory named like a config", setup: func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "datanode.toml")
			os.Mkdir(p, 0o755)
			return []string{"datanode", "--static-only", "-c", p}
		}, code: 2, want: "is a directory"},
		{name: "explicit symlink loop", setup: func(t *testing.T, dir string) []string {
			a, b := filepath.Join(dir, "a.toml"), filepath.Join(dir, "b.toml")
			os.Symlink(b, a)
			os.Symlink(a, b)
			return []string{"lint", "--component", "datanode", a}
		}, code: 2, want: "too many levels of symbolic links"},
		{name: "run dir with a broken symlink", setup: runDir(func(t *testing.T, d string) {
			os.Symlink(filepath.Join(d, "gone.toml"), filepath.Join(d, "frontend.toml"))
		}), code: 2, want: "frontend.toml"},
		{name: "run dir with a symlink loop", setup: runDir(func(t *testing.T, d string) {
			os.Symlink(filepath.Join(d, "b.toml"), filepath.Join(d, "a.toml"))
			os.Symlink(filepath.Join(d, "a.toml"), filepath.Join(d, "b.toml"))
		}), code: 2, want: "too many levels of symbolic links"},
		{name: "run dir with a directory symlink loop", setup: runDir(func(t *testing.T, d string) {
			os.Symlink(d, filepath.Join(d, "loop"))
			os.Symlink(d, filepath.Join(d, "loop.toml"))
		}), code: 0},
		{name: "run dir with a FIFO", setup: runDir(func(t *testing.T, d string) {
			if err := syscall.Mkfifo(filepath.Join(d, "metasrv.toml"), 0o600); err != nil {
				t.Fatal(err)
			}
		}), code: 2, want: "not a regular file (a named pipe)"},
		{name: "run dir with a Unix socket", setup: runDir(func(t *testing.T, d string) {
			l, err := net.Listen("unix", filepath.Join(d, "frontend.toml"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		}), code: 2, want: "not a regular file (a socket)"},
		{name: "run dir with a symlink to a config (a ConfigMap mount)", setup: runDir(func(t *testing.T, d string) {
			data := filepath.Join(d, "..data")
			os.Mkdir(data, 0o755)
			writeTestFile(t, data, "frontend.toml", "[meta_client]\nmetasrv_addrs = [\"127.0.0.1:3002\"]\nbogus_key = 1\n")
			os.Symlink(filepath.Join("..data", "frontend.toml"), filepath.Join(d, "frontend.toml"))
		}), code: 1, want: "frontend.toml:3:1:"},
		{name: "run dir with binary files", setup: runDir(func(t *testing.T, d string) {
			writeTestFile(t, d, "metasrv.toml", string(pseudoRandom(2048)))
			writeTestFile(t, d, "image.png.toml", "\x89PNG\r\n\x1a\n")
		}), code: 1, want: "[toml-syntax]"},
		// Paths are split at line breaks (the Action's paths input).
		{name: "a file name with a line break", setup: func(t *testing.T, dir string) []string {
			return []string{"lint", writeTestFile(t, dir, "data\nnode.toml", "node_id = \"x\"\n")}
		}, code: 2, want: "could not read"},
		{name: "binary garbage on stdin", setup: func(t *testing.T, dir string) []string {
			return []string{"lint", "--component", "metasrv", "-"}
		}, code: 1, want: "<stdin>:1:"},
	}
}

// stdinFor gives the cases that read stdin their input.
var stdinFor = map[string]func() string{
	"100 MB on stdin":         func() string { return strings.Repeat("# padding\n", 10<<20) },
	"binary garbage on stdin": func() string { return string(pseudoRandom(1000)) },
}

// pseudoRandom returns n bytes from a fixed LCG, so failures reproduce.
func pseudoRandom(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// sparseFile makes a file of size bytes that takes no disk space.
func sparseFile(t *testing.T, dir, name string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}

func manyTables(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[unknown_%d]\nkey = %d\n", i, i)
	}
	return b.String()
}

// findingLine matches a text-report finding with a position.
var findingLine = regexp.MustCompile(`(?m)^\s*\S.*:\d+(:\d+)?: (error|warning|info): `)

func TestBadInput(t *testing.T) {
	cases := badCases()
	if len(cases) < 50 {
		t.Fatalf("only %d cases; the issue asks for at least 50", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := tc.setup(t, dir)
			stdin := ""
			if f := stdinFor[tc.name]; f != nil {
				stdin = f()
			}
			r := runCLI(t, stdin, nil, append([]string{"stepstone"}, args...)...)
			out := r.stdout + r.stderr
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, clipOutput(r.stdout), clipOutput(r.stderr))
			}
			if tc.want != "" && !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tc.want, clipOutput(r.stdout), clipOutput(r.stderr))
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(out, "panic") || strings.Contains(out, "internal error") {
				t.Errorf("stepstone failed inside:\n%s", clipOutput(r.stderr))
			}
			switch tc.code {
			case exitUsage:
				// One line, saying what is wrong.
				if msg := strings.TrimSuffix(r.stderr, "\n"); msg == "" || strings.Contains(msg, "\n") {
					t.Errorf("want one line on stderr, got %q", clipOutput(r.stderr))
				}
			case exitFindings:
				if !tc.noPos && !findingLine.MatchString(r.stdout) {
					t.Errorf("no finding with a position:\n%s", clipOutput(r.stdout))
				}
			}
			// Every finding line is one line: no value may break it.
			for _, line := range strings.Split(r.stdout, "\n") {
				if strings.ContainsAny(line, "\r\x00\x1b") {
					t.Errorf("a control character reached the report: %q", clipOutput(line))
				}
			}
		})
	}
}

// clipOutput keeps failure messages readable when the input was huge.
func clipOutput(s string) string {
	if len(s) <= 4000 {
		return s
	}
	return s[:2000] + fmt.Sprintf("\n... %d bytes ...\n", len(s)-4000) + s[len(s)-2000:]
}

// TestBadInputJSON runs a few of the strangest inputs with -o json: the
// document must still parse.
func TestBadInputJSON(t *testing.T) {
	for _, content := range []string{"\xff\xfe\x00", "\"bad\\nkey\" = 1\n", "\"\\u001b\" = \"\\u0000\"\n", repeat("[", 5000)} {
		dir := t.TempDir()
		p := writeTestFile(t, dir, "datanode.toml", content)
		r := runCLI(t, "", nil, "stepstone", "lint", "-o", "json", p)
		if r.code != exitFindings {
			t.Errorf("%q: exit %d\n%s", content, r.code, r.stderr)
		}
		if !json.Valid([]byte(r.stdout)) {
			t.Errorf("%q: not valid JSON:\n%s", content, clipOutput(r.stdout))
		}
	}
}
