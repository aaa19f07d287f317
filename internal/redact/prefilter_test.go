package redact

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestScrubPrefilters holds Scrub's shortcuts (no ':' or '"', no '=', no
// "bearer": that pattern cannot match) and dsnPasswordSpan's (no
// "password") to the patterns themselves, applied to every string,
// on random text over the characters and words the patterns need.
func TestScrubPrefilters(t *testing.T) {
	parts := []string{
		"a", "Z", " ", "\t", ":", "=", `"`, "'", "@", "/", "&", ";", "-", "_", "x",
		"password", "PassWord", "token", "secret", "api-key", "Authorization", "bearer", "BeArEr", "basic",
		"abcd1234", "://", "tcp(", "static_user_provider:cmd:", Mask,
	}
	r := rand.New(rand.NewPCG(3, 4))
	changed := 0
	for range 30000 {
		s := randomText(r, parts, 10)
		want := scrubEverything(s)
		got := Scrub(s)
		if got != want {
			t.Fatalf("Scrub(%q) = %q, the patterns alone give %q", s, got, want)
		}
		if got != s {
			changed++
		}
		ws, we, wok := 0, 0, false
		if !strings.Contains(s, "://") {
			if m := libpqPassword().FindStringSubmatchIndex(s); m != nil {
				ws, we = m[2], m[3]
				if we-ws >= 2 && s[ws] == '\'' && s[we-1] == '\'' {
					ws, we = ws+1, we-1
				}
				wok = we > ws
			}
			if gs, ge, gok := dsnPasswordSpan(s); gok != wok || gok && (gs != ws || ge != we) {
				t.Fatalf("dsnPasswordSpan(%q) = %d, %d, %v; the pattern says %d, %d, %v", s, gs, ge, gok, ws, we, wok)
			}
		}
	}
	if changed < 1000 {
		t.Fatalf("only %d strings were masked: the test no longer exercises the patterns", changed)
	}
}

// scrubEverything is Scrub with every pattern run on every string.
func scrubEverything(s string) string {
	re := scrubRE()
	if strings.Contains(s, "://") {
		s = re.urlUserinfo.ReplaceAllString(s, "${1}"+Mask+"@")
	}
	if strings.Contains(s, "@") {
		s = re.goMySQLUserinfo.ReplaceAllString(s, "${1}:"+Mask+"@${2}(")
	}
	if strings.Contains(s, userProviderPrefix) {
		s = re.userProvider.ReplaceAllString(s, "${1}"+Mask)
	}
	s = re.jsonSecret.ReplaceAllString(s, `${1}"`+Mask+`"`)
	for _, pat := range []*regexp.Regexp{re.secretParams, re.secretHeaders} {
		s = pat.ReplaceAllStringFunc(s, func(m string) string {
			sub := pat.FindStringSubmatch(m)
			if sub[5] == Mask || sub[5] == `"`+Mask+`"` || sub[5] == "'"+Mask+"'" {
				return m
			}
			return sub[1] + sub[2] + sub[3] + sub[4] + Mask
		})
	}
	return re.bearer.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.bearer.FindStringSubmatch(m)
		return sub[1] + sub[2] + Mask
	})
}

// TestAddDSNPrefilter holds MayHoldDSNSecret to AddDSN: on random text
// over the words of every grammar AddDSN reads, a string it passes by
// teaches a redactor nothing. The text holds '@' and '=' often enough
// that many strings do teach it something, so a filter that passed by
// too much would be seen.
func TestAddDSNPrefilter(t *testing.T) {
	parts := []string{
		"postgres://", "postgresql://", "mysql://", "http://", "https://", "user", "u", ":", "pass", "s3cr3t",
		"%40", "%3A", "tcp(", "unix(", ")", "/", "?", "&", ";", ",", " ", "\t", "'", `"`, "host", "127.0.0.1",
		"5432", "password", "sslpassword", "AccountKey", "SharedAccessSignature", "static_user_provider:cmd:",
		"[::1]", "db", "x", "@", "=",
	}
	r := rand.New(rand.NewPCG(5, 6))
	learnt := 0
	for range 40000 {
		s := randomText(r, parts, 12)
		red := New()
		red.addDSN(s)
		got := red.Secrets()
		if len(got) > 0 {
			learnt++
		}
		if !MayHoldDSNSecret(s) && len(got) > 0 {
			t.Fatalf("AddDSN(%q) learns %q, but the prefilter passes it by", s, got)
		}
	}
	if learnt < 1000 {
		t.Fatalf("only %d strings taught anything: the test sees nothing", learnt)
	}
}

// randomText joins fewer than n of parts, picked at random.
func randomText(r *rand.Rand, parts []string, n int) string {
	var b strings.Builder
	for range r.IntN(n) {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}
