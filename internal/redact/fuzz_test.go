package redact

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// dsnForms build a connection string around a planted password.
var dsnForms = []func(user, pass, host, db string) string{
	func(u, p, h, d string) string { return "postgres://" + u + ":" + p + "@" + h + "/" + d },
	func(u, p, h, d string) string {
		return "postgresql://" + u + ":" + url.QueryEscape(p) + "@" + h + ":5432/" + d + "?sslmode=require"
	},
	func(u, p, h, d string) string {
		return "host=" + h + " user=" + u + " password='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(p) + "' dbname=" + d
	},
	func(u, p, h, d string) string {
		return "postgres://" + h + "/" + d + "?user=" + u + "&password=" + url.QueryEscape(p)
	},
	func(u, p, h, d string) string { return "mysql://" + u + ":" + p + "@" + h + ":3306/" + d },
	func(u, p, h, d string) string { return u + ":" + p + "@tcp(" + h + ":3306)/" + d + "?parseTime=true" },
	func(u, p, h, d string) string { return "http://" + u + ":" + p + "@" + h + ":2379" },
	func(u, p, h, d string) string { return h + ":2379,postgres://" + u + ":" + p + "@" + h + "/" + d },
	func(u, p, h, d string) string { return "https://" + h + "/" + d + "?sv=2022&sig=" + url.QueryEscape(p) },
	func(u, p, h, d string) string { return u + ":" + p + "@" + h + ":2379" },
	func(u, p, h, d string) string { return h + ":2379," + u + ":" + p + "@" + h + ":2379" },
	func(u, p, h, d string) string { return u + ":" + p + "@unix(/tmp/mysql.sock)/" + d },
	func(u, p, h, d string) string { return "postgres://" + u + ":" + url.PathEscape(p) + "@" + h + "/" + d },
}

// FuzzRedactDSN plants a password in every DSN and URL form stepstone
// meets, teaches a Redactor the DSN alone, and checks that the password
// (4 bytes or more) appears in no output built from it: the DSN itself,
// quoted, inside a sentence, cut at commas, and every host and database
// the parsers return.
func FuzzRedactDSN(f *testing.F) {
	for i := range dsnForms {
		f.Add(uint8(i), "greptime", "p@ss/w0rd", "db.example.com", "meta")
		f.Add(uint8(i), "u", "a,b#c?d/e@f", "h", "d")
		f.Add(uint8(i), "root", "it's \"x\"\\", "10.0.0.1", "m")
		f.Add(uint8(i), "u:x", "pa%40ss", "h", "d")
		f.Add(uint8(i), "u", "pa://ss", "h", "d")
	}
	f.Fuzz(func(t *testing.T, form uint8, user, pass, host, db string) {
		if len(pass) < substringMin || onlyMask(pass) || strings.TrimSpace(pass) == "" || !utf8.ValidString(user+pass+host+db) {
			return
		}
		// The password must not also be spelled by the other parts, as
		// written or quoted (a NUL quoted as \x00 and then "00" spell
		// "0000"): then it is not a secret of the string alone.
		for _, other := range []string{user, host, db} {
			if strings.Contains(other, pass) || strings.Contains(fmt.Sprintf("%q", other), pass) {
				return
			}
		}
		dsn := dsnForms[int(form)%len(dsnForms)](user, pass, host, db)
		// A user that is a URL scheme and a password that starts with
		// "//" make "A://0@h": a URL with a user and no password, as the
		// drivers read it; reading it as user:password too would mask
		// the user of every URL ("postgres://postgres@h").
		if isScheme(user) && strings.HasPrefix(pass, "//") {
			return
		}
		// Nor spelled by the DSN without it, or by the sentence around
		// it ("to " and a user "0000" spell " 000").
		without := dsnForms[int(form)%len(dsnForms)](user, "\x7f", host, db)
		if strings.Contains("could not connect to "+without+": timeout", pass) || strings.Contains(fmt.Sprintf("%q", without), pass) {
			return
		}
		r := New()
		r.AddDSN(dsn)
		outputs := []string{
			dsn,
			fmt.Sprintf("%q", dsn),
			"could not connect to " + dsn + ": timeout",
		}
		outputs = append(outputs, strings.Split(dsn, ",")...)
		for _, parse := range []func(string) (DSN, error){ParsePostgres, ParseMySQL, ParseEtcdEndpoint} {
			d, err := parse(dsn)
			outputs = append(outputs, d.Hosts...)
			outputs = append(outputs, d.Database, d.User)
			if err != nil {
				outputs = append(outputs, err.Error())
			}
			for _, h := range d.Hosts {
				if name, _, err := net.SplitHostPort(h); err == nil {
					h = name
				}
				if strings.Contains(h, pass) {
					t.Fatalf("%q: a host to dial holds the password: %q", dsn, h)
				}
			}
		}
		for _, o := range outputs {
			got := r.String(o)
			if strings.Contains(got, pass) {
				t.Fatalf("password %q survives in %q (from %q)", pass, got, o)
			}
		}
	})
}
