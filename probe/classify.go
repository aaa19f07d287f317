package probe

// Failure classes and the generic classifier. Each backend's file has a
// classifier of its own for its server's error codes, which falls back to
// classify.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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
