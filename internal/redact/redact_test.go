package redact

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestIssue14Leaks replays the secret leaks of issue 14: each output must
// hold none of the listed pieces.
func TestIssue14Leaks(t *testing.T) {
	cases := []struct {
		name   string
		learn  func(r *Redactor)
		output string
		hidden []string
	}{
		{
			name:   "raw @ and / in a PostgreSQL password",
			learn:  func(r *Redactor) { r.AddDSN("postgres://greptime:p@ss/w0rd@db.example.com:5432/meta") },
			output: `could not connect to "ss/w0rd@db.example.com" database "w0rd@db.example.com:5432/meta" (postgres://greptime:p@ss/w0rd@db.example.com:5432/meta)`,
			hidden: []string{"p@ss/w0rd", "ss/w0rd", "w0rd"},
		},
		{
			name:   "raw # in a MySQL password",
			learn:  func(r *Redactor) { r.AddDSN("mysql://root:s3cr#et99@db:3306/meta") },
			output: `dial tcp: lookup root: no such host; fragment "et99@db:3306/meta"; mysql://root:s3cr#et99@db:3306/meta`,
			hidden: []string{"s3cr#et99", "s3cr", "et99"},
		},
		{
			name:   "password in a PostgreSQL URI query",
			learn:  func(r *Redactor) { r.AddDSN("postgres://db:5432/meta?user=gt&password=hunter2hunter2&sslmode=require") },
			output: `{"store_addrs":["postgres://db:5432/meta?user=gt&password=hunter2hunter2&sslmode=require"]}`,
			hidden: []string{"hunter2hunter2"},
		},
		{
			name:   "Azure SAS sig in an endpoint, never learned",
			learn:  func(r *Redactor) {},
			output: `endpoint = "https://acct.blob.core.windows.net/?sv=2022-11-02&ss=b&sig=AbC%2BdEf%3D&se=2030"`,
			hidden: []string{"AbC%2BdEf%3D"},
		},
		{
			name:   "access_token and X-Amz-Signature, never learned",
			learn:  func(r *Redactor) {},
			output: `GET https://s3.example.com/b/k?X-Amz-Credential=AKIAXXXX%2F2026&X-Amz-Signature=deadbeefcafe&access_token=ya29.tok`,
			hidden: []string{"deadbeefcafe", "ya29.tok", "AKIAXXXX"},
		},
		{
			name:   "otlp_headers bearer token",
			learn:  func(r *Redactor) { r.AddHeaders("Bearer eyJhbGciOi.payload.sig") },
			output: `logging.otlp_headers = { authorization = "Bearer eyJhbGciOi.payload.sig" }; token eyJhbGciOi.payload.sig`,
			hidden: []string{"eyJhbGciOi.payload.sig", "eyJhbGciOi"},
		},
		{
			name:   "otlp header, never learned",
			learn:  func(r *Redactor) {},
			output: `{"Authorization":"Bearer abcdefgh1234","x-api-key":"k-42-secret"} Authorization: Bearer abcdefgh1234`,
			hidden: []string{"abcdefgh1234", "k-42-secret"},
		},
		{
			name:   "unquoted secret in a TOML syntax error",
			learn:  func(r *Redactor) { r.Add("Xk9!unquoted") },
			output: `datanode.toml:4:24: toml: expected value but found "Xk9!unquoted" instead`,
			hidden: []string{"Xk9!unquoted"},
		},
		{
			name:   "unquoted secret, never learned",
			learn:  func(r *Redactor) {},
			output: `line 4: password = "Xk9!unterminated`,
			hidden: []string{"Xk9!unterminated"},
		},
		{
			name:   "comma in a password from GREPTIMEDB_METASRV__STORE_ADDRS",
			learn:  func(r *Redactor) { r.AddDSN("postgres://gt:half0ne,halfTwo@db/meta") },
			output: `store_addrs[0] = "postgres://gt:half0ne"; store_addrs[1] = "halfTwo@db/meta"`,
			hidden: []string{"half0ne", "halfTwo"},
		},
		{
			name:   "inline user_provider passwords, never learned",
			learn:  func(r *Redactor) {},
			output: `user_provider = "static_user_provider:cmd:admin=S3cretA,ro=S3cretB"`,
			hidden: []string{"S3cretA", "S3cretB"},
		},
		{
			name:   "a secret inside another value",
			learn:  func(r *Redactor) { r.Add("tops3cret") },
			output: `storage.bucket = "team-tops3cret-data"`,
			hidden: []string{"tops3cret"},
		},
		{
			name:   "percent-encoded password, printed decoded",
			learn:  func(r *Redactor) { r.AddDSN("postgres://u:a%40b%2Fc99@h/db") },
			output: `password "a@b/c99" rejected; url postgres://u:a%40b%2Fc99@h/db`,
			hidden: []string{"a@b/c99", "a%40b%2Fc99"},
		},
		{
			name:   "go-sql-driver DSN with @ and / in the password",
			learn:  func(r *Redactor) { r.AddDSN("root:p@s/s77x@tcp(db:3306)/meta") },
			output: `Error 1045: Access denied for user 'root' (using password: YES) p@s/s77x`,
			hidden: []string{"p@s/s77x"},
		},
		{
			name:   "a multi-line key printed with %q",
			learn:  func(r *Redactor) { r.Add("-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----") },
			output: fmt.Sprintf("%q and the middle line MIIEvQIBADANBgkq", "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----"),
			hidden: []string{"MIIEvQIBADANBgkq"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := New()
			c.learn(r)
			got := r.String(c.output)
			for _, h := range c.hidden {
				if strings.Contains(got, h) {
					t.Errorf("%q survives in %q", h, got)
				}
			}
			if !strings.Contains(got, Mask) {
				t.Errorf("nothing masked in %q", got)
			}
		})
	}
}

// TestParseNeverDialsTheCredential: a password piece never becomes a host
// or a database name; such strings are ErrAmbiguous with no host.
func TestParseNeverDialsTheCredential(t *testing.T) {
	for _, c := range []struct {
		parse func(string) (DSN, error)
		dsn   string
	}{
		{ParsePostgres, "postgres://u:p@ss@evil.example/db"},
		{ParsePostgres, "postgres://u:1234/ss@db.example/meta"},
		{ParsePostgres, "postgresql://u:p?x@y@db/meta"},
		{ParseMySQL, "mysql://u:p/ss@db.example:3306/meta"},
		{ParseMySQL, "mysql://u:p#ss@db.example:3306/meta"},
		{ParseMySQL, "mysql://u:3306/ss@db.example/meta"},
		{ParseEtcdEndpoint, "http://u:p/ss@etcd:2379"},
		{ParsePostgres, `host=  user=\ password='s3cret' dbname=meta`},
	} {
		d, err := c.parse(c.dsn)
		if !errors.Is(err, ErrAmbiguous) {
			t.Errorf("%s: err %v, want ErrAmbiguous", c.dsn, err)
		}
		if len(d.Hosts) != 0 {
			t.Errorf("%s: hosts %q, want none", c.dsn, d.Hosts)
		}
		if err != ErrAmbiguous {
			t.Errorf("%s: the error is wrapped or quotes the input: %v", c.dsn, err)
		}
		if len(d.Secrets) == 0 {
			t.Errorf("%s: no secret learned", c.dsn)
		}
	}
}

func TestParseGood(t *testing.T) {
	for _, c := range []struct {
		parse            func(string) (DSN, error)
		dsn              string
		pass, db         string
		hosts            string
		secretsIncluding string
	}{
		{ParsePostgres, "postgres://u:pa%40ss@db:5433/meta?sslmode=require", "pa@ss", "meta", "db:5433", "pa@ss"},
		{ParsePostgres, "postgresql://u:p#x,y@h1:1,h2:2/meta", "p#x,y", "meta", "h1:1,h2:2", "p#x,y"},
		{ParsePostgres, "host=db port=5432 user=gt password='it''s' dbname=meta", "", "", "", ""},
		{ParsePostgres, `host=db user=gt password='a b\'c' dbname=meta`, "a b'c", "meta", "db:5432", "a b'c"},
		{ParsePostgres, `host=db password=x\ y sslpassword=keypass`, "x y", "", "db:5432", "keypass"},
		{ParseMySQL, "mysql://root:p@ss@db:3307/meta?ssl-mode=REQUIRED", "p@ss", "meta", "db:3307", "p@ss"},
		{ParseMySQL, "root:p@s/s@tcp(db:3306)/meta?parseTime=true", "p@s/s", "meta", "db:3306", "p@s/s"},
		{ParseEtcdEndpoint, "etcd-0.etcd:2379", "", "", "etcd-0.etcd:2379", ""},
		{ParseEtcdEndpoint, "https://root:pw@etcd:2379", "pw", "", "etcd:2379", "pw"},
	} {
		d, err := c.parse(c.dsn)
		if c.hosts == "" {
			if err == nil {
				t.Errorf("%s: parsed, want an error", c.dsn)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.dsn, err)
			continue
		}
		if d.Password != c.pass || d.Database != c.db || strings.Join(d.Hosts, ",") != c.hosts {
			t.Errorf("%s: got pass %q db %q hosts %q", c.dsn, d.Password, d.Database, d.Hosts)
		}
		if c.secretsIncluding != "" && !contains(d.Secrets, c.secretsIncluding) {
			t.Errorf("%s: secrets %q miss %q", c.dsn, d.Secrets, c.secretsIncluding)
		}
	}
}

// TestPostgresAgreesWithPgx: where the string is unambiguous, ParsePostgres
// reads what pgx reads.
func TestPostgresAgreesWithPgx(t *testing.T) {
	for _, k := range []string{"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE", "PGSSLMODE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for _, dsn := range []string{
		"postgres://u:pa%40ss@db:5433/meta?sslmode=disable",
		"postgres://u:p#x@db/meta?sslmode=disable",
		"postgresql://u:p%2Fq@[::1]:6000/m%20eta?sslmode=disable",
		"postgres://u:pw@h1:5433,h2:5434/meta?sslmode=disable",
		`host=db port=6543 user=gt password='a b\'c' dbname=meta sslmode=disable`,
		`host=db password=x\ y sslmode=disable`,
		"postgres://db/meta?password=hunter2&user=gt&sslmode=disable",
	} {
		d, err := ParsePostgres(dsn)
		if err != nil {
			t.Errorf("%s: %v", dsn, err)
			continue
		}
		cfg, err := pgconn.ParseConfig(dsn)
		if err != nil {
			t.Errorf("%s: pgx: %v", dsn, err)
			continue
		}
		if d.Password != cfg.Password || d.Database != cfg.Database || d.User != cfg.User && d.User != "" {
			t.Errorf("%s: we read %q/%q/%q, pgx %q/%q/%q", dsn, d.User, d.Password, d.Database, cfg.User, cfg.Password, cfg.Database)
		}
		want := []string{fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)}
		if strings.Contains(cfg.Host, ":") {
			want[0] = fmt.Sprintf("[%s]:%d", cfg.Host, cfg.Port)
		}
		for _, fb := range cfg.Fallbacks {
			if fb.TLSConfig == nil {
				want = append(want, fmt.Sprintf("%s:%d", fb.Host, fb.Port))
			}
		}
		if d.Hosts[0] != want[0] {
			t.Errorf("%s: we dial %q, pgx %q", dsn, d.Hosts, want)
		}
	}
}

func TestRedactorConcurrent(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			r.Add(fmt.Sprintf("secret-%d-value", i))
		}(i)
		go func(i int) {
			defer wg.Done()
			_ = r.String(fmt.Sprintf("x secret-%d-value y", i))
		}(i)
	}
	wg.Wait()
	for i := 0; i < 8; i++ {
		if got := r.String(fmt.Sprintf("x secret-%d-value y", i)); got != "x *** y" {
			t.Errorf("got %q", got)
		}
	}
	if len(r.Secrets()) != 8 {
		t.Errorf("secrets %q", r.Secrets())
	}
}

func TestShortSecretsOnlyAsWords(t *testing.T) {
	r := New("ab")
	if got := r.String("abc ab cab"); got != "abc *** cab" {
		t.Errorf("got %q", got)
	}
}

func TestErrorKeepsChain(t *testing.T) {
	base := errors.New("auth failed for hunter2x")
	err := New("hunter2x").Error(fmt.Errorf("probe: %w", base))
	if strings.Contains(err.Error(), "hunter2x") || !errors.Is(err, base) || !IsRedacted(err) {
		t.Errorf("got %v", err)
	}
}

func TestScrubLeavesPlainTextAlone(t *testing.T) {
	for _, s := range []string{
		"storage.secret_access_key is written in plain text: use an environment variable",
		"pass: 3, fail: 1",
		"http://db.example.com:5432/meta",
		"token expired",
	} {
		if got := Scrub(s); got != s {
			t.Errorf("Scrub(%q) = %q", s, got)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
