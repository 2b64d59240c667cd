package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

// net/http's own errors (here a failed TLS handshake; a panic that escaped
// would be another) are logged at warn, so that the default level shows
// them.
func TestServerErrorsShowAtTheDefaultLevel(t *testing.T) {
	certFile, keyFile, _ := testCert(t)
	base, logs := start(t, []string{"--tls-cert", certFile, "--tls-key", keyFile}, nil)
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("not a TLS handshake\r\n\r\n"))
	conn.Read(make([]byte, 64)) // until the server drops the connection
	conn.Close()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(logs.String(), "TLS handshake error") {
			break
		}
	}
	line := ""
	for l := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(l, "TLS handshake error") {
			line = l
		}
	}
	if !strings.Contains(line, "level=WARN") {
		t.Errorf("no warn line for the failed handshake; the log:\n%s", logs)
	}
}
