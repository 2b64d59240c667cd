package oauth_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// The second client of the default fixtures, whose only scope is other.
const (
	otherScopeClient = "mock-other-scope-client"
	otherScopeSecret = "mock-other-scope-secret"
)

// search is the seed's data call (vendors/di-resource.md §5, example 1)
// with extra parameters.
func search(extra string) string {
	return oauth.ResourcePath + "?client_id=" + clientID + "&scope=read_cn&express=" + url.QueryEscape("申请人=X") + "&page=1&page_row=100" + extra
}

// tokens exchanges a code of the default client for a token pair.
func (e *env) tokens() (access, refresh string) {
	e.t.Helper()
	r := e.tokenCall(creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+e.code(""), nil)
	return pair(e.t, r.body)
}

// clientToken gets a client_credentials token of id.
func (e *env) clientToken(id, secret string) string {
	e.t.Helper()
	access, _ := pair(e.t, e.tokenCall(creds(id, secret)+"&grant_type=client_credentials", nil).body)
	return access
}

// mint asks the admin API for a code of client for user, bound to cb.
func (e *env) mint(client, user string) string {
	e.t.Helper()
	r := testkit.Do(e.t, "POST", e.srv.URL+"/_mock/codes", nil, `{"vendor":"oauth","client_id":"`+client+`","user":"`+user+`","redirect_uri":"`+cb+`"}`)
	var c struct{ Code string }
	if err := json.Unmarshal(r.Body, &c); err != nil || r.Status != 201 {
		e.t.Fatalf("POST /_mock/codes: got %d %s", r.Status, r.Body)
	}
	return c.Code
}

// sendHeaders sends a request with each of auth as an Authorization
// header of its own.
func (e *env) sendHeaders(method, url string, auth []string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := e.browser.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

// advance moves the session's clock.
func (e *env) advance(d string) {
	e.t.Helper()
	if r := testkit.Do(e.t, "POST", e.srv.URL+"/_mock/clock", nil, `{"advance":"`+d+`"}`); r.Status != 200 {
		e.t.Fatalf("POST /_mock/clock: got %d %s", r.Status, r.Body)
	}
}

// golden pins a whole answer: status, the headers a client reads, body.
func golden(t *testing.T, name string, r reply) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", r.status)
	for _, k := range []string{"Content-Type", "WWW-Authenticate", "Cache-Control", "Pragma", "Allow", "drivedby"} {
		if v := r.header.Get(k); v != "" {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	b.WriteString(r.body)
	testkit.Golden(t, name, []byte(b.String()))
}

// The seed examples of vendors/di-resource.md §5 against the default
// fixtures, every answer pinned.
func TestResourceSeedExamples(t *testing.T) {
	e := newEnv(t, nil)
	live, refresh := e.tokens()

	// 1. The DI client's call: the token as a query parameter.
	r := e.send("GET", search("&access_token="+live), nil, "")
	golden(t, "resource_seed_1", r)
	want := `{"errorCode":"000000","errorDesc":"","page_row":"100","page":"1","total":"2","sort_column":"","context":{"records":[{"pid":"CN000001","tic":"示例专利"},{"pid":"CN000002","tic":"示例专利二"}]}}`
	if r.status != 200 || r.body != want {
		t.Fatalf("1: got %d %s, want 200 %s", r.status, r.body, want)
	}
	// 2. No token.
	golden(t, "resource_seed_2", e.send("GET", search(""), nil, ""))
	// 3. An unknown token; a Bearer header beats a wrong parameter.
	golden(t, "resource_seed_3", e.send("GET", search("&access_token=00000000-0000-0000-0000-000000000000"), nil, ""))
	if r := e.send("GET", search("&access_token=wrong"), map[string]string{"Authorization": "Bearer " + live}, ""); r.status != 200 || r.body != want {
		t.Errorf("3, header and parameter: got %d %s, want the header's answer", r.status, r.body)
	}
	// 5. A refresh revokes the old access token.
	r = e.tokenCall(creds(clientID, secret)+"&grant_type=refresh_token&refresh_token="+refresh, nil)
	fresh, _ := pair(t, r.body)
	golden(t, "resource_seed_5", e.send("GET", search("&access_token="+live), nil, ""))
	if r := e.send("GET", search("&access_token="+fresh), nil, ""); r.status != 200 {
		t.Errorf("5, the new token: got %d %s, want 200", r.status, r.body)
	}
	// 4. Seven days and a second on: expired, removed, then unknown.
	e.advance("168h0m1s")
	golden(t, "resource_seed_4_expired", e.send("GET", search("&access_token="+fresh), nil, ""))
	golden(t, "resource_seed_4_then", e.send("GET", search("&access_token="+fresh), nil, ""))
	// 6. A token of the client whose only scope is other.
	golden(t, "resource_seed_6", e.send("GET", search("&access_token="+e.clientToken(otherScopeClient, otherScopeSecret)), nil, ""))

	// 7. With check_token: permit_all.
	fx := defaults(t)
	fx.Settings.CheckToken = fixture.CheckTokenPermitAll
	e = newEnv(t, fx)
	live, _ = e.tokens()
	golden(t, "check_token_seed_7", e.send("POST", oauth.CheckTokenPath, formType, "token="+live))
	golden(t, "check_token_seed_7_unknown", e.send("POST", oauth.CheckTokenPath, formType, "token=nope"))
	golden(t, "check_token_seed_7_get", e.send("GET", oauth.CheckTokenPath+"?token="+live, nil, ""))
}
