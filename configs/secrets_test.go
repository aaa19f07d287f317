package configs

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
			if r := RedactDSN(tc.dsn); r != tc.redacted {
				t.Errorf("RedactDSN = %q, want %q", r, tc.redacted)
			}
		})
	}
}
