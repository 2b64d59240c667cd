package server

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// M1 of the attack review: the journal's real memory stays within a small
// multiple of its bound, whatever the requests hold: 1 MiB bodies (cut to
// 64 KiB, and the cut must not keep the whole copy alive), many big
// headers (cut, bounded in number, each counted with its overhead).
func TestJournalMemoryStaysBounded(t *testing.T) {
	const bound = 1 << 20
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	j := NewJournal(100, bound)
	for i := range 40 {
		body := []byte(strings.Repeat("b", MaxBody-16))
		h := http.Header{}
		for k := range 100 {
			h["X-Big-"+strconv.Itoa(k)] = []string{strings.Repeat("h", 60000)}
		}
		hs, dropped := maskHeaders(h)
		if i%2 == 1 { // masked: the body is copied again
			copy(body, "password=")
		}
		reqBody, respBody := journalBodies(body, body[:maxBodyShown])
		j.Add(Entry{Body: reqBody, ResponseBody: respBody, Query: maskQuery(string(body)), Headers: hs, HeadersDropped: dropped, Path: "/p" + strconv.Itoa(i)})
	}
	after := heap()
	runtime.KeepAlive(j)
	if j.bytes > bound {
		t.Errorf("counted %d bytes, over the bound %d", j.bytes, bound)
	}
	if after > before && after-before > 4*bound {
		t.Errorf("the journal retains %d bytes with a bound of %d", after-before, bound)
	}
	if j.n == 0 {
		t.Fatal("the journal kept nothing")
	}
}

// An entry keeps the first maxHeadersKept headers in name order, each cut
// to maxHeaderShown, and says how many it dropped.
func TestJournalHeaderLimits(t *testing.T) {
	for _, c := range []struct{ n, kept, dropped int }{{maxHeadersKept, maxHeadersKept, 0}, {maxHeadersKept + 1, maxHeadersKept, 1}, {300, maxHeadersKept, 300 - maxHeadersKept}} {
		h := http.Header{}
		for k := range c.n {
			h["X-H"+strconv.Itoa(1000+k)] = []string{strings.Repeat("v", maxHeaderShown+1)}
		}
		got, dropped := maskHeaders(h)
		if len(got) != c.kept || dropped != c.dropped {
			t.Errorf("%d headers: kept %d, dropped %d; want %d, %d", c.n, len(got), dropped, c.kept, c.dropped)
		}
		if c.dropped > 0 {
			if _, ok := got["X-H1000"]; !ok {
				t.Errorf("%d headers: the first by name is not kept", c.n)
			}
			if _, ok := got["X-H"+strconv.Itoa(1000+maxHeadersKept)]; ok {
				t.Errorf("%d headers: the %dth by name is kept", c.n, maxHeadersKept+1)
			}
		}
		for k, v := range got {
			if len(v) != maxHeaderShown {
				t.Errorf("%s: %d bytes kept, want %d", k, len(v), maxHeaderShown)
				break
			}
		}
	}
	h := http.Header{"X-Just": {strings.Repeat("v", maxHeaderShown)}}
	if got, _ := maskHeaders(h); got["X-Just"] != h["X-Just"][0] {
		t.Errorf("a value of exactly %d bytes is cut", maxHeaderShown)
	}
}

// m3 of the attack review: a secret's name is matched as the vendors read
// it (percent-decoded, JSON escapes undone, in its exact case: the
// vendors' maps are case-sensitive), and cookies show no
// value; everything else keeps its bytes and order.
func TestMaskingCannotBeBypassed(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"username=demo&pass%77ord=demo", "username=demo&pass%77ord=***"},
		{"client_id=c&client%5Fsecret=s3cr3t&grant_type=x", "client_id=c&client%5Fsecret=***&grant_type=x"},
		{"client%5fsecret=s3cr3t", "client%5fsecret=***"},
		{"pass+word=shown&password=", "pass+word=shown&password=***"},
		{"Password=shown&password=x&a=%zz&b", "Password=shown&password=***&a=%zz&b"},
		{`{"app\u0053ecret":"1q3e","username":"u","pass\u0077ord":"b6fb"}`, `{"app\u0053ecret":"***","username":"u","pass\u0077ord":"***"}`},
		{`{"PASSWORD" : "shown", "appSecret"  :  "y"}`, `{"PASSWORD" : "shown", "appSecret"  :  "***"}`},
		{`{"outer":{"password":"x"},"list":["a","password"],"note":"password: x","n":1}`, `{"outer":{"password":"***"},"list":["a","password"],"note":"password: x","n":1}`},
		{`{"a":"\"password\":\"v\"","password":12}`, `{"a":"\"password\":\"v\"","password":"***"}`},
		{`{"appSecret": "s1", "password":"p\"2","client_secret":"c","keep":"k"}`, `{"appSecret": "***", "password":"***","client_secret":"***","keep":"k"}`},
		{`{"password":"unterminated`, `{"password":"***"`},
		{`{"username":"u"}`, `{"username":"u"}`},
	} {
		if got := maskBody([]byte(c.in)); got != c.want {
			t.Errorf("maskBody(%s):\ngot  %s\nwant %s", c.in, got, c.want)
		}
	}
	if got := maskQuery("client%5Fsecret=s&x=1"); got != "client%5Fsecret=***&x=1" {
		t.Errorf("maskQuery: got %s", got)
	}
	if got := logBody([]byte("username=u&pass%77ord=p%40ss")); got != "username=u&pass%77ord=***(plaintext, 4 chars)" {
		t.Errorf("logBody: got %s", got)
	}
	h := http.Header{"Cookie": {"JSESSIONID=SESSIONCOOKIEVALUE; theme=dark", "b=2"}, "authorization": {"Bearer t"}, "X-Other": {"shown"}}
	got, _ := maskHeaders(h)
	if got["Cookie"] != "JSESSIONID=***; theme=***; b=***" || got["authorization"] != "***" || got["X-Other"] != "shown" {
		t.Errorf("headers: got %q", got)
	}
}

// The journal's copies of the bodies: cut to maxBodyShown, masked.
func TestJournalBodies(t *testing.T) {
	if req, resp := journalBodies([]byte("a=1&password=x"), []byte("ok")); req != "a=1&password=***" || resp != "ok" {
		t.Errorf("masked: got %q, %q", req, resp)
	}
	if req, resp := journalBodies([]byte("a=1"), nil); req != "a=1" || resp != "" {
		t.Errorf("plain: got %q, %q", req, resp)
	}
	big := []byte(strings.Repeat("y", maxBodyShown+5))
	if req, resp := journalBodies(big, big[:maxBodyShown]); len(req) != maxBodyShown || len(resp) != maxBodyShown {
		t.Errorf("big: got %d, %d bytes, want %d each", len(req), len(resp), maxBodyShown)
	}
}
