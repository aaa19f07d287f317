package redact

import (
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestGoMySQLAgreesWithDriver: parseGoMySQL splits a DSN where
// go-sql-driver/mysql does, so a password holding '@', '/' or ':' is
// learned whole and never becomes a host or a database name.
func TestGoMySQLAgreesWithDriver(t *testing.T) {
	for _, dsn := range []string{
		"root:secret@tcp(127.0.0.1:3306)/greptime",
		"root:p@ss/w:rd@tcp(db.example:3306)/meta?tls=true",
		"user@tcp(host:1)/db",
		"user:pw@/db",
		"/db",
		"user:pw@unix(/run/mysqld/mysqld.sock)/db?parseTime=true&loc=Local",
		"u:a@b@c@tcp([::1]:3306)/d",
		"user:pw@tcp/db",
	} {
		got, err := parseGoMySQL(dsn)
		want, werr := mysql.ParseDSN(dsn)
		if (err != nil) != (werr != nil) {
			t.Errorf("%q: error %v, the driver's %v", dsn, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		if got.user != want.User || got.passwd != want.Passwd || got.net != want.Net || got.addr != want.Addr || got.dbName != want.DBName {
			t.Errorf("%q: got %+v, the driver reads user %q pass %q net %q addr %q db %q",
				dsn, got, want.User, want.Passwd, want.Net, want.Addr, want.DBName)
		}
	}
}
