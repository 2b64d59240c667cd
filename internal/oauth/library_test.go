package oauth_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// The whole mock as `go run ./cmd/mockserver` builds it (embedded
// fixtures and scenario library): the seed data call works, and the DI
// library scenarios do what their descriptions say.
func TestResourceInTheWholeMock(t *testing.T) {
	a, err := app.New(app.Config{Wall: testkit.T0, IDs: testkit.IDs()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(apicheck.Wrap(t, a))
	t.Cleanup(srv.Close)
	token := func(session string) string {
		t.Helper()
		h := map[string]string{"X-Mock-Session": session}
		r := testkit.Do(t, "POST", srv.URL+"/_mock/codes", h, `{"vendor":"oauth","client_id":"`+clientID+`","user":"demo","redirect_uri":"`+cb+`"}`)
		var c struct{ Code string }
		if err := json.Unmarshal(r.Body, &c); err != nil || c.Code == "" {
			t.Fatalf("POST /_mock/codes: got %d %s", r.Status, r.Body)
		}
		r = testkit.Do(t, "POST", srv.URL+"/oauth/token?"+creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+c.Code, h, "")
		access, _ := pair(t, string(r.Body))
		return access
	}
	seed := `{"errorCode":"000000","errorDesc":"","page_row":"100","page":"1","total":"2","sort_column":"","context":{"records":[{"pid":"CN000001","tic":"示例专利"},{"pid":"CN000002","tic":"示例专利二"}]}}`
	limit := "{\r\n  \"errorCode\" : \"000016\",\r\n  \"errorDesc\" : \"错误代码[000016] ==> 查询错误，最多只能返回查询条件前10000条数据\",\r\n  \"page_row\" : \"\",\r\n  \"page\" : \"\",\r\n  \"total\" : \"\",\r\n  \"sort_column\" : \"\",\r\n  \"context\" : \"\"\r\n}"
	cases := []struct {
		session, scenario string
		want              []string // "expired" stands for the expired-token error
	}{
		{"plain", "", []string{seed, seed}},
		{"query-error", "oauth-resource-query-error", []string{limit, limit}},
		{"token-expired", "oauth-resource-token-expired", []string{"expired", seed}},
	}
	for _, c := range cases {
		t.Run(c.session, func(t *testing.T) {
			access := token(c.session)
			h := map[string]string{"X-Mock-Session": c.session}
			if c.scenario != "" {
				h["X-Mock-Scenario"] = c.scenario
			}
			for i, want := range c.want {
				r := testkit.Do(t, "GET", srv.URL+search("&access_token="+access), h, "")
				if want == "expired" {
					want = oauthError("invalid_token", "Access token expired: "+access)
					if h := r.Header.Get("WWW-Authenticate"); r.Status != 401 || !strings.HasPrefix(h, `Bearer realm="oauth2-resource", error="invalid_token"`) {
						t.Errorf("call %d: got %d WWW-Authenticate %q, want 401 with the realm", i+1, r.Status, h)
					}
				}
				if string(r.Body) != want {
					t.Errorf("call %d: got %d %s, want %s", i+1, r.Status, r.Body, want)
				}
			}
		})
	}
	// /oauth/check_token is off: Boot's 404, as before the endpoint existed.
	r := testkit.Do(t, "POST", srv.URL+"/oauth/check_token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "token=x")
	if want := bootBody(404, "Not Found", "No message available", "/oauth/check_token"); r.Status != 404 || string(r.Body) != want || r.Header.Get("drivedby") != "SrvEng/1.5.0" {
		t.Errorf("check_token: got %d %s, want 404 %s", r.Status, r.Body, want)
	}
}
