package probe

// HTTP/2 without TLS as gRPC servers (metasrv, etcd) speak it: the
// handshake that tells a gRPC port from an HTTP/1 or a TLS one.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// h2Preface is the HTTP/2 client connection preface followed by an empty
// SETTINGS frame (RFC 9113 section 3.4).
var h2Preface = append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 0x4, 0, 0, 0, 0, 0)

// h2cHandshake sends the HTTP/2 preface over a plain connection and reads
// the server's first frame, which must be SETTINGS. gRPC servers answer at
// once; an HTTP/1.1 server answers with a status line, a TLS server with
// an alert.
func h2cHandshake(ctx context.Context, conn net.Conn) error {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(h2Preface); err != nil {
		return err
	}
	var hdr [9]byte
	n, err := io.ReadFull(conn, hdr[:])
	if err != nil && n == 0 {
		if errors.Is(err, io.EOF) {
			return &protocolError{"the server closed the connection without answering the HTTP/2 preface: it does not speak gRPC without TLS"}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	got := hdr[:n]
	switch {
	case bytes.HasPrefix(got, []byte("HTTP/")):
		line := string(got)
		if rest, _ := h2ReadLine(conn); rest != "" {
			line += rest
		}
		return &protocolError{fmt.Sprintf("the server speaks HTTP/1.x (%q), not gRPC over HTTP/2", strings.TrimSpace(line))}
	case len(got) >= 2 && (got[0] == 0x15 || got[0] == 0x16) && got[1] == 0x03:
		return &protocolError{"the server expects TLS on this port"}
	case n < 9:
		return &protocolError{fmt.Sprintf("the server sent %d bytes that are not an HTTP/2 frame", n)}
	case got[3] != 0x4:
		return &protocolError{fmt.Sprintf("the server's first HTTP/2 frame has type %d, not SETTINGS", got[3])}
	}
	return nil
}

func h2ReadLine(conn net.Conn) (string, error) {
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	s := string(buf[:n])
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s, err
}

// protocolError is a peer that answers, but not in the expected protocol.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return e.msg }
