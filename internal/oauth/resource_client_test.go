package oauth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tokenmock/tokenmock/internal/testkit"
)

// dataAnswer is what DI's client reads of a data call.
type dataAnswer struct {
	status    int
	errorCode string
	total     string
	oauthErr  string // error_description of an OAuth error
}

// call sends a data call with c and reads it as DI's client does: the
// body whatever the status.
func call(t *testing.T, c *http.Client, target string) dataAnswer {
	t.Helper()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ErrorCode        string `json:"errorCode"`
		Total            string `json:"total"`
		ErrorDescription string `json:"error_description"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("GET %s: got %d %s (%v), want JSON", target, resp.StatusCode, b, err)
	}
	return dataAnswer{resp.StatusCode, v.ErrorCode, v.Total, v.ErrorDescription}
}

// A real OAuth2 client through the whole life of a DI token: exchange,
// data calls with the token as a parameter and as a Bearer header, the
// session's clock past the 7 days, the expired token (once, then unknown),
// a refresh, data again, and the old token unknown for good.
func TestResourceLifecycle(t *testing.T) {
	for _, style := range []struct {
		name  string
		style oauth2.AuthStyle
	}{{"params", oauth2.AuthStyleInParams}, {"header", oauth2.AuthStyleInHeader}} {
		t.Run(style.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			conf := &oauth2.Config{
				ClientID: clientID, ClientSecret: secret, RedirectURL: cb, Scopes: []string{"read_cn"},
				Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/oauth/authorize", TokenURL: e.srv.URL + "/oauth/token", AuthStyle: style.style},
			}
			tok, err := conf.Exchange(ctx, e.code(""))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			api := e.srv.URL + search("")
			withParam := func(access string) string { return e.srv.URL + search("&access_token="+url.QueryEscape(access)) }
			ok := dataAnswer{status: 200, errorCode: "000000", total: "2"}
			if got := call(t, http.DefaultClient, withParam(tok.AccessToken)); got != ok {
				t.Errorf("token as parameter: got %+v, want %+v", got, ok)
			}
			// oauth2's client sends Authorization: Bearer; its token is
			// valid by the wall clock, so it does not refresh by itself.
			bearer := conf.Client(ctx, tok)
			if got := call(t, bearer, api); got != ok {
				t.Errorf("token as Bearer header: got %+v, want %+v", got, ok)
			}

			e.advance("168h0m1s")
			expired := dataAnswer{status: 401, oauthErr: "Access token expired: " + tok.AccessToken}
			if got := call(t, bearer, api); got != expired {
				t.Errorf("after 7 days: got %+v, want %+v", got, expired)
			}
			unknown := dataAnswer{status: 401, oauthErr: "Invalid access token: " + tok.AccessToken}
			if got := call(t, http.DefaultClient, withParam(tok.AccessToken)); got != unknown {
				t.Errorf("then: got %+v, want %+v", got, unknown)
			}

			// The client sees no errorCode (DI's sign of a dead token) and
			// refreshes; its refresh token has 23 days left.
			stale := *tok
			stale.Expiry = time.Now().Add(-time.Minute)
			fresh, err := conf.TokenSource(ctx, &stale).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if fresh.AccessToken == tok.AccessToken {
				t.Fatalf("refresh: got the old access token back")
			}
			if got := call(t, conf.Client(ctx, fresh), api); got != ok {
				t.Errorf("after the refresh, Bearer: got %+v, want %+v", got, ok)
			}
			if got := call(t, http.DefaultClient, withParam(fresh.AccessToken)); got != ok {
				t.Errorf("after the refresh, parameter: got %+v, want %+v", got, ok)
			}
			if got := call(t, bearer, api); got != unknown {
				t.Errorf("the old token after the refresh: got %+v, want %+v", got, unknown)
			}
		})
	}
}

// A token is known only in the session that got it: in another session,
// by header or path prefix, it is an unknown token.
func TestResourceSessions(t *testing.T) {
	e := newEnv(t, nil)
	code := e.mint(clientID, "demo")
	r := testkit.Do(t, "POST", e.srv.URL+"/s/a/oauth/token?"+creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+code, nil, "")
	if r.Status == 200 {
		t.Fatalf("a code of the default session worked in session a: %s", r.Body)
	}
	r = testkit.Do(t, "POST", e.srv.URL+"/s/a/_mock/codes", nil, `{"vendor":"oauth","client_id":"`+clientID+`","user":"demo","redirect_uri":"`+cb+`"}`)
	var c struct{ Code string }
	if err := json.Unmarshal(r.Body, &c); err != nil {
		t.Fatal(err)
	}
	r = testkit.Do(t, "POST", e.srv.URL+"/s/a/oauth/token?"+creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+c.Code, nil, "")
	access, _ := pair(t, string(r.Body))
	cases := []struct {
		name   string
		url    string
		header map[string]string
		status int
	}{
		{"its own session by prefix", e.srv.URL + "/s/a" + search("&access_token="+access), nil, 200},
		{"its own session by header", e.srv.URL + search("&access_token="+access), map[string]string{"X-Mock-Session": "a"}, 200},
		{"another session by prefix", e.srv.URL + "/s/b" + search("&access_token="+access), nil, 401},
		{"another session by header", e.srv.URL + search("&access_token="+access), map[string]string{"X-Mock-Session": "b"}, 401},
		{"the default session", e.srv.URL + search("&access_token="+access), nil, 401},
	}
	for _, c := range cases {
		r := testkit.Do(t, "GET", c.url, c.header, "")
		want := `{"error":"invalid_token","error_description":"Invalid access token: ` + access + `"}`
		if r.Status != c.status || c.status == 401 && string(r.Body) != want {
			t.Errorf("%s: got %d %s, want %d", c.name, r.Status, r.Body, c.status)
		}
	}
}
