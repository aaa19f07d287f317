package redact

import "testing"

func TestDSNPassword(t *testing.T) {
	cases := []struct{ dsn, want, redacted string }{
		{"postgres://greptime:s3cret@db:5432/meta", "s3cret", "postgres://greptime:***@db:5432/meta"},
		{"postgres://greptime:p@ss#word@db:5432/meta", "p@ss#word", "postgres://greptime:***@db:5432/meta"},
		{"mysql://root:a/b?c@mysql:3306/meta", "a/b?c", "mysql://root:***@mysql:3306/meta"},
		{"postgres://greptime@db/meta", "", "postgres://greptime@db/meta"},
		{"host=db user=g password=s3cret dbname=meta", "s3cret", "host=db user=g password=*** dbname=meta"},
		{`host=db password='it\'s s3cret' dbname=meta`, `it\'s s3cret`, "host=db password='***' dbname=meta"},
		{"127.0.0.1:2379", "", "127.0.0.1:2379"},
	}
	for _, tc := range cases {
		t.Run(tc.dsn, func(t *testing.T) {
			got, ok := DSNPassword(tc.dsn)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("DSNPassword = %q, %v; want %q", got, ok, tc.want)
			}
			if r := MaskDSN(tc.dsn); r != tc.redacted {
				t.Errorf("MaskDSN = %q, want %q", r, tc.redacted)
			}
		})
	}
}

func TestMaskValue(t *testing.T) {
	for in, want := range map[string]string{
		"static_user_provider:cmd:alice=pw1,bob=pw2": "static_user_provider:cmd:alice=" + Mask + ",bob=" + Mask,
		"postgres://g:s3cret@db/meta":                "postgres://g:" + Mask + "@db/meta",
		"plain text":                                 "plain text",
	} {
		if got := MaskValue(in); got != want {
			t.Errorf("MaskValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExactMasksWholeValuesOnly(t *testing.T) {
	e := NewExact("p@ss#word", "p@ss#word-longer", "")
	got := e.String("the password p@ss#word-longer, then p@ss#word")
	if want := "the password " + Mask + ", then " + Mask; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := (Exact{}).String("p@ss#word"); got != "p@ss#word" {
		t.Errorf("the zero Exact masked %q", got)
	}
}
