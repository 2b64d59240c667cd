package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// A client that sends its headers slowly, or a body that never ends, is cut
// off by the server's timeouts while other clients are served. The
// timeouts are shortened for the test; the defaults are in serve.go.
func TestSlowClientsAreCutOff(t *testing.T) {
	url, _ := startServing(t, func(ctx context.Context, addrFile string, logs io.Writer) error {
		c, err := parseServe([]string{"--addr", "127.0.0.1:0", "--addr-file", addrFile}, env(nil), logs)
		if err != nil {
			return err
		}
		c.timeouts.readHeader, c.timeouts.read = 300*time.Millisecond, 600*time.Millisecond
		return c.serve(ctx, logs)
	})
	addr := strings.TrimPrefix(url, "http://")

	slowHeaders, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slowHeaders.Close()
	io.WriteString(slowHeaders, "POST /openapi/apiManage/token HTTP/1.1\r\nHost: x\r\n")
	slowBody, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slowBody.Close()
	io.WriteString(slowBody, "POST /openapi/apiManage/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")

	// Meanwhile another client is served.
	resp, err := apicheck.Client(t).Get(url + "/_mock/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health while slow clients wait: %v", err)
	}
	resp.Body.Close()

	for name, c := range map[string]net.Conn{"slow headers": slowHeaders, "endless body": slowBody} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := bufio.NewReader(c).ReadString('\n')
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: the server still held the connection after 5 s", name)
		}
	}
}
