package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// These tests fail (on purpose) when the environment is not up: run
// ./scripts/testenv.sh up first.

func TestServersReachable(t *testing.T) {
	t.Run("MinIO", func(t *testing.T) {
		s := MinIO(t)
		if s.AccessKey == "" || s.SecretKey == "" || s.Region == "" {
			t.Fatalf("incomplete S3 config: %+v", s)
		}
	})
	t.Run("Azurite", func(t *testing.T) {
		if a := Azurite(t); a.Account == "" || a.Key == "" {
			t.Fatalf("incomplete Azurite config: %+v", a)
		}
	})
	t.Run("FakeGCS", func(t *testing.T) { FakeGCS(t) })
	t.Run("Postgres", func(t *testing.T) { Postgres(t) })
	t.Run("MySQL", func(t *testing.T) { MySQL(t) })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPostgresAuthAndPermissions(t *testing.T) {
	p := Postgres(t)

	t.Run("WrongPasswordRejected", func(t *testing.T) {
		conn, err := pgx.Connect(ctx(t), p.DSNFor(p.User, "definitely-wrong"))
		if err == nil {
			_ = conn.Close(context.Background())
			t.Fatalf("connecting as %s with a wrong password succeeded; pg_hba.conf lacks the scram-sha-256 rule (run ./scripts/testenv.sh up)", p.User)
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "28P01" { // invalid_password
			t.Fatalf("want invalid_password (28P01), got %v", err)
		}
	})

	t.Run("OwnerCanCreate", func(t *testing.T) {
		conn, err := pgx.Connect(ctx(t), p.DSN())
		if err != nil {
			t.Fatalf("connect as %s: %v", p.User, err)
		}
		defer func() { _ = conn.Close(context.Background()) }()
		table := fmt.Sprintf("testenv_probe_%d", time.Now().UnixNano())
		if _, err := conn.Exec(ctx(t), "CREATE TABLE "+table+" (k text)"); err != nil {
			t.Fatalf("%s cannot create a table in %s: %v", p.User, p.Database, err)
		}
		if _, err := conn.Exec(ctx(t), "DROP TABLE "+table); err != nil {
			t.Fatalf("drop: %v", err)
		}
	})

	t.Run("NoPermCannotCreate", func(t *testing.T) {
		conn, err := pgx.Connect(ctx(t), p.NoPermDSN())
		if err != nil {
			t.Fatalf("connect as %s: %v", p.NoPermUser, err)
		}
		defer func() { _ = conn.Close(context.Background()) }()
		_, err = conn.Exec(ctx(t), "CREATE TABLE testenv_noperm_probe (k text)")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" { // insufficient_privilege
			t.Fatalf("want insufficient_privilege (42501) creating a table as %s, got %v", p.NoPermUser, err)
		}
	})
}

func openMySQL(t *testing.T, m MySQLServer, user, password string) *sql.DB {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, password
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", m.Addr(), m.Database
	cfg.Timeout = 5 * time.Second
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestMySQLAuthAndPermissions(t *testing.T) {
	m := MySQL(t)

	t.Run("WrongPasswordRejected", func(t *testing.T) {
		err := openMySQL(t, m, m.User, "definitely-wrong").PingContext(ctx(t))
		var myErr *mysql.MySQLError
		if !errors.As(err, &myErr) || myErr.Number != 1045 { // ER_ACCESS_DENIED_ERROR
			t.Fatalf("want access denied (1045) for a wrong password, got %v", err)
		}
	})

	t.Run("OwnerCanCreate", func(t *testing.T) {
		db := openMySQL(t, m, m.User, m.Password)
		table := fmt.Sprintf("testenv_probe_%d", time.Now().UnixNano())
		if _, err := db.ExecContext(ctx(t), "CREATE TABLE "+table+" (k VARCHAR(10))"); err != nil {
			t.Fatalf("%s cannot create a table in %s: %v", m.User, m.Database, err)
		}
		if _, err := db.ExecContext(ctx(t), "DROP TABLE "+table); err != nil {
			t.Fatalf("drop: %v", err)
		}
	})

	t.Run("NoPermCannotCreate", func(t *testing.T) {
		db := openMySQL(t, m, m.NoPermUser, m.NoPermPassword)
		if err := db.PingContext(ctx(t)); err != nil {
			t.Fatalf("connect as %s: %v", m.NoPermUser, err)
		}
		_, err := db.ExecContext(ctx(t), "CREATE TABLE testenv_noperm_probe (k VARCHAR(10))")
		var myErr *mysql.MySQLError
		if !errors.As(err, &myErr) || myErr.Number != 1142 { // ER_TABLEACCESS_DENIED_ERROR
			t.Fatalf("want command denied (1142) creating a table as %s, got %v", m.NoPermUser, err)
		}
	})

	t.Run("URLForm", func(t *testing.T) {
		want := fmt.Sprintf("mysql://%s:%s@%s/%s", m.User, m.Password, m.Addr(), m.Database)
		if got := m.URL(); got != want {
			t.Fatalf("URL() = %q, want %q", got, want)
		}
	})
}

func TestNetHelpers(t *testing.T) {
	if p := FreePort(t); p <= 0 || p > 65535 {
		t.Fatalf("FreePort = %d", p)
	}

	t.Run("RefusedAddr", func(t *testing.T) {
		addr := RefusedAddr(t)
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			_ = c.Close()
			t.Fatalf("dial %s succeeded, want connection refused", addr)
		}
	})

	t.Run("BlackholeAddr", func(t *testing.T) {
		addr := BlackholeAddr(t)
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("dial blackhole %s: %v", addr, err)
		}
		defer func() { _ = c.Close() }()
		if _, err := c.Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
			t.Fatalf("write: %v", err)
		}
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(make([]byte, 1))
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("read from blackhole returned n=%d err=%v, want a timeout", n, err)
		}
	})
}
