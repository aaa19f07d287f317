package textsafe

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"configs/datanode.toml", "configs/datanode.toml"},
		{"dir\n::stop-commands::x/datanode.toml", `dir\n::stop-commands::x/datanode.toml`},
		{"::error file=a.toml::forged", `\x3a:error file=a.toml::forged`},
		{"  \t::warning::x", "  \\t::warning::x"},
		{"\u00a0\u3000::error::x", "\u00a0\u3000\\x3a:error::x"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]8;;http://evil\x07link", `\x1b]8;;http://evil\alink`},
		{"abc\u202edcba", `abc\u202edcba`},
		{"\u2066iso\u2069 \u200f", `\u2066iso\u2069 \u200f`},
		{"c1\u0085\u009b31m del\x7f", `c1\u0085\u009b31m del\x7f`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"ünïcödé ok: a::b", "ünïcödé ok: a::b"},
	} {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestText(t *testing.T) {
	in := "line one\r\n::set-output name=x::y\n  ::error::z\x1b[2J"
	want := "line one\n\\x3a:set-output name=x::y\n  \\x3a:error::z\\x1b[2J"
	if got := Text(in); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if got := Text("plain\ntext"); got != "plain\ntext" {
		t.Errorf("Text changed plain text: %q", got)
	}
}

// startsCommand tells whether the runner would read line as a command.
func startsCommand(line string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(line, isRunnerSpace), "::")
}
