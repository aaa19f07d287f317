package redact

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// DSN is a connection string split the way its driver splits it. Its
// error messages never quote the input: they name the problem only.
type DSN struct {
	// Form is "url", "keyword" (libpq key=value), "go-sql-driver" or
	// "endpoint" (an etcd address).
	Form     string
	Scheme   string
	User     string
	Password string
	// Hosts are host:port pairs to dial, in order, taken only from outside
	// the credential. A Unix socket directory or path stands alone.
	Hosts    []string
	Database string
	// Params are the query or key=value parameters, credentials included.
	Params map[string]string
	// Secrets are every credential the string carries: the password as the
	// driver reads it, the widest span a password could occupy when it
	// holds a raw '@', '/' or '#', and credential parameters (sslpassword=,
	// access_token=, sig= ...).
	Secrets []string
}

// Errors of the parsers. They never carry any part of the input.
var (
	// ErrAmbiguous: a raw '@' follows the place where the driver ends the
	// user info, so a piece of the password would be read as the host,
	// port or database. stepstone dials nothing and names no host for it.
	ErrAmbiguous = errors.New("the user info holds a raw '@', '/', '?' or '#' (or an '@' follows it): percent-encode them in the password (%40, %2F, %3F, %23)")
	// ErrSyntax: the driver would refuse the string.
	ErrSyntax = errors.New("the connection string does not parse")
	// ErrNotURL: a URL form was expected.
	ErrNotURL = errors.New("the address is not a URL")
)

// credentialParams are parameters whose values are secrets.
var credentialParams = map[string]bool{
	"password": true, "sslpassword": true, "passwd": true, "pwd": true,
	"token": true, "access_token": true, "auth_token": true, "api_key": true, "apikey": true,
	"sig": true, "signature": true, "x-amz-signature": true, "x-amz-credential": true,
	"x-amz-security-token": true, "x-goog-signature": true, "x-goog-credential": true,
	"secret": true, "client_secret": true, "sas_token": true, "sharedaccesssignature": true,
	"accountkey": true, "account_key": true,
}

// IsCredentialParam reports whether a query or key=value parameter carries a
// credential (compared without case).
func IsCredentialParam(name string) bool { return credentialParams[strings.ToLower(name)] }

// ParsePostgres splits a PostgreSQL connection string as pgx (and libpq)
// read it: a postgres:// or postgresql:// URI, whose user info ends at the
// first '@' before any '/', or keyword=value pairs with single-quoted and
// backslash-escaped values. When a raw '@' comes after the end of the
// driver's user info, the password may have been cut in two: Secrets holds
// the widest reading and the error is ErrAmbiguous, with no host.
func ParsePostgres(s string) (DSN, error) {
	d, err := parsePostgres(strings.TrimSpace(s))
	d.Secrets = addSecret(d.Secrets, paramSecrets(s)...)
	if err == nil && strings.IndexByte(s, 0) >= 0 {
		// pgx refuses a NUL byte; the secrets are still learned.
		d.Hosts, err = nil, ErrSyntax
	}
	return d, err
}

func parsePostgres(s string) (DSN, error) {
	rest, ok := strings.CutPrefix(s, "postgresql://")
	if !ok {
		rest, ok = strings.CutPrefix(s, "postgres://")
	}
	if !ok {
		return parsePGKeyword(s)
	}
	d := DSN{Form: "url", Scheme: s[:len(s)-len(rest)-3], Params: map[string]string{}}
	d.Secrets = wideSecrets(s)
	infoEnd := -1 // index in rest just past the user info's '@'
	if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
		user, pass, hasPass := strings.Cut(rest[:i], ":")
		d.User = pctDecode(user)
		if hasPass {
			d.Password = pctDecode(pass)
			d.Secrets = addSecret(d.Secrets, d.Password, pass)
		}
		infoEnd = i + 1
	}
	after := rest[max(infoEnd, 0):]
	if strings.IndexByte(after, '@') >= 0 {
		return d, ErrAmbiguous
	}
	var hosts, ports []string
	p := after
	for {
		var host string
		if strings.HasPrefix(p, "[") {
			end := strings.IndexByte(p, ']')
			if end <= 1 {
				return d, ErrSyntax
			}
			host, p = p[1:end], p[end+1:]
		} else {
			i := strings.IndexAny(p, ":/?,")
			if i < 0 {
				i = len(p)
			}
			host, p = p[:i], p[i:]
		}
		port := ""
		if strings.HasPrefix(p, ":") {
			p = p[1:]
			i := strings.IndexAny(p, "/?,")
			if i < 0 {
				i = len(p)
			}
			port, p = p[:i], p[i:]
		}
		hosts, ports = append(hosts, pctDecode(host)), append(ports, pctDecode(port))
		if !strings.HasPrefix(p, ",") {
			break
		}
		p = p[1:]
	}
	if strings.HasPrefix(p, "/") {
		db, q, _ := strings.Cut(p[1:], "?")
		d.Database = pctDecode(db)
		p = "?" + q
		if q == "" {
			p = ""
		}
	}
	if strings.HasPrefix(p, "?") {
		for _, pair := range strings.Split(p[1:], "&") {
			k, v, found := strings.Cut(pair, "=")
			if !found || strings.IndexByte(v, '=') >= 0 {
				return d, ErrSyntax
			}
			k, v = pctDecode(k), pctDecode(v)
			if k == "dbname" {
				k = "database"
			}
			d.Params[k] = v
			if IsCredentialParam(k) {
				d.Secrets = addSecret(d.Secrets, v, pair[len(k)+1:])
			}
		}
	} else if p != "" {
		return d, ErrSyntax
	}
	if v, ok := d.Params["password"]; ok {
		d.Password = v
	}
	if v, ok := d.Params["user"]; ok {
		d.User = v
	}
	if v, ok := d.Params["database"]; ok {
		d.Database = v
	}
	return pgFinish(d, hosts, ports)
}

// pgFinish lets the host and port parameters override hosts and ports and
// pairs them into d.Hosts.
func pgFinish(d DSN, hosts, ports []string) (DSN, error) {
	if v, ok := d.Params["host"]; ok {
		hosts = strings.Split(v, ",")
	}
	if v, ok := d.Params["port"]; ok {
		ports = strings.Split(v, ",")
	}
	for _, h := range hosts {
		if strings.ContainsAny(h, "=@'\"") || !strings.HasPrefix(h, "/") && strings.ContainsAny(h, " \t\r\n") {
			// No host name holds these; a value that ran on past its end
			// (host= followed by a space, then password=...) does.
			return d, ErrAmbiguous
		}
	}
	hp, err := pgHostPorts(hosts, ports)
	if err != nil {
		return d, err
	}
	d.Hosts = hp
	return d, nil
}

// parsePGKeyword reads libpq keyword=value pairs as pgx does.
func parsePGKeyword(s string) (DSN, error) {
	d := DSN{Form: "keyword", Params: map[string]string{}}
	const space = " \t\n\r\v\f"
	p := strings.TrimLeft(s, space)
	for p != "" {
		eq := strings.IndexByte(p, '=')
		if eq < 0 {
			return d, ErrSyntax
		}
		key := strings.Trim(p[:eq], space)
		if key == "" || strings.ContainsAny(key, space) {
			return d, ErrSyntax
		}
		p = strings.TrimLeft(p[eq+1:], space)
		var raw string
		switch {
		case p == "":
		case p[0] != '\'':
			end := 0
			for ; end < len(p) && !strings.ContainsRune(space, rune(p[end])); end++ {
				if p[end] == '\\' {
					end++
					if end == len(p) {
						break
					}
				}
			}
			end = min(end, len(p))
			raw, p = p[:end], strings.TrimLeft(p[end:], space)
		default:
			q := p[1:]
			end := 0
			for ; end < len(q) && q[end] != '\''; end++ {
				if q[end] == '\\' {
					end++
				}
			}
			if end >= len(q) {
				// Unterminated: everything after the key may be the secret.
				if IsCredentialParam(key) {
					d.Secrets = addSecret(d.Secrets, q)
				}
				return d, ErrSyntax
			}
			raw, p = q[:end], strings.TrimLeft(q[end+1:], space)
		}
		val := unescapeKeyword(raw)
		if key == "dbname" {
			key = "database"
		}
		if key == "user" && val == "" {
			continue
		}
		d.Params[key] = val
		if IsCredentialParam(key) {
			d.Secrets = addSecret(d.Secrets, val, raw)
		}
	}
	d.User, d.Password, d.Database = d.Params["user"], d.Params["password"], d.Params["database"]
	return pgFinish(d, []string{""}, nil)
}

func unescapeKeyword(s string) string {
	if !strings.ContainsRune(s, '\\') {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			if i == len(s) {
				break
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pgHostPorts pairs hosts with ports as pgx does: one port applies to every
// host, otherwise one port per host; empty means the default.
func pgHostPorts(hosts, ports []string) ([]string, error) {
	if len(ports) > 1 && len(ports) != len(hosts) {
		return nil, ErrSyntax
	}
	out := make([]string, 0, len(hosts))
	for i, h := range hosts {
		port := ""
		if len(ports) == 1 {
			port = ports[0]
		} else if len(ports) > 1 {
			port = ports[i]
		}
		port = strings.TrimSpace(port)
		if port == "" {
			port = "5432"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, ErrSyntax
		}
		if h == "" {
			h = "localhost"
		}
		if strings.HasPrefix(h, "/") {
			out = append(out, h)
			continue
		}
		out = append(out, net.JoinHostPort(h, port))
	}
	return out, nil
}

// ParseMySQL splits a MySQL connection string: a mysql:// URL as sqlx
// (GreptimeDB's driver) reads it, whose user info ends at the last '@'
// before the first '/', '?' or '#', or the go-sql-driver form
// user:pass@tcp(host:port)/db?params, read by the driver itself (the
// password may hold '@' and '/'). An '@' after the URL's authority is
// ErrAmbiguous, with no host.
func ParseMySQL(s string) (DSN, error) {
	d, err := parseMySQL(strings.TrimSpace(s))
	d.Secrets = addSecret(d.Secrets, paramSecrets(s)...)
	if err != nil {
		// Not a URL after all: read it as the driver's DSN too.
		d.Secrets = addSecret(d.Secrets, goMySQLSecrets(strings.TrimSpace(s))...)
	}
	return d, err
}

func parseMySQL(s string) (DSN, error) {
	// A URL only when "://" follows a scheme (a letter, then letters,
	// digits, '+', '-' or '.'); otherwise the driver's DSN, whose user or
	// password may hold "://" ("/://00@tcp(h:3306)/db": FuzzRedactDSN).
	if i := strings.Index(s, "://"); i >= 0 && isScheme(s[:i]) {
		return parseAuthorityURL(s, "3306")
	}
	d := DSN{Form: "go-sql-driver", Params: map[string]string{}}
	d.Secrets = goMySQLSecrets(s)
	cfg, err := parseGoMySQL(s)
	if err != nil {
		return d, ErrSyntax
	}
	d.User, d.Password, d.Database = cfg.user, cfg.passwd, cfg.dbName
	d.Secrets = addSecret(d.Secrets, cfg.passwd)
	for k, v := range cfg.params {
		d.Params[k] = v
		if IsCredentialParam(k) {
			d.Secrets = addSecret(d.Secrets, v)
		}
	}
	d.Scheme = cfg.net
	if cfg.addr != "" {
		d.Hosts = []string{cfg.addr}
	}
	return d, nil
}

// isScheme reports whether s is a URL scheme (RFC 3986 section 3.1).
func isScheme(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// goMySQLSecrets returns the widest password a go-sql-driver DSN can hold:
// between the first ':' and the last '@' before the last '/'.
func goMySQLSecrets(s string) []string {
	left := s
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		left = s[:i]
	}
	at := strings.LastIndexByte(left, '@')
	if at < 0 {
		return nil
	}
	if c := strings.IndexByte(left[:at], ':'); c >= 0 {
		return addSecret(nil, left[c+1:at])
	}
	return nil
}

// ParseEtcdEndpoint splits one etcd endpoint as GreptimeDB's etcd client
// reads it: "host:port", or a URL "http(s)://[user:pass@]host:port".
func ParseEtcdEndpoint(s string) (DSN, error) {
	d, err := parseEtcdEndpoint(strings.TrimSpace(s))
	d.Secrets = addSecret(d.Secrets, paramSecrets(s)...)
	return d, err
}

func parseEtcdEndpoint(s string) (DSN, error) {
	if !strings.Contains(s, "://") {
		s2 := "http://" + s
		d, err := parseAuthorityURL(s2, "2379")
		d.Form, d.Scheme = "endpoint", ""
		return d, err
	}
	d, err := parseAuthorityURL(s, "2379")
	d.Form = "endpoint"
	return d, err
}

// SplitList splits a list written in one environment variable as
// GreptimeDB does (on ','). A password holding a comma is cut in two by
// this, so learn the secrets of the whole value (Redactor.AddDSN does)
// before using the pieces.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseAuthorityURL reads scheme://[user[:pass]@]host[:port][/path][?query]
// as the WHATWG URL parser (sqlx, tonic) and net/url do: the authority ends
// at the first '/', '?' or '#', the user info at its last '@'.
func parseAuthorityURL(s, defPort string) (DSN, error) {
	d := DSN{Form: "url", Params: map[string]string{}}
	d.Secrets = wideSecrets(s)
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return d, ErrNotURL
	}
	d.Scheme = scheme
	authEnd := strings.IndexAny(rest, "/?#")
	if authEnd < 0 {
		authEnd = len(rest)
	}
	auth := rest[:authEnd]
	hostport := auth
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		user, pass, hasPass := strings.Cut(auth[:at], ":")
		d.User = pctDecode(user)
		if hasPass {
			d.Password = pctDecode(pass)
			d.Secrets = addSecret(d.Secrets, d.Password, pass)
		}
		hostport = auth[at+1:]
	}
	if strings.IndexByte(rest[authEnd:], '@') >= 0 {
		return d, ErrAmbiguous
	}
	u, err := url.Parse(s)
	if err != nil {
		return d, ErrSyntax
	}
	for k, vs := range u.Query() {
		if len(vs) == 0 {
			continue
		}
		d.Params[k] = vs[len(vs)-1]
		if IsCredentialParam(k) {
			for _, v := range vs {
				d.Secrets = addSecret(d.Secrets, v)
			}
		}
	}
	d.Database = strings.TrimPrefix(u.Path, "/")
	host, port := u.Hostname(), u.Port()
	if hostport == "" || host == "" {
		return d, nil
	}
	if port == "" {
		port = defPort
	}
	d.Hosts = []string{net.JoinHostPort(host, port)}
	return d, nil
}

// userinfoSecrets returns the widest password of "user:password@host"
// written without a scheme, from the first ':' to the last '@'. No driver
// reads that form, so it is a mistake stepstone reports, and the report
// must not carry the password: the drivers' readings stop at a '/' or '#'
// in it ("u:a/b@h:2379"), and wideSecrets needs a scheme.
func userinfoSecrets(s string) []string {
	if i := strings.Index(s, "://"); i >= 0 && isScheme(s[:i]) {
		return nil // a URL: wideSecrets reads it
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return nil
	}
	if c := strings.IndexByte(s[:at], ':'); c >= 0 {
		return addSecret(nil, s[c+1:at], pctDecode(s[c+1:at]))
	}
	return nil
}

// wideSecrets returns the widest password a URL-shaped string can hold:
// from the first ':' after "://" to the last '@' of the whole string, and
// the user info up to there. Too wide only hides more.
func wideSecrets(s string) []string {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return nil
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return nil
	}
	info := rest[:at]
	var out []string
	if _, pass, ok := strings.Cut(info, ":"); ok {
		out = addSecret(out, pass, pctDecode(pass))
	}
	return out
}

func addSecret(list []string, ss ...string) []string {
	for _, s := range ss {
		if strings.TrimSpace(s) == "" {
			continue
		}
		dup := false
		for _, x := range list {
			dup = dup || x == s
		}
		if !dup {
			list = append(list, s)
		}
	}
	return list
}

// paramSecrets returns the values of credential parameters written as
// name=value between '?', '&', ';' or white space, whether or not the whole
// string parses: query strings, libpq pairs, Azure connection strings
// (AccountKey=...;SharedAccessSignature=...).
func paramSecrets(s string) []string {
	var out []string
	for _, pair := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '?' || r == '&' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		k, v, ok := strings.Cut(pair, "=")
		// A quoted value may hold the separators: the keyword parser and
		// Scrub read it whole.
		if ok && IsCredentialParam(k) && !strings.HasPrefix(v, "'") && !strings.HasPrefix(v, `"`) {
			out = addSecret(out, v, pctDecode(v))
		}
	}
	for _, m := range scrubRE().secretParams.FindAllStringSubmatch(s, -1) {
		v := m[5]
		if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out = addSecret(out, v, unescapeKeyword(v))
	}
	return out
}

// pctDecode percent-decodes s as libpq does, leaving it as written when a
// sequence is malformed.
func pctDecode(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// MayHoldDSNSecret reports whether AddDSN could learn anything from s:
// every credential it finds follows a '@' (user info) or a '=' (a
// parameter). Most config values have neither, and callers that remember
// what they have learned can pass them by before the look-up.
func MayHoldDSNSecret(s string) bool {
	// Two byte searches: ContainsAny builds a byte set for each call.
	return strings.IndexByte(s, '@') >= 0 || strings.IndexByte(s, '=') >= 0
}

// AddDSN learns every credential in a connection string, URL, endpoint or
// comma-separated list of them (as GreptimeDB reads a list from the
// environment): the password however the driver would cut it, credential
// query and key=value parameters, and the user info of every URL.
func (r *Redactor) AddDSN(s string) {
	if MayHoldDSNSecret(s) {
		r.addDSN(s)
	}
}

// addDSN is AddDSN without the prefilter.
func (r *Redactor) addDSN(s string) {
	var secrets []string
	collect := func(v string) {
		for _, parse := range []func(string) (DSN, error){ParsePostgres, ParseMySQL} {
			d, _ := parse(v)
			secrets = append(secrets, d.Secrets...)
		}
		secrets = append(secrets, wideSecrets(v)...)
		secrets = append(secrets, userinfoSecrets(v)...)
	}
	collect(s)
	for _, p := range SplitList(s) {
		if p != strings.TrimSpace(s) {
			collect(p)
		}
	}
	r.Add(secrets...)
}

// AddHeaders learns the values of HTTP headers given to an exporter
// (logging.otlp_headers): each value whole and, for "Bearer xyz" or
// "Basic xyz", the token alone.
func (r *Redactor) AddHeaders(values ...string) {
	var secrets []string
	for _, v := range values {
		secrets = append(secrets, v)
		if _, tok, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
			secrets = append(secrets, strings.TrimSpace(tok))
		}
	}
	r.Add(secrets...)
}

// goMySQLDSN is what parseGoMySQL reads of a go-sql-driver DSN.
type goMySQLDSN struct {
	user, passwd, net, addr, dbName string
	params                          map[string]string
}

// parseGoMySQL reads user:pass@net(addr)/db?params the way
// go-sql-driver/mysql's ParseDSN does (dsn.go): the database follows the
// LAST '/', the user info ends at the last '@' before it, and the password
// follows the first ':' of the user info, so a password may hold '@', '/'
// and ':'. It is written here rather than imported so that every package
// that masks text (report, and through it lint) does not link a database
// driver; TestGoMySQLAgreesWithDriver checks it against the driver.
func parseGoMySQL(dsn string) (goMySQLDSN, error) {
	var cfg goMySQLDSN
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		if dsn != "" {
			return cfg, ErrSyntax
		}
		return cfg, nil
	}
	head := dsn[:slash]
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		cred := head[:at]
		if c := strings.IndexByte(cred, ':'); c >= 0 {
			cfg.user, cfg.passwd = cred[:c], cred[c+1:]
		} else {
			cfg.user = cred
		}
		head = head[at+1:]
	}
	if open := strings.IndexByte(head, '('); open >= 0 {
		if !strings.HasSuffix(head, ")") {
			return cfg, ErrSyntax
		}
		cfg.net, cfg.addr = head[:open], head[open+1:len(head)-1]
	} else {
		cfg.net = head
	}
	rest := dsn[slash+1:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		cfg.params = map[string]string{}
		for _, kv := range strings.Split(rest[q+1:], "&") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return cfg, ErrSyntax
			}
			if uv, err := url.QueryUnescape(v); err == nil {
				v = uv
			}
			cfg.params[k] = v
		}
		rest = rest[:q]
	}
	cfg.dbName = rest
	if cfg.net == "" {
		cfg.net = "tcp"
	}
	if cfg.addr == "" && cfg.net == "tcp" {
		cfg.addr = "127.0.0.1:3306"
	}
	return cfg, nil
}
