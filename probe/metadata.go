package probe

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
)

// GreptimeDB defaults for the metasrv backend (SCHEMA.md section 1).
const (
	defaultBackend       = "etcd_store"
	defaultEtcdAddr      = "127.0.0.1:2379"
	defaultMetaTable     = "greptime_metakv"
	defaultBackendTLS    = "prefer" // since v1.0; None (plain) before
	etcdTestPrefixMarker = "__stepstone"
)

// metasrvBackendTargets lists the metadata backend probes of a metasrv.
func metasrvBackendTargets(f *configs.File) []Target {
	backend := probeString(f, "backend", defaultBackend)
	switch backend {
	case "etcd_store":
		addrs := probeStrings(f, "store_addrs", []string{defaultEtcdAddr})
		var secrets []string
		for _, a := range addrs {
			secrets = append(secrets, redact.DSNSecrets(a)...)
		}
		var ts []Target
		for i, a := range addrs {
			key := fmt.Sprintf("store_addrs[%d]", i)
			ts = append(ts, Target{Kind: "etcd", Name: "etcd " + probeDisplayAddr(a), Key: key, Addr: a, Addrs: addrs,
				Index: i, Section: "backend_tls", Secrets: secrets})
		}
		if len(addrs) == 0 {
			return nil
		}
		ts = append(ts,
			Target{Kind: "etcd-write", Name: "etcd key-value test", Key: "store_addrs[0]", Addrs: addrs, Index: -1,
				Section: "backend_tls", Secrets: secrets},
			Target{Kind: "etcd-txn", Name: "etcd max_txn_ops", Key: "max_txn_ops", Addrs: addrs, Index: -1,
				Section: "backend_tls", Secrets: secrets, Pos: probePos(f, "max_txn_ops", "store_addrs[0]")})
		return ts
	case "postgres_store", "mysql_store":
		addrs := probeStrings(f, "store_addrs", nil)
		kind := "postgres"
		if backend == "mysql_store" {
			kind = "mysql"
		}
		if len(addrs) == 0 {
			// GreptimeDB fails with "empty store addrs"; with no file
			// value the etcd default would be used, which is no DSN.
			return []Target{{Kind: kind, Name: kind + " (no store_addrs)", Key: "store_addrs", Index: 0, Section: "backend_tls"}}
		}
		a := addrs[0]
		return []Target{{Kind: kind, Name: kind + " " + probeDisplayDSN(kind, a), Key: "store_addrs[0]", Addr: a, Index: 0,
			Section: "backend_tls", Secrets: redact.DSNSecrets(a)}}
	case "memory_store":
		return []Target{{Kind: "memory", Name: "memory_store", Key: "backend", Index: -1}}
	}
	// An unknown backend is a static finding; there is nothing to dial.
	return nil
}

// backendTLS reads [backend_tls] with GreptimeDB's defaults.
type backendTLSConfig struct {
	Mode, Cert, Key, CA string
	Set                 bool // the table or one of its keys is configured
}

func readBackendTLS(f *configs.File) backendTLSConfig {
	c := backendTLSConfig{
		Mode: probeString(f, "backend_tls.mode", defaultBackendTLS),
		Cert: probeString(f, "backend_tls.cert_path", ""),
		Key:  probeString(f, "backend_tls.key_path", ""),
		CA:   probeString(f, "backend_tls.ca_cert_path", ""),
	}
	c.Set = probeSet(f, "backend_tls") || probeSet(f, "backend_tls.mode")
	return c
}

// etcdTestPrefix is where stepstone may write: under store_key_prefix,
// named after stepstone and the run.
func etcdTestPrefix(f *configs.File, runID string) string {
	p := probeString(f, "store_key_prefix", "")
	base := etcdTestPrefixMarker + "/" + runID + "/"
	if p == "" {
		return base
	}
	return strings.TrimSuffix(p, "/") + "/" + base
}

// etcdTestRoot is the parent of every run's prefix, for leftover checks.
func etcdTestRoot(f *configs.File) string {
	p := probeString(f, "store_key_prefix", "")
	if p == "" {
		return etcdTestPrefixMarker + "/"
	}
	return strings.TrimSuffix(p, "/") + "/" + etcdTestPrefixMarker + "/"
}

// probeDisplayDSN names a database target as host:port/dbname.
func probeDisplayDSN(kind, dsn string) string {
	host, port, db := probeDSNParts(kind, dsn)
	if host == "" && port == "" && db == "" {
		return "(unparsable address)"
	}
	if port == "" {
		if kind == "mysql" {
			port = "3306"
		} else {
			port = "5432"
		}
	}
	if host == "" {
		host = "localhost"
	}
	s := net.JoinHostPort(host, port)
	if strings.HasPrefix(host, "/") {
		s = host
	}
	if db != "" {
		s += "/" + db
	}
	return s
}

// probeDSNParts returns the host, port and database of a DSN as its
// driver reads them (internal/redact's parsers: pgx's reading, sqlx's for
// a mysql:// URL), without reading the environment. A string the driver
// would not read, or whose host could be a piece of the password, names
// none. Only a URL is a MySQL store address (GreptimeDB's sqlx reads no
// other form).
func probeDSNParts(kind, dsn string) (host, port, db string) {
	dsn = strings.TrimSpace(dsn)
	parse := redact.ParsePostgres
	if kind == "mysql" {
		if !strings.Contains(dsn, "://") {
			return "", "", ""
		}
		parse = redact.ParseMySQL
	}
	d, err := parse(dsn)
	if err != nil {
		return "", "", ""
	}
	if len(d.Hosts) > 0 {
		// The first host is the one dialled first.
		host = d.Hosts[0]
		if !strings.HasPrefix(host, "/") {
			host, port, _ = net.SplitHostPort(host)
		}
	}
	return host, port, d.Database
}

// percentEncodeHint is the suggestion for an ambiguous connection string.
const percentEncodeHint = "percent-encode the password in store_addrs[0] ('@' as %40, '/' as %2F, '?' as %3F, '#' as %23, ':' as %3A): as written, part of it would be read as the host or database"

// refuseAmbiguous learns the credentials of a parsed store address and,
// when the address is ambiguous, fails the probe before anything is
// dialled or resolved (true).
func (r *probeRun) refuseAmbiguous(d redact.DSN, err error) bool {
	r.addSecrets(d.Secrets...)
	if !errors.Is(err, redact.ErrAmbiguous) {
		return false
	}
	r.fail(ClassConfig, percentEncodeHint,
		"store_addrs[0] is ambiguous: a raw '@', '/', '?' or '#' in the password would be read as the host or database, so nothing was dialled or resolved")
	return true
}
