package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// Which converter Spring's DefaultOAuth2ExceptionRenderer picks for an
// Accept header, and the Content-Type of an XML answer.
func TestNegotiate(t *testing.T) {
	cases := []struct {
		accept []string
		want   string // "json", "406", or the XML Content-Type
	}{
		{nil, "json"},
		{[]string{"*/*"}, "json"},
		{[]string{"*"}, "json"},
		{[]string{"application/json"}, "json"},
		{[]string{"application/vnd.api+json"}, "json"},
		{[]string{"application/*"}, "json"},
		{[]string{"application/xml"}, "application/xml"},
		{[]string{"text/xml"}, "text/xml"},
		{[]string{"text/*"}, "application/xml"},
		{[]string{"application/*+xml"}, "application/xml"},
		// A browser: XHTML is XML to JAXB, and comes before */*.
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, "application/xhtml+xml"},
		{[]string{"text/html"}, "406"},
		{[]string{"image/png", "text/plain"}, "406"},
		{[]string{"text/html, application/json"}, "json"},
		{[]string{"application/json;q=0.1, application/xml"}, "application/xml"},
		{[]string{"text/plain;q=0.5, application/xml;q=0.4"}, "application/xml"},
		{[]string{"*/*;q=0.9, text/html"}, "json"},
		{[]string{"*/*, application/xml"}, "application/xml"}, // the more specific first
		{[]string{"garbage"}, "json"},
		{[]string{"*/xml;q=x, ;;, text/html"}, "406"},
		{[]string{"application/xml;q=2"}, "json"},
	}
	for _, c := range cases {
		ct, xml, ok := negotiate(c.accept)
		got := "json"
		switch {
		case !ok:
			got = "406"
		case xml:
			got = ct
		case ct != jsonType:
			got = "json as " + ct
		}
		if got != c.want {
			t.Errorf("Accept %q: got %s, want %s", c.accept, got, c.want)
		}
	}
}

// callDirect runs a handler of s for target in session 0, outside any
// server: the way to reach what no request can set up.
func callDirect(s *Service, h func(*Service, *gin.Context), method, target string, header map[string]string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	c.Request = r.WithContext(mock.WithRequest(context.Background(), &mock.Request{}))
	h(s, c)
	c.Writer.WriteHeaderNow()
	return w
}

// Row 4 of the protected API and its check_token twin: a token whose
// client the fixtures no longer have. The mock rebuilds every store with
// its fixtures, so only a token put in the store by hand shows it.
func TestClientNotValid(t *testing.T) {
	all, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	fx := *all.OAuth
	fx.Settings.CheckToken = fixture.CheckTokenPermitAll
	clock := testkit.NewClock()
	s := New(&fx, mock.Deps{Now: func(context.Context) time.Time { return clock.Now() }, IDs: testkit.IDs()})
	a := s.tokens.Issue(spring.Grant{Client: "gone", User: "demo", Scope: "read_cn"}, clock.Now(), spring.Policy{AccessTTL: time.Hour}, 0)

	w := callDirect(s, (*Service).resource, "GET", ResourcePath+"?express=x&access_token="+a.Value, nil)
	want := `{"error":"invalid_token","error_description":"Client not valid: gone"}`
	if w.Code != 401 || w.Body.String() != want || w.Header().Get("WWW-Authenticate") != `Bearer realm="oauth2-resource", error="invalid_token", error_description="Client not valid: gone"` {
		t.Errorf("resource: got %d %s %q, want 401 %s with the realm", w.Code, w.Body, w.Header().Get("WWW-Authenticate"), want)
	}
	w = callDirect(s, (*Service).checkToken, "POST", CheckTokenPath+"?token="+a.Value, nil)
	if w.Code != 400 || w.Body.String() != want || w.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("check_token: got %d %s %q, want 400 %s without a challenge", w.Code, w.Body, w.Header().Get("WWW-Authenticate"), want)
	}
	// The injected failures name the same client, reading the store.
	for _, f := range s.Routes().Failures {
		switch f.Name {
		case "resource_client_not_valid", "check_token_client_not_valid":
			target := ResourcePath + "?access_token=" + a.Value
			if f.Name == "check_token_client_not_valid" {
				target = CheckTokenPath + "?token=" + a.Value
			}
			if w := callDirect(s, func(_ *Service, c *gin.Context) { f.Render(c) }, "POST", target, nil); !strings.Contains(w.Body.String(), "Client not valid: gone") {
				t.Errorf("%s: got %s, want the token's client", f.Name, w.Body)
			}
		}
	}
	if w := callDirect(s, (*Service).resource, "GET", ResourcePath+"?express=x&access_token="+a.Value, map[string]string{"Accept": "text/html"}); w.Code != http.StatusNotAcceptable || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
		t.Errorf("Accept text/html: got %d %q Content-Type %q, want a bare 406", w.Code, w.Body, w.Header().Get("Content-Type"))
	}
}
