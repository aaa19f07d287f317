package configs

import (
	"math/rand/v2"
	"testing"
)

// TestPlaceholderPrefilter holds IsPlaceholder's shortcut (no "__" and no
// "{": no placeholder) to PlaceholderPattern itself, on the forms it
// matches, near misses and random strings over the characters that matter.
func TestPlaceholderPrefilter(t *testing.T) {
	cases := []string{
		"", "plain", "__HTTP_ADDR__", "x__A__y", "__1__", "_A_", "{addrs.grpc_addr}", "{addrs}",
		"${VAR}", "$VAR", "{{ .Values.x }}", "{{", "}}", "a{b.c}d", "__", "{", "${}", "{{}}",
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "_{}.$Ab1 "
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	f := &File{}
	matched := 0
	for _, s := range cases {
		want := PlaceholderPattern.MatchString(s)
		if got := f.IsPlaceholder(s); got != want {
			t.Errorf("IsPlaceholder(%q) = %v, the pattern says %v", s, got, want)
		}
		if want {
			matched++
		}
	}
	if matched < 100 {
		t.Fatalf("only %d of the strings are placeholders: the test no longer exercises the pattern", matched)
	}
}
