package conformance

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"
)

// The default fixtures' values the requests below use (fixtures/default.yaml).
const (
	isolarAppKey    = "B968E49385CBD8C74587A374E7B1D21A"
	isolarAccessKey = "MOCKSECRETKEY0123456789ABCDEFGHI"
	oauthClient     = "2aeb5a5eac1100043817950ada19e0f5"
	oauthSecret     = "ew3c6b0eac111239342wecf26736439"
	isolarTokenBody = `{"appkey":"` + isolarAppKey + `","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`
	solarmanBody    = `{"appSecret":"3a8791f012acc13226ca60e63ac6c1aff3","username":"cvwwb","orgId":860,"password":"472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"}`
)

// failureCase is one catalogue failure of an endpoint and how it looks.
type failureCase struct {
	name  string
	check func(t *testing.T, a answer)
}

// endpointCase is one endpoint id: how to send it a valid request, what the
// real answer is, and what the actions that depend on the endpoint do.
// Every endpoint id of every vendor table needs its case: the suite fails
// for an id without one (TestEveryEndpointHasACase).
type endpointCase struct {
	id string
	// prepare gets what the request needs in the session (a token, a
	// code) while no scenario is active, and returns the request.
	prepare  func(t *testing.T, s *client) func() *http.Request
	real     func(t *testing.T, a answer)
	failures []failureCase // a few failures checked field by field; every one is checked against its renderer elsewhere
	// ttl sees the effect of token_ttl: 30s on the answer (the scenario is
	// active) and returns the access token; nil for endpoints that issue
	// no tokens.
	ttl func(t *testing.T, s *client, req func() *http.Request) string
	// set is a `set` mapping and its check; empty for HTML endpoints.
	set      string
	setCheck func(t *testing.T, a answer)
	// expire is what the endpoint answers once what its request carries (a
	// code, a ticket, a token) has expired by the session's clock. An
	// endpoint without it must issue tokens (ttl), whose lifetime is then
	// what follows the clock.
	expire *expiry
}

// expiry: a request made while the session's clock stands, sent after the
// clock moved on by after.
type expiry struct {
	after   time.Duration
	prepare func(t *testing.T, s *client) func() *http.Request // nil: the case's own
	check   func(t *testing.T, a answer)
	fresh   func(t *testing.T, a answer) // the answer before expiry; nil: the case's real
}

// mintCode asks the admin API for a code of the session.
func mintCode(t *testing.T, s *client, request string) string {
	t.Helper()
	var c struct{ Code string }
	if err := json.Unmarshal(s.admin("POST", "/_mock/codes", request, http.StatusCreated).body, &c); err != nil || c.Code == "" {
		t.Fatalf("POST /_mock/codes: got %v, want a code", err)
	}
	return c.Code
}

var ticketRE = regexp.MustCompile(`name="ticket" value="([^"]+)"`)

func isolarToken(s *client) *http.Request {
	return s.request("POST", "/openapi/apiManage/token", map[string]string{"x-access-key": isolarAccessKey, "Content-Type": "application/json"}, isolarTokenBody)
}

func solarmanToken(s *client) *http.Request {
	return s.request("POST", "/account/v1.0/token?appId=201911067232002&language=en", map[string]string{"Content-Type": "application/json"}, solarmanBody)
}

// tokenOf takes a field of a successful token answer.
func tokenOf(t *testing.T, a answer, path string) string {
	t.Helper()
	v, ok := field(object(t, a), path).(string)
	if a.status != http.StatusOK || !ok || v == "" {
		t.Fatalf("got %d %s, want a token at %s", a.status, a.body, path)
	}
	return v
}

const oauthAuthorize = "/oauth/authorize?client_id=" + oauthClient + "&redirect_uri=http://localhost:8080&scope=read_cn&mock_user=demo&response_type="

func endpointCases() []endpointCase {
	return slices.Concat(isolarCases(), solarmanCases(), oauthCases())
}
