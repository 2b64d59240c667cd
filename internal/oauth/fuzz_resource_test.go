package oauth_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/server"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// liveToken exchanges a minted code on the fuzz server.
func (s *fuzzServer) liveToken(tb testing.TB, code string) string {
	tb.Helper()
	if w := s.do(http.MethodPost, "/_mock/codes", "", nil, []byte(`{"vendor":"oauth","client_id":"`+clientID+`","redirect_uri":"`+cb+`","code":"`+code+`"}`)); w.Code != http.StatusCreated {
		tb.Fatalf("mint: %d %s", w.Code, w.Body.Bytes())
	}
	w := s.do(http.MethodPost, "/oauth/token", creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+code, nil, nil)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		tb.Fatalf("exchange: %d %s", w.Code, w.Body.Bytes())
	}
	return tok.AccessToken
}

// FuzzResourceRequest calls the protected API with any method, query,
// body, Content-Type, Authorization and Accept. Every answer is one of
// the resource server's (401/403 OAuth errors in JSON or XML, a bare 406,
// Boot's 405) or DI's search answer, never a 5xx.
func FuzzResourceRequest(f *testing.F) {
	s := newFuzzServer(f)
	live := s.liveToken(f, "fuzzres1")
	const form = "application/x-www-form-urlencoded"
	for _, c := range []struct {
		method          uint8
		query, ct, body string
		auth, accept    string
	}{
		{1, "express=x&page=1&page_row=100&access_token=" + live, "", "", "", ""},
		{1, "express=x", "", "", "Bearer " + live, ""},
		{1, "express=x", "", "", "bearer" + live + ",x", "application/xml"},
		{1, "express=x&access_token=", "", "", "", "text/html"},
		{1, "express=x", "", "", "Bearer ", "text/*;q=0.5, */*;q=0.1"},
		{0, "", form, "access_token=" + live + "&express=x&page=2&page_row=1", "", ""},
		{0, "", form, "access_token=" + live + "&page=99999999999999999999", "", ""},
		{0, "", form, "%zz;&&==&access_token", "Basic eDp5", "garbage;;q=x"},
		{1, "access_token=" + live + "&express=%00&page=-1&page_row=abc&sort_column=%FF", "", "", "", "application/*+xml"},
		{2, "access_token=" + live, "", "", "", ""},
		{5, "", "", "", "Bearer " + live, ""},
		{1, "access_token=%22%0D%0Ax", "", "", "", "text/xml"},
	} {
		f.Add(c.method, c.query, c.ct, []byte(c.body), c.auth, c.accept)
	}
	f.Fuzz(func(t *testing.T, m uint8, query, contentType string, body []byte, auth, accept string) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		h := http.Header{}
		for k, v := range map[string]string{"Content-Type": contentType, "Authorization": auth, "Accept": accept} {
			if v != "" {
				h.Set(k, v)
			}
		}
		w := s.do(method, oauth.ResourcePath, query, h, body)
		what := method + " ?" + query + " " + quoted(string(body)) + " Authorization " + quoted(auth) + " Accept " + quoted(accept)
		s.noPanic(t, what)
		if len(body) > server.MaxBody {
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%s: %d-byte body: got %d, want 413", what, len(body), w.Code)
			}
			return
		}
		explained(t, s.svc, what, w)
		ct := w.Header().Get("Content-Type")
		switch w.Code {
		case http.StatusNotAcceptable:
			if w.Body.Len() != 0 || ct != "" {
				t.Fatalf("%s: a 406 with %q %q", what, ct, w.Body.Bytes())
			}
			return
		case http.StatusOK, http.StatusUnauthorized, http.StatusForbidden, http.StatusMethodNotAllowed:
		default:
			t.Fatalf("%s: got status %d (%s)", what, w.Code, w.Body.Bytes())
		}
		if w.Code == http.StatusUnauthorized && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Bearer realm="oauth2-resource"`) {
			t.Fatalf("%s: a 401 with WWW-Authenticate %q", what, w.Header().Get("WWW-Authenticate"))
		}
		if method == http.MethodHead {
			return
		}
		if ct != "application/json;charset=UTF-8" {
			if strings.HasPrefix(w.Body.String(), "<oauth><error_description>") && w.Code != http.StatusOK {
				return
			}
			t.Fatalf("%s: got Content-Type %q with %s", what, ct, w.Body.Bytes())
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: answer is no JSON object: %v: %s", what, err, w.Body.Bytes())
		}
		_, search := got["errorCode"]
		_, oauthErr := got["error"]
		_, boot := got["timestamp"]
		if w.Code == http.StatusOK && !search || w.Code != http.StatusOK && !oauthErr && !boot {
			t.Fatalf("%s: a %d of the wrong kind: %s", what, w.Code, w.Body.Bytes())
		}
	})
}

// FuzzCheckTokenRequest calls /oauth/check_token, enabled with access rule
// authenticated, with any method, query, body, Content-Type and
// Authorization: Boot's 401/400/405 JSON, the endpoint's 400 or its map.
func FuzzCheckTokenRequest(f *testing.F) {
	all, err := fixture.Default()
	if err != nil {
		f.Fatal(err)
	}
	fx := *all.OAuth
	fx.Settings.CheckToken = fixture.CheckTokenAuthenticated
	lg := &fuzzLog{}
	svc := &noting{}
	h, _ := testkit.Assemble("", slog.New(lg), func(deps mock.Deps) []mock.Vendor {
		svc.Service = oauth.New(&fx, deps)
		return []mock.Vendor{svc}
	})
	s := &fuzzServer{h: apicheck.Direct(h), log: lg, svc: svc}
	live := s.liveToken(f, "fuzzct1")
	good := basic(clientID, secret)
	const form = "application/x-www-form-urlencoded"
	for _, c := range []struct {
		method          uint8
		query, ct, body string
		auth            string
	}{
		{0, "token=" + live, "", "", good},
		{0, "", form, "token=" + live, good},
		{0, "", form, "token=nope", good},
		{0, "", form, "token=", good},
		{0, "", form, "%zz;&&==&token", good},
		{0, "", "", "", good},
		{0, "token=" + live, "", "", ""},
		{0, "token=" + live, "", "", basic(clientID, "x")},
		{0, "token=" + live, "", "", "Basic !!!"},
		{1, "token=" + live, "", "", good},
		{3, "", "", "", good},
	} {
		f.Add(c.method, c.query, c.ct, []byte(c.body), c.auth)
	}
	f.Fuzz(func(t *testing.T, m uint8, query, contentType string, body []byte, auth string) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		w := s.do(method, oauth.CheckTokenPath, query, h, body)
		what := method + " ?" + query + " " + quoted(string(body)) + " Authorization " + quoted(auth)
		s.noPanic(t, what)
		if len(body) > server.MaxBody {
			return
		}
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusMethodNotAllowed:
		default:
			t.Fatalf("%s: got status %d (%s)", what, w.Code, w.Body.Bytes())
		}
		explained(t, s.svc, what, w)
		if method == http.MethodHead {
			return
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: answer is no JSON object: %v: %s", what, err, w.Body.Bytes())
		}
		if w.Code == http.StatusOK && string(got["active"]) != "true" {
			t.Fatalf("%s: a 200 without active: %s", what, w.Body.Bytes())
		}
		if w.Code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") != `Basic realm="oauth2/client"` {
			t.Fatalf("%s: a 401 with WWW-Authenticate %q", what, w.Header().Get("WWW-Authenticate"))
		}
	})
}
