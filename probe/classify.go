package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/minio/minio-go/v7"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/api/googleapi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	gcs "cloud.google.com/go/storage"

	"github.com/stepstone-dev/stepstone/report"
)

// Failure classes, from the one table in report (report.FailureClasses).
const (
	ClassDNS        = report.ClassDNS
	ClassRefused    = report.ClassRefused
	ClassTimeout    = report.ClassTimeout
	ClassTLS        = report.ClassTLS
	ClassAuth       = report.ClassAuth
	ClassPermission = report.ClassPermission
	ClassNotFound   = report.ClassNotFound
	ClassProtocol   = report.ClassProtocol
	ClassConfig     = report.ClassConfig
	ClassInUse      = report.ClassInUse
	ClassUnhealthy  = report.ClassUnhealthy
	ClassCanceled   = report.ClassCanceled
	ClassInternal   = report.ClassInternal
	ClassLeftover   = report.ClassLeftover
	ClassOther      = report.ClassOther
)

// classify sorts a dial or request error into a failure class and gives
// generic advice. Protocol-specific classifiers (classifyS3, classifyPG, ...)
// look at server error codes first and fall back to this one.
func classify(err error) (class, suggestion string) {
	if err == nil {
		return "", ""
	}
	var (
		dnsErr   *net.DNSError
		addrErr  *net.AddrError
		parseErr *net.ParseError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
		verErr   *tls.CertificateVerificationError
		uaErr    x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invErr   x509.CertificateInvalidError
		cfgErr   *configError
	)
	switch {
	case errors.As(err, &cfgErr):
		return ClassConfig, "fix the value in the config file"
	case errors.Is(err, context.Canceled):
		return ClassCanceled, "the run was interrupted; run it again"
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return ClassDNS, "the DNS lookup timed out: check the resolver (/etc/resolv.conf) and the network"
		}
		return ClassDNS, fmt.Sprintf("the host name %q does not resolve: check the spelling, or the DNS/service name from where the component runs", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused, "nothing listens on that port: check the host and port, and that the server is running"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ClassRefused, "the host is unreachable: check routing, firewalls and network policies"
	case isTimeout(err):
		return ClassTimeout, "no answer in time: a firewall may drop packets, the server may be overloaded, or the address points at the wrong port; raise --timeout if the server is slow"
	case errors.As(err, &uaErr), errors.As(err, &hostErr), errors.As(err, &invErr), errors.As(err, &verErr):
		return ClassTLS, "the server certificate is not trusted: set the CA file (ca_cert_path) to the CA that signed it, and check the host name matches the certificate"
	case errors.As(err, &recErr):
		return ClassTLS, "the server does not speak TLS on this port: disable TLS for it or point at its TLS port"
	case errors.As(err, &alertErr):
		return ClassTLS, "the TLS handshake was rejected: check the client certificate and key, and the TLS versions the server accepts"
	case errors.As(err, &addrErr), errors.As(err, &parseErr):
		return ClassConfig, "the address does not parse: write it as host:port"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ClassProtocol, "the server closed the connection: check the port belongs to the right service and that TLS is on or off on both sides"
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return ClassUnhealthy, "the file system is full (or the user's quota is used up): free space, or move the path to a larger volume"
	case errors.Is(err, os.ErrNotExist):
		return ClassNotFound, "the file does not exist: check the path"
	case errors.Is(err, os.ErrPermission):
		return ClassPermission, "permission denied: check the owner and mode of the path"
	}
	if st, ok := status.FromError(err); ok && st.Code() != codes.OK && st.Code() != codes.Unknown {
		switch st.Code() {
		case codes.DeadlineExceeded:
			return ClassTimeout, "no answer in time: check the server is up and not overloaded"
		case codes.Unauthenticated:
			return ClassAuth, "the server rejected the credentials"
		case codes.PermissionDenied:
			return ClassPermission, "the server denied the request: grant the role what it needs"
		case codes.NotFound:
			return ClassNotFound, "the server says the resource does not exist"
		case codes.Unimplemented:
			return ClassProtocol, "the server does not implement this gRPC service"
		case codes.Canceled:
			return ClassCanceled, "the run was interrupted; run it again"
		}
	}
	return classifyText(err.Error())
}

// classifyText is the last resort for errors that only carry a message
// (gRPC wraps dial errors in strings, HTTP clients flatten theirs).
func classifyText(msg string) (string, string) {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "no such host"), strings.Contains(m, "name resolution"), strings.Contains(m, "server misbehaving"):
		return ClassDNS, "the host name does not resolve: check the spelling, or the DNS/service name from where the component runs"
	case strings.Contains(m, "connection refused"):
		return ClassRefused, "nothing listens on that port: check the host and port, and that the server is running"
	case strings.Contains(m, "no route to host"), strings.Contains(m, "network is unreachable"):
		return ClassRefused, "the host is unreachable: check routing, firewalls and network policies"
	case strings.Contains(m, "deadline exceeded"), strings.Contains(m, "timeout"), strings.Contains(m, "timed out"):
		return ClassTimeout, "no answer in time: a firewall may drop packets, the server may be overloaded, or the address points at the wrong port; raise --timeout if the server is slow"
	case strings.Contains(m, "server gave http response to https client"):
		return ClassTLS, "the server speaks plain HTTP on this port: use an http:// endpoint, or the server's TLS port"
	case strings.Contains(m, "x509:"), strings.Contains(m, "certificate"), strings.Contains(m, "tls:"), strings.Contains(m, "handshake"):
		return ClassTLS, "the TLS handshake failed: check the CA file, the certificate's host names, and that the server speaks TLS on this port"
	case strings.Contains(m, "authentication failed"), strings.Contains(m, "invalid password"), strings.Contains(m, "unauthenticated"), strings.Contains(m, "invalid auth"):
		return ClassAuth, "the server rejected the credentials: check the user name and password"
	case strings.Contains(m, "permission denied"), strings.Contains(m, "access denied"), strings.Contains(m, "forbidden"):
		return ClassPermission, "the server denied the request: grant the user what it needs"
	case strings.Contains(m, "malformed http"), strings.Contains(m, "http2"), strings.Contains(m, "frame"), strings.Contains(m, "protocol"),
		strings.Contains(m, "connection reset"), strings.Contains(m, "broken pipe"), strings.Contains(m, "eof"),
		// minio-go replaces io.EOF with this text.
		strings.Contains(m, "connection closed by foreign host"):
		return ClassProtocol, "the server answered in an unexpected protocol: check the port belongs to the right service and TLS matches on both sides"
	}
	return ClassOther, "see the message for details"
}

// isTimeout reports whether err is a deadline or an I/O timeout.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.DeadlineExceeded {
		return true
	}
	return false
}

// configError marks a problem with a config value found before any
// network traffic (an address that does not parse, a bad base64 key).
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

// classifyEtcd recognises etcd's auth and quota errors.
func classifyEtcd(err error) (string, string) {
	switch {
	case errors.Is(err, rpctypes.ErrPermissionDenied):
		return ClassPermission, "the etcd user lacks a role with readwrite permission on the key range; grant it (etcdctl role grant-permission --prefix) for store_key_prefix"
	case errors.Is(err, rpctypes.ErrAuthFailed), errors.Is(err, rpctypes.ErrInvalidAuthToken), errors.Is(err, rpctypes.ErrAuthOldRevision):
		return ClassAuth, "etcd rejected the credentials"
	case errors.Is(err, rpctypes.ErrUserEmpty):
		return ClassAuth, "etcd has authentication enabled, but GreptimeDB has no etcd user/password setting: let metasrv authenticate with a TLS client certificate ([backend_tls] cert_path/key_path, the certificate CN names the etcd user, etcd --client-cert-auth), or disable etcd auth"
	case errors.Is(err, rpctypes.ErrTooManyOps):
		return ClassConfig, "lower max_txn_ops to at most etcd's --max-txn-ops, or raise --max-txn-ops on every etcd member"
	case errors.Is(err, rpctypes.ErrNoSpace):
		return ClassPermission, "etcd's database quota is exhausted (NOSPACE alarm): compact and defragment etcd, raise --quota-backend-bytes, then disarm the alarm"
	case errors.Is(err, rpctypes.ErrRequestTooLarge):
		return ClassConfig, "the request exceeds etcd's --max-request-bytes"
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.Unavailable {
		class, sug := classifyText(st.Message())
		if class != ClassOther {
			return class, sug
		}
	}
	return classify(err)
}

// PostgreSQL SQLSTATE codes stepstone tells apart. See
// https://www.postgresql.org/docs/current/errcodes-appendix.html
const (
	pgInvalidPassword       = "28P01"
	pgInvalidAuthSpec       = "28000"
	pgInsufficientPrivilege = "42501"
	pgInvalidCatalogName    = "3D000"
	pgInvalidSchemaName     = "3F000"
	pgUndefinedTable        = "42P01"
	pgTooManyConnections    = "53300"
	pgCannotConnectNow      = "57P03"
)

// classifyPG recognises PostgreSQL server errors by SQLSTATE.
func classifyPG(err error) (string, string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgInvalidPassword:
			return ClassAuth, "PostgreSQL rejected the password: fix the password in store_addrs[0] (or PGPASSWORD/.pgpass)"
		case pgInvalidAuthSpec:
			return ClassAuth, "PostgreSQL refused this user from this host (pg_hba.conf) or the role cannot log in: add a pg_hba.conf rule or fix the user in store_addrs[0]"
		case pgInsufficientPrivilege:
			return ClassPermission, "the role lacks a privilege metasrv needs: GRANT it (see the message) or use a role that has it"
		case pgInvalidCatalogName:
			return ClassNotFound, "the database in store_addrs[0] does not exist: create it (CREATE DATABASE) or fix dbname"
		case pgInvalidSchemaName:
			return ClassNotFound, "the schema does not exist: create it, fix meta_schema_name, or set auto_create_schema = true"
		case pgUndefinedTable:
			return ClassNotFound, "the table does not exist"
		case pgTooManyConnections, pgCannotConnectNow:
			return ClassRefused, "PostgreSQL does not accept connections now (too many clients or starting up)"
		}
		return ClassOther, "PostgreSQL returned SQLSTATE " + pe.Code
	}
	return classify(err)
}

// MySQL and MariaDB server error numbers stepstone tells apart. See
// https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html
const (
	myAccessDenied       = 1045 // ER_ACCESS_DENIED_ERROR
	myDBAccessDenied     = 1044 // ER_DBACCESS_DENIED_ERROR
	myBadDB              = 1049 // ER_BAD_DB_ERROR
	myTableAccessDenied  = 1142 // ER_TABLEACCESS_DENIED_ERROR
	myColumnAccessDenied = 1143 // ER_COLUMNACCESS_DENIED_ERROR
	myNoSuchTable        = 1146 // ER_NO_SUCH_TABLE
	myHostNotPrivileged  = 1130 // ER_HOST_NOT_PRIVILEGED
	myTooManyConnections = 1040 // ER_CON_COUNT_ERROR
)

// classifyMySQL recognises MySQL/MariaDB server errors by number.
func classifyMySQL(err error) (string, string) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case myAccessDenied:
			return ClassAuth, "MySQL rejected the user or password: fix them in store_addrs[0]"
		case myHostNotPrivileged:
			return ClassAuth, "MySQL does not let this user connect from this host: create the user for this host"
		case myDBAccessDenied:
			return ClassPermission, "the user has no access to the database: GRANT ALL ON <db>.* TO the user"
		case myTableAccessDenied, myColumnAccessDenied:
			return ClassPermission, "the user lacks a table privilege metasrv needs (SELECT, INSERT, UPDATE, DELETE, CREATE): GRANT it"
		case myBadDB:
			return ClassNotFound, "the database in store_addrs[0] does not exist: create it or fix the path of the URL"
		case myNoSuchTable:
			return ClassNotFound, "the table does not exist"
		case myTooManyConnections:
			return ClassRefused, "MySQL has too many connections"
		}
		return ClassOther, fmt.Sprintf("MySQL returned error %d", me.Number)
	}
	if errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, mysql.ErrMalformPkt) {
		return ClassProtocol, "the server does not speak the MySQL protocol on this port, or closed the connection"
	}
	return classify(err)
}

// expectingRegion finds the region S3 says it expected, as in "the region
// 'eu-west-1' is wrong; expecting 'us-east-1'".
var expectingRegion = regexp.MustCompile(`expecting '([a-z0-9-]+)'`)

// classifyS3 recognises S3 error codes (AWS, MinIO, and Aliyun OSS through
// its S3-compatible API). sec is the config table, e.g. "storage" or
// "storage.providers[1]", so advice names the key to change.
func classifyS3(err error, sec string, oss bool) (string, string) {
	secretKey, regionHint := sec+".secret_access_key", "set "+sec+".region to the bucket's region"
	if oss {
		secretKey, regionHint = sec+".access_key_secret", "set "+sec+".endpoint to the bucket's region endpoint (oss-<region>.aliyuncs.com)"
	}
	er := minio.ToErrorResponse(err)
	if er.Region == "" {
		// MinIO and AWS name the right region in the message.
		if m := expectingRegion.FindStringSubmatch(er.Message); m != nil {
			er.Region = m[1]
		}
	}
	switch er.Code {
	case "NoSuchBucket":
		return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
	case "AccessDenied", "AllAccessDisabled", "AccountProblem":
		return ClassPermission, fmt.Sprintf("the credentials are valid but not allowed here: grant s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket (and its %s.root prefix)", sec)
	case "InvalidAccessKeyId":
		return ClassAuth, fmt.Sprintf("the access key does not exist: fix %s.access_key_id", sec)
	case "SignatureDoesNotMatch":
		return ClassAuth, fmt.Sprintf("the secret does not match the access key: fix %s", secretKey)
	case "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
		return ClassAuth, "the session token expired or is invalid: refresh the credentials"
	case "AuthorizationHeaderMalformed", "AuthorizationQueryParametersError", "InvalidRegion":
		if er.Region != "" {
			return ClassConfig, fmt.Sprintf("the bucket lives in region %q: set %s.region = %q", er.Region, sec, er.Region)
		}
		return ClassConfig, "the request was signed for the wrong region: " + regionHint
	case "PermanentRedirect", "TemporaryRedirect", "IllegalLocationConstraintException":
		if er.Region != "" {
			return ClassConfig, fmt.Sprintf("the bucket lives in region %q: set %s.region = %q (and an endpoint in that region)", er.Region, sec, er.Region)
		}
		return ClassConfig, "the bucket lives in another region: " + regionHint
	case "InvalidBucketName":
		return ClassConfig, fmt.Sprintf("the bucket name is not valid: fix %s.bucket", sec)
	case "NoSuchKey":
		return ClassNotFound, "the object does not exist"
	case "SlowDown", "ServiceUnavailable", "InternalError":
		return ClassUnhealthy, "the object store is overloaded or failing; try again"
	case "":
	default:
		if er.StatusCode == http.StatusForbidden {
			return ClassPermission, fmt.Sprintf("the object store denied the request (%s)", er.Code)
		}
	}
	switch er.StatusCode {
	case http.StatusMovedPermanently:
		return ClassConfig, "the bucket lives in another region: " + regionHint
	case http.StatusForbidden:
		return ClassPermission, "the object store denied the request: check the credentials and the bucket policy"
	case http.StatusNotFound:
		return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
	}
	class, sug := classify(err)
	if class == ClassDNS || class == ClassRefused || class == ClassTimeout || class == ClassTLS {
		sug += fmt.Sprintf(" (%s.endpoint)", sec)
	}
	return class, sug
}

// classifyAzblob recognises Azure Blob Storage error codes.
func classifyAzblob(err error, sec string) (string, string) {
	switch {
	case bloberror.HasCode(err, bloberror.ContainerNotFound, bloberror.ContainerBeingDeleted):
		return ClassNotFound, fmt.Sprintf("the container does not exist: create it or fix %s.container", sec)
	case bloberror.HasCode(err, bloberror.ResourceNotFound) && strings.Contains(err.Error(), "ResourceNotFound"):
		return ClassNotFound, fmt.Sprintf("the storage account or container was not found: check %s.endpoint and %s.container", sec, sec)
	case bloberror.HasCode(err, bloberror.AuthenticationFailed, bloberror.InvalidAuthenticationInfo, bloberror.NoAuthenticationInformation):
		return ClassAuth, fmt.Sprintf("Azure rejected the credentials: check %s.account_key and %s.account_name (or %s.sas_token, which may have expired)", sec, sec, sec)
	case bloberror.HasCode(err, bloberror.AuthorizationFailure, bloberror.AuthorizationPermissionMismatch,
		bloberror.InsufficientAccountPermissions, bloberror.AuthorizationResourceTypeMismatch, bloberror.AuthorizationSourceIPMismatch,
		bloberror.AuthorizationProtocolMismatch, bloberror.AuthorizationServiceMismatch):
		return ClassPermission, fmt.Sprintf("the credentials are valid but not allowed here: give the SAS token or role read, write, list and delete on %s.container", sec)
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return ClassNotFound, "the blob does not exist"
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusForbidden:
			return ClassPermission, "Azure denied the request: check the key or SAS token and its permissions"
		case http.StatusNotFound:
			return ClassNotFound, fmt.Sprintf("not found: check %s.endpoint and %s.container", sec, sec)
		}
	}
	class, sug := classify(err)
	if class == ClassDNS || class == ClassRefused || class == ClassTimeout || class == ClassTLS {
		sug += fmt.Sprintf(" (%s.endpoint)", sec)
	}
	return class, sug
}

// classifyGCS recognises Google Cloud Storage errors by HTTP status.
func classifyGCS(err error, sec string) (string, string) {
	if errors.Is(err, gcs.ErrBucketNotExist) {
		return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
	}
	if errors.Is(err, gcs.ErrObjectNotExist) {
		return ClassNotFound, "the object does not exist"
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch ge.Code {
		case http.StatusUnauthorized:
			return ClassAuth, fmt.Sprintf("Google rejected the credentials: check %s.credential or %s.credential_path", sec, sec)
		case http.StatusForbidden:
			return ClassPermission, fmt.Sprintf("the service account lacks access: grant it roles/storage.objectAdmin on the bucket (and check %s.scope)", sec)
		case http.StatusNotFound:
			return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
		}
	}
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.NotFound:
			return ClassNotFound, fmt.Sprintf("the bucket does not exist: create it or fix %s.bucket", sec)
		case codes.PermissionDenied:
			return ClassPermission, "the service account lacks access to the bucket"
		case codes.Unauthenticated:
			return ClassAuth, "Google rejected the credentials"
		}
	}
	class, sug := classify(err)
	if class == ClassDNS || class == ClassRefused || class == ClassTimeout || class == ClassTLS {
		sug += fmt.Sprintf(" (%s.endpoint)", sec)
	}
	if class == ClassOther && strings.Contains(strings.ToLower(err.Error()), "credentials") {
		return ClassAuth, fmt.Sprintf("no usable Google credentials: set %s.credential or %s.credential_path, or provide application default credentials", sec, sec)
	}
	return class, sug
}
