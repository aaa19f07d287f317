package probe

// The clients of the stores GreptimeDB uses, built once for the live
// probes and the benchmarks alike: a benchmark must measure the client the
// probe checked, read from the same settings the same way. Each builder
// only builds; the probe words its own failures (with the key to point at)
// and the benchmark, which runs after the probe passed, passes them on.
// Callers register secrets with r.addSecrets before calling a builder, and
// own (and close) the transport they hand in.

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	gcs "cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/api/option"

	"github.com/stepstone-dev/stepstone/configs"
)

// ---- HTTP ----------------------------------------------------------------

// probeHTTPTransport is the transport for object store clients: bounded dials
// and [storage.http_client] skip_ssl_validation. Each probe makes its own
// and must CloseIdleConnections when done: an idle keep-alive connection
// otherwise holds a goroutine pair and a file descriptor for
// IdleConnTimeout after the probe, and a run over 1,000 endpoints would
// hold 1,000 of them.
func probeHTTPTransport(timeout time.Duration, skipVerify bool) *http.Transport {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify}, //nolint:gosec // mirrors skip_ssl_validation
		ForceAttemptHTTP2:     true,
	}
}

// ---- S3 and OSS ----------------------------------------------------------

// s3Endpoint splits a configured endpoint into host and TLS use. No
// endpoint means AWS; no scheme means https, as OpenDAL assumes.
func s3Endpoint(raw, region string) (host string, secure bool, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if region != "" {
			return "s3." + region + ".amazonaws.com", true, nil
		}
		return "s3.amazonaws.com", true, nil
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false, configErrorf("endpoint %q is not a URL: %v", probeDisplayAddr(raw), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false, configErrorf("endpoint %q has scheme %q; want http or https", probeDisplayAddr(raw), u.Scheme)
	}
	if u.Host == "" {
		return "", false, configErrorf("endpoint %q has no host", probeDisplayAddr(raw))
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		return "", false, configErrorf("endpoint %q has a path (%q); put the bucket in bucket and prefixes in root", probeDisplayAddr(raw), p)
	}
	return u.Host, u.Scheme == "https", nil
}

// ossRegion derives the signing region from an OSS endpoint such as
// https://oss-cn-hangzhou.aliyuncs.com (region "oss-cn-hangzhou"), which
// is what OSS's S3-compatible API expects.
func ossRegion(host string) string {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	first, _, _ := strings.Cut(h, ".")
	if strings.HasPrefix(first, "oss-") {
		return strings.TrimSuffix(first, "-internal")
	}
	return "us-east-1"
}

// probeFirstEnv returns the first non-empty environment variable of names.
func probeFirstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// s3Settings is an S3 or OSS section read as OpenDAL reads it.
type s3Settings struct {
	oss      bool
	endpoint string // as written
	// region is the config's, else AWS_REGION or AWS_DEFAULT_REGION; for
	// OSS it is derived from the endpoint's host.
	region        string
	host          string
	secure        bool
	idKey, secKey string // secret_access_key, or access_key_secret for OSS
	id, secret    string
	ec2Metadata   bool // IAM in the default chain: not disable_ec2_metadata
	lookup        minio.BucketLookupType
	skipVerify    bool // http_client.skip_ssl_validation
}

// resolveS3Settings reads section sec of f. An endpoint that cannot be used
// is the error; the rest of the settings are read all the same, for the
// probe's messages.
func resolveS3Settings(f *configs.File, sec string, oss bool) (s3Settings, error) {
	c := s3Settings{
		oss:         oss,
		endpoint:    probeString(f, sec+".endpoint", ""),
		idKey:       sec + ".access_key_id",
		secKey:      sec + ".secret_access_key",
		ec2Metadata: !probeBool(f, sec+".disable_ec2_metadata", false),
		lookup:      minio.BucketLookupPath,
		skipVerify:  probeBool(f, sec+".http_client.skip_ssl_validation", false),
	}
	if oss {
		c.secKey = sec + ".access_key_secret"
	}
	c.id, c.secret = probeString(f, c.idKey, ""), probeString(f, c.secKey, "")
	if !oss {
		if c.region = probeString(f, sec+".region", ""); c.region == "" {
			c.region = probeFirstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
		}
	}
	host, secure, err := s3Endpoint(c.endpoint, c.region)
	if err != nil {
		return c, err
	}
	c.host, c.secure = host, secure
	if oss {
		c.region = ossRegion(host)
	}
	if probeBool(f, sec+".enable_virtual_host_style", false) || (oss && strings.HasSuffix(strings.Split(host, ":")[0], "aliyuncs.com")) {
		// OSS's S3 API only serves virtual-hosted-style requests.
		c.lookup = minio.BucketLookupDNS
	}
	return c, nil
}

// staticKeys reports whether both keys are set; otherwise the client
// uses the default credential chain.
func (c s3Settings) staticKeys() bool { return c.id != "" && c.secret != "" }

// client builds the minio client over tr. iamTimeout bounds the instance
// metadata request of the default chain.
func (c s3Settings) client(tr http.RoundTripper, iamTimeout time.Duration) (*minio.Client, error) {
	var creds *credentials.Credentials
	if c.staticKeys() {
		creds = credentials.NewStaticV4(c.id, c.secret, "")
	} else {
		// Empty keys: OpenDAL falls back to env, profile and instance
		// metadata (IRSA/Pod Identity too); so does minio-go's chain.
		providers := []credentials.Provider{&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}}
		if c.ec2Metadata {
			providers = append(providers, &credentials.IAM{Client: &http.Client{Timeout: iamTimeout}})
		}
		creds = credentials.NewChainCredentials(providers)
	}
	// MaxRetries 1 is one attempt: a retry would hide a failed request
	// from the probe and double its latency in a benchmark.
	return minio.New(c.host, &minio.Options{Creds: creds, Secure: c.secure, Region: c.region, BucketLookup: c.lookup,
		Transport: capErrorBodies(tr), MaxRetries: 1})
}

// ---- Azure Blob ------------------------------------------------------------

// azSettings is an Azblob section.
type azSettings struct {
	endpoint          string   // as written, trimmed
	u                 *url.URL // the endpoint, nil unless an http(s) URL with a host
	account, key, sas string   // sas without its leading "?"
	skipVerify        bool
}

func readAzSettings(f *configs.File, sec string) azSettings {
	c := azSettings{
		endpoint:   strings.TrimSpace(probeString(f, sec+".endpoint", "")),
		account:    probeString(f, sec+".account_name", ""),
		key:        probeString(f, sec+".account_key", ""),
		sas:        strings.TrimPrefix(probeString(f, sec+".sas_token", ""), "?"),
		skipVerify: probeBool(f, sec+".http_client.skip_ssl_validation", false),
	}
	if u, err := url.Parse(c.endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		c.u = u
	}
	return c
}

// errAzNoCredentials: neither sas_token nor account_name and account_key.
var errAzNoCredentials = errors.New("no Azure Blob credentials")

// azKeyError is an account_key that is not a key (not base64). err never
// holds the key.
type azKeyError struct{ err error }

func (e *azKeyError) Error() string { return e.err.Error() }

// client builds the client over tr (c.u must be set), with a SAS token
// before the shared key, and returns which it used. Retries are off
// (MaxRetries -1): a refused endpoint must fail now, not after a backoff.
func (c azSettings) client(tr *http.Transport, tryTimeout time.Duration) (*azblob.Client, string, error) {
	opts := &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
		Retry:     policy.RetryOptions{MaxRetries: -1, TryTimeout: tryTimeout},
		Transport: &http.Client{Transport: capErrorBodies(tr)},
		Telemetry: policy.TelemetryOptions{Disabled: true},
	}}
	serviceURL := strings.TrimSuffix(c.u.String(), "/") + "/"
	switch {
	case c.sas != "":
		cl, err := azblob.NewClientWithNoCredential(serviceURL+"?"+c.sas, opts)
		return cl, "SAS token", err
	case c.account != "" && c.key != "":
		cred, err := azblob.NewSharedKeyCredential(c.account, c.key)
		if err != nil {
			return nil, "", &azKeyError{err}
		}
		cl, err := azblob.NewClientWithSharedKeyCredential(serviceURL, cred, opts)
		return cl, "shared key", err
	}
	return nil, "", errAzNoCredentials
}

// ---- Google Cloud Storage --------------------------------------------------

// gcsNoAuth is the authentication of an emulator: none.
const gcsNoAuth = "no authentication (emulator)"

// gcsSettings is a Gcs section.
type gcsSettings struct {
	endpoint string   // as written, trimmed
	u        *url.URL // the endpoint, nil unless an http(s) URL with a host
	cred     string   // base64 of the key JSON, trimmed
	credPath string
	scope    string
	// emulator: STORAGE_EMULATOR_HOST, or an endpoint that is not Google's.
	emulator   bool
	skipVerify bool
}

func readGCSSettings(f *configs.File, sec string) gcsSettings {
	c := gcsSettings{
		endpoint:   strings.TrimSpace(probeString(f, sec+".endpoint", "")),
		cred:       strings.TrimSpace(probeString(f, sec+".credential", "")),
		credPath:   probeString(f, sec+".credential_path", ""),
		scope:      probeString(f, sec+".scope", ""),
		emulator:   os.Getenv("STORAGE_EMULATOR_HOST") != "",
		skipVerify: probeBool(f, sec+".http_client.skip_ssl_validation", false),
	}
	if u, err := url.Parse(c.endpoint); c.endpoint != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		c.u = u
		c.emulator = c.emulator || !isGoogleEndpoint(u.Host)
	}
	return c
}

// badEndpoint reports an endpoint that is set but not an http(s) URL.
func (c gcsSettings) badEndpoint() bool { return c.endpoint != "" && c.u == nil }

func (c gcsSettings) host() string {
	if c.u != nil {
		return c.u.Host
	}
	return "storage.googleapis.com"
}

// gcsCredError is a credential or credential_path that cannot be used:
// key is the setting, op what failed ("decode", "read" or "type"). err
// never holds the credential.
type gcsCredError struct {
	key, op string
	err     error
}

func (e *gcsCredError) Error() string { return e.err.Error() }

// client builds the client (endpoint not bad) and returns how it
// authenticates. Only an emulator gets hc: with credentials the library
// brings its own transport, which carries the OAuth token.
func (c gcsSettings) client(ctx context.Context, sec string, hc *http.Client) (*gcs.Client, string, error) {
	opts := []option.ClientOption{gcs.WithJSONReads(), option.WithTelemetryDisabled()}
	if c.u != nil && !isGoogleEndpoint(c.u.Host) {
		opts = append(opts, option.WithEndpoint(strings.TrimSuffix(c.u.String(), "/")+"/storage/v1/"))
	}
	auth := gcsNoAuth
	switch {
	case c.cred != "":
		key := sec + ".credential"
		js, err := base64.StdEncoding.DecodeString(c.cred)
		if err != nil {
			return nil, "", &gcsCredError{key, "decode", err}
		}
		ct, err := gcsCredType(js)
		if err != nil {
			return nil, "", &gcsCredError{key, "type", err}
		}
		opts = append(opts, option.WithAuthCredentialsJSON(ct, js))
		auth = "credential"
	case c.credPath != "":
		key := sec + ".credential_path"
		js, err := os.ReadFile(c.credPath)
		if err != nil {
			return nil, "", &gcsCredError{key, "read", err}
		}
		ct, err := gcsCredType(js)
		if err != nil {
			return nil, "", &gcsCredError{key, "type", err}
		}
		opts = append(opts, option.WithAuthCredentialsFile(ct, c.credPath))
		auth = "credential_path"
	case c.emulator:
		opts = append(opts, option.WithoutAuthentication(), option.WithHTTPClient(hc))
	default:
		auth = "application default credentials"
	}
	if c.scope != "" && auth != gcsNoAuth {
		opts = append(opts, option.WithScopes(c.scope))
	}
	cl, err := gcs.NewClient(ctx, opts...)
	return cl, auth, err
}

// ---- PostgreSQL -------------------------------------------------------------

// pgParseError is a connection string pgx cannot parse.
type pgParseError struct{ err error }

func (e *pgParseError) Error() string { return e.err.Error() }

// pgConnConfig is store_addrs[0] as metasrv connects: [backend_tls] over
// the DSN's sslmode. It registers the connection string and the password
// as secrets before pgx sees them (the connection string's credentials,
// not the whole string). A string that is neither a URI nor
// key=value pairs is a configError, one pgx refuses a *pgParseError.
func pgConnConfig(r *probeRun, btls backendTLSConfig, timeout time.Duration) (*pgx.ConnConfig, error) {
	dsn := r.t.Addr
	cs, err := pgConnString(dsn, pgSSLSettings(btls, dsnSSLMode(dsn)))
	if err != nil {
		return nil, err
	}
	r.addSecrets(urlSecrets(cs)...) // the password, not the whole string: its fragments would mask the host and database
	cfg, err := pgx.ParseConfig(cs)
	if err != nil {
		return nil, &pgParseError{err}
	}
	// GreptimeDB's driver (tokio-postgres) reads neither PGPASSWORD nor
	// ~/.pgpass, so only a password in the DSN counts.
	if !pgDSNHasPassword(dsn) {
		cfg.Password = ""
	}
	r.addSecrets(cfg.Password)
	cfg.ConnectTimeout = timeout
	cfg.RuntimeParams["application_name"] = "stepstone"
	return cfg, nil
}

// ---- MySQL ------------------------------------------------------------------

// mysqlDB opens a pool of one connection to m as metasrv's sqlx does,
// with the TLS of mysqlTLS; timeout bounds the dial, reads and writes.
// The caller registers m.Password as a secret first.
func mysqlDB(m *mysqlTarget, tc *tls.Config, fallback bool, timeout time.Duration) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = m.User, m.Password, m.DB
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(m.Host, m.Port)
	if m.Socket != "" {
		cfg.Net, cfg.Addr = "unix", m.Socket
	}
	cfg.TLS, cfg.AllowFallbackToPlaintext = tc, fallback
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, timeout, timeout
	cfg.Logger = nopMySQLLogger{}
	cfg.ConnectionAttributes = "program_name:stepstone"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	return db, nil
}

// ---- etcd -------------------------------------------------------------------

// etcdClusterClient is a client of every store address, after a dial of
// each tells why none is usable. It returns nil when it has failed r.
func etcdClusterClient(ctx context.Context, r *probeRun) *clientv3.Client {
	if !etcdPreflight(ctx, r) {
		return nil
	}
	cli, _, err := etcdClient(ctx, r, r.t.Addrs)
	if err != nil {
		r.failErr(err, classifyEtcd, "cannot set up an etcd client")
		return nil
	}
	return cli
}
