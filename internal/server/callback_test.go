package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// The callback page shows what the redirect brought, without the admin
// token (a browser's redirect has none), and a curl hint with the code.
func TestCallbackShowsCodeAndState(t *testing.T) {
	e := newEnv(t, "secret")
	r := e.do("GET", "/_mock/callback?code=imBkQ6&state=abc", nil, "")
	if r.Status != 200 {
		t.Fatalf("got %d %s, want 200 without the admin token", r.Status, r.Body)
	}
	if got := r.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("got Content-Type %q, want text/html; charset=utf-8", got)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("got Cache-Control %q, want no-store", got)
	}
	body := string(r.Body)
	host := strings.TrimPrefix(e.url, "http://")
	for _, want := range []string{
		`<code id="code">imBkQ6</code>`,
		`<code id="state">abc</code>`,
		`session <code>default</code>`,
		`"code":"imBkQ6","redirect_uri":"http://` + host + `/_mock/callback"`,
		`redirect_uri=` + url.QueryEscape("http://"+host+"/_mock/callback") + `&amp;code=imBkQ6'`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("got page without %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "answered with an error") {
		t.Errorf("got the error note on a page without error")
	}
}

// A session prefix carries over into the page and its hint.
func TestCallbackUnderSessionPrefix(t *testing.T) {
	e := newEnv(t, "")
	r := e.do("GET", "/s/test-42/_mock/callback?code=Xk3fQa&state=s1", nil, "")
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, `session <code>test-42</code>`) ||
		!strings.Contains(body, e.url+`/s/test-42/openapi/apiManage/token`) {
		t.Errorf("got %d:\n%s\nwant 200, session test-42 and the prefixed token URL", r.Status, body)
	}
}

// Every value is HTML-escaped; a code a shell would interpret gets no
// curl hint; error and error_description are shown.
func TestCallbackEscapes(t *testing.T) {
	e := newEnv(t, "")
	q := url.Values{
		"code":              {`<script>alert(1)</script>'; rm -rf ~`},
		"state":             {`"><img src=x onerror=alert(2)>`},
		"error":             {"access_denied"},
		"error_description": {"User denied access & <b>left</b>"},
	}
	r := e.do("GET", "/_mock/callback?"+q.Encode(), nil, "")
	if r.Status != 200 {
		t.Fatalf("got %d, want 200", r.Status)
	}
	body := string(r.Body)
	for _, bad := range []string{"<script>alert", "<img", "<b>left", "rm -rf ~'", "/openapi/apiManage/token"} {
		if strings.Contains(body, bad) {
			t.Errorf("got %q in the page, want it escaped or left out:\n%s", bad, body)
		}
	}
	for _, want := range []string{
		`<code id="code">&lt;script&gt;alert(1)&lt;/script&gt;&#39;; rm -rf ~</code>`,
		`<code id="state">&#34;&gt;&lt;img src=x onerror=alert(2)&gt;</code>`,
		`<code id="error">access_denied</code>`,
		`<code id="error_description">User denied access &amp; &lt;b&gt;left&lt;/b&gt;</code>`,
		"answered with an error",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("got page without %q:\n%s", want, body)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") {
		t.Errorf("got Content-Security-Policy %q, want default-src 'none' first", csp)
	}
}

// Without parameters the page says so; other methods are refused.
func TestCallbackEmptyAndMethods(t *testing.T) {
	e := newEnv(t, "")
	r := e.do("GET", "/_mock/callback", nil, "")
	if r.Status != 200 || !strings.Contains(string(r.Body), "no <code>code</code>") {
		t.Errorf("got %d:\n%s\nwant 200 and a note that nothing came", r.Status, r.Body)
	}
	if r := e.do("POST", "/_mock/callback", nil, ""); r.Status != 405 {
		t.Errorf("got POST %d %s, want 405", r.Status, r.Body)
	}
}
