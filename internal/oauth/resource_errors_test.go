package oauth_test

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/oauth"
)

// realm is the WWW-Authenticate of the resource server's entry point.
func realm(code, desc string) string {
	return `Bearer realm="oauth2-resource", error="` + code + `", error_description="` + desc + `"`
}

func oauthError(code, desc string) string {
	return `{"error":"` + code + `","error_description":"` + desc + `"}`
}

// Where the token comes from (vendors/di-resource.md §2), Spring's quirks
// included: every row is one request to the protected API.
func TestBearerExtraction(t *testing.T) {
	e := newEnv(t, nil)
	live, refresh := e.tokens()
	invalid := func(x string) string { return oauthError("invalid_token", "Invalid access token: "+x) }
	cases := []struct {
		name    string
		query   string
		auth    []string
		status  int
		body    string // "" for the search answer
		failure string // the catalogue name noted
		why     string // what the noted reason says
	}{
		{"parameter", "&access_token=" + live, nil, 200, "", "", ""},
		{"Bearer header", "", []string{"Bearer " + live}, 200, "", "", ""},
		{"lower case", "", []string{"bearer " + live}, 200, "", "", ""},
		{"upper case", "", []string{"BEARER " + live}, 200, "", "", ""},
		{"no space after Bearer", "", []string{"Bearer" + live}, 200, "", "", ""},
		{"padded", "", []string{"Bearer \t " + live + "  "}, 200, "", "", ""},
		{"cut at a comma", "", []string{"Bearer " + live + ",realm=x"}, 200, "", "", ""},
		{"comma first is kept", "", []string{"Bearer ," + live}, 401, invalid("," + live), "resource_invalid_token", "access token unknown in session default"},
		{"empty Bearer is a token", "", []string{"Bearer "}, 401, invalid(""), "resource_invalid_token", "the bearer token is empty"},
		{"empty parameter is a token", "&access_token=", nil, 401, invalid(""), "resource_invalid_token", "the bearer token is empty"},
		{"Basic is no bearer: the parameter counts", "&access_token=" + live, []string{"Basic eDp5"}, 200, "", "", ""},
		{"the first bearer header of several", "", []string{"Basic eDp5", "Bearer " + live, "Bearer nope"}, 200, "", "", ""},
		{"header beats parameter", "&access_token=" + live, []string{"Bearer nope"}, 401, invalid("nope"), "resource_invalid_token", "access token unknown in session default"},
		{"first parameter wins", "&access_token=" + live + "&access_token=nope", nil, 200, "", "", ""},
		{"a refresh token is no access token", "&access_token=" + refresh, nil, 401, invalid(refresh), "resource_invalid_token", "access token unknown in session default"},
		{"other parameters are ignored", "&access_token=" + live + "&client_id=nobody&scope=nothing", nil, 200, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := e.srv.URL + search(c.query)
			r := e.sendHeaders("GET", req, c.auth)
			if c.status != r.status || c.body != "" && r.body != c.body || c.body == "" && !strings.HasPrefix(r.body, `{"errorCode":"000000"`) {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, c.status, c.body)
			}
			e.wantNote(t, r, c.failure, c.why)
		})
	}
	// The entry point rebuilds the challenge from its words: runs of
	// spaces in the token become one there, not in the body.
	r := e.send("GET", search("&access_token=a%20%20b"), nil, "")
	if h := r.header.Get("WWW-Authenticate"); h != realm("invalid_token", "Invalid access token: a b") || r.body != invalid("a  b") {
		t.Errorf("spaces: got %q %s", h, r.body)
	}
}

// Every row of vendors/di-resource.md §3 and the business errors of §3a,
// by their natural trigger.
func TestResourceNaturalTriggers(t *testing.T) {
	e := newEnv(t, nil)
	live, _ := e.tokens()
	withLive := func(extra string) string { return search("&access_token=" + live + extra) }
	syntax := "{\r\n  \"errorCode\" : \"表达式语法错误\",\r\n  \"errorDesc\" : \"错误代码[表达式语法错误] ==> 当前表达式：null。存在语法错误，请重新编辑表达式后进行检索。\",\r\n  \"page_row\" : \"\",\r\n  \"page\" : \"\",\r\n  \"total\" : \"\",\r\n  \"sort_column\" : \"\",\r\n  \"context\" : \"\"\r\n}"
	limit := "{\r\n  \"errorCode\" : \"000016\",\r\n  \"errorDesc\" : \"错误代码[000016] ==> 查询错误，最多只能返回查询条件前10000条数据\",\r\n  \"page_row\" : \"\",\r\n  \"page\" : \"\",\r\n  \"total\" : \"\",\r\n  \"sort_column\" : \"\",\r\n  \"context\" : \"\"\r\n}"
	page := func(pageRow, page, total, records string) string {
		return `{"errorCode":"000000","errorDesc":"","page_row":"` + pageRow + `","page":"` + page + `","total":"` + total + `","sort_column":"","context":{"records":[` + records + `]}}`
	}
	first, second := `{"pid":"CN000001","tic":"示例专利"}`, `{"pid":"CN000002","tic":"示例专利二"}`
	cases := []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		status       int
		want         string
		challenge    string
		failure      string // the catalogue name noted
		why          string // what the noted reason says
	}{
		{"1 no token", "GET", search(""), nil, "", 401,
			oauthError("unauthorized", "Full authentication is required to access this resource"),
			realm("unauthorized", "Full authentication is required to access this resource"), "resource_unauthenticated", "no Authorization header and no access_token parameter"},
		{"1 no token, POST", "POST", oauth.ResourcePath, formType, "express=x", 401,
			oauthError("unauthorized", "Full authentication is required to access this resource"),
			realm("unauthorized", "Full authentication is required to access this resource"), "resource_unauthenticated", "no Authorization header and no access_token parameter"},
		{"2 never issued", "GET", search("&access_token=nope"), nil, "", 401,
			oauthError("invalid_token", "Invalid access token: nope"), realm("invalid_token", "Invalid access token: nope"), "resource_invalid_token", "access token unknown in session default"},
		{"6 a token without read_cn", "GET", search("&access_token=" + e.clientToken(otherScopeClient, otherScopeSecret)), nil, "", 403,
			`{"error":"insufficient_scope","error_description":"Insufficient scope for this resource","scope":"read_cn"}`,
			`Bearer error="insufficient_scope", error_description="Insufficient scope for this resource", scope="read_cn"`, "resource_insufficient_scope", "the token's scope (other) lacks read_cn, the scope this API requires"},
		{"POST with the token in a form", "POST", oauth.ResourcePath, formType, "access_token=" + live + "&express=x&page=2&page_row=1", 200,
			page("1", "2", "2", second), "", "", ""},
		{"GET reads no form body", "GET", oauth.ResourcePath + "?express=x", formType, "access_token=" + live, 401,
			oauthError("unauthorized", "Full authentication is required to access this resource"),
			realm("unauthorized", "Full authentication is required to access this resource"), "resource_unauthenticated", "no Authorization header and no access_token parameter"},
		{"no express", "GET", oauth.ResourcePath + "?access_token=" + live, nil, "", 200, syntax, "", "resource_expression_error", "express parameter missing or blank"},
		{"blank express", "GET", oauth.ResourcePath + "?express=%20&access_token=" + live, nil, "", 200, syntax, "", "resource_expression_error", "express parameter missing or blank"},
		{"page 101 of 100", "GET", oauth.ResourcePath + "?express=x&page=101&page_row=100&access_token=" + live, nil, "", 200, limit, "", "resource_result_limit", "page 101 of page_row 100 goes past the first 10000 results"},
		{"page_row past the limit", "GET", oauth.ResourcePath + "?express=x&page_row=10001&access_token=" + live, nil, "", 200, limit, "", "resource_result_limit", "page 1 of page_row 10001 goes past"},
		{"a page too large for an int", "GET", oauth.ResourcePath + "?express=x&page=99999999999999999999&access_token=" + live, nil, "", 200, limit, "", "resource_result_limit", "page 2147483647 of page_row 10 goes past"},
		{"page 100 of 100 is the last allowed", "GET", oauth.ResourcePath + "?express=x&page=100&page_row=100&access_token=" + live, nil, "", 200,
			page("100", "100", "2", ""), "", "", ""},
		{"one per page", "GET", oauth.ResourcePath + "?express=x&page=1&page_row=1&sort_column=ad&access_token=" + live, nil, "", 200,
			strings.Replace(page("1", "1", "2", first), `"sort_column":""`, `"sort_column":"ad"`, 1), "", "", ""},
		{"no paging: ten from the first", "GET", oauth.ResourcePath + "?express=x&access_token=" + live, nil, "", 200,
			page("", "", "2", first+","+second), "", "", ""},
		{"unusable paging", "GET", oauth.ResourcePath + "?express=x&page=abc&page_row=-5&access_token=" + live, nil, "", 200,
			page("-5", "abc", "2", first+","+second), "", "", ""},
		{"PUT after authentication", "PUT", withLive(""), nil, "", 405,
			`{"timestamp":1773480413000,"status":405,"error":"Method Not Allowed","message":"Request method 'PUT' not supported","path":"/api/patent/search/expression"}`, "", "", "method PUT not supported on /api/patent/search/expression (GET, POST)"},
		{"PUT without a token", "PUT", search(""), nil, "", 401,
			oauthError("unauthorized", "Full authentication is required to access this resource"),
			realm("unauthorized", "Full authentication is required to access this resource"), "resource_unauthenticated", "no Authorization header and no access_token parameter"},
		{"XML for an XML Accept", "GET", search(""), map[string]string{"Accept": "application/xml"}, "", 401,
			"<oauth><error_description>Full authentication is required to access this resource</error_description><error>unauthorized</error></oauth>",
			realm("unauthorized", "Full authentication is required to access this resource"), "resource_unauthenticated", "no Authorization header and no access_token parameter"},
		{"XML escaped as JAXB does", "GET", search("&access_token=%3Ca%26b%3E%22"), map[string]string{"Accept": "text/xml"}, "", 401,
			"<oauth><error_description>Invalid access token: &lt;a&amp;b&gt;\"</error_description><error>invalid_token</error></oauth>",
			realm("invalid_token", `Invalid access token: <a&b>"`), "resource_invalid_token", "access token unknown in session default"},
		{"nothing acceptable", "GET", search(""), map[string]string{"Accept": "text/html"}, "", 406, "", "", "resource_unauthenticated", "no Authorization header and no access_token parameter"},
		{"a success is JSON whatever the Accept", "GET", withLive(""), map[string]string{"Accept": "text/html"}, "", 200,
			page("100", "1", "2", first+","+second), "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.send(c.method, c.path, c.header, c.body)
			if r.status != c.status || r.body != c.want {
				t.Errorf("got %d %s\nwant %d %s", r.status, r.body, c.status, c.want)
			}
			if got := r.header.Get("WWW-Authenticate"); got != c.challenge {
				t.Errorf("got WWW-Authenticate %q, want %q", got, c.challenge)
			}
			if r.header.Get("drivedby") != "SrvEng/1.5.0" {
				t.Errorf("got drivedby %q, want the fixture's header", r.header.Get("drivedby"))
			}
			e.wantNote(t, r, c.failure, c.why)
		})
	}
	if r := e.send("HEAD", withLive(""), nil, ""); r.status != 200 || r.body != "" {
		t.Errorf("HEAD: got %d %q, want 200 and no body", r.status, r.body)
	}
	// 3: expired once, then removed; the client_credentials token of the
	// other client follows the same clock.
	e.advance("168h0m1s")
	for _, want := range []struct{ desc, failure, why string }{
		{"Access token expired: " + live, "resource_expired_token", "access token expired at 2026-03-21T09:26:5"},
		{"Invalid access token: " + live, "resource_invalid_token", "access token unknown in session default"},
	} {
		r := e.send("GET", withLive(""), nil, "")
		if r.status != 401 || r.body != oauthError("invalid_token", want.desc) || r.header.Get("WWW-Authenticate") != realm("invalid_token", want.desc) {
			t.Errorf("after 7 days: got %d %s %q, want 401 %s", r.status, r.body, r.header.Get("WWW-Authenticate"), want.desc)
		}
		e.wantNote(t, r, want.failure, want.why)
	}
}

// Rows 5 and 7, and the resource settings: fixtures with resource ids,
// another realm, a required authority, records of every JSON type.
func TestResourceSettings(t *testing.T) {
	var records []yaml.Node
	if err := yaml.Unmarshal([]byte(`[{pid: "CN1", n: 7, ok: true, none: null, list: [1.5, "x"], nested: {a: "<b>"}}]`), &records); err != nil {
		t.Fatal(err)
	}
	none := ""
	fx := withOthers(t)
	fx.Clients = append(fx.Clients,
		fixture.OAuthClient{ClientID: "elsewhere", ClientSecret: "s", RedirectURIs: []string{cb}, Scopes: []string{"read_cn"},
			GrantTypes: []string{"client_credentials"}, ResourceIDs: []string{"billing"}},
		fixture.OAuthClient{ClientID: "patents", ClientSecret: "s", RedirectURIs: []string{cb}, Scopes: []string{"read_cn"},
			GrantTypes: []string{"client_credentials"}, ResourceIDs: []string{"billing", "patent-api"}, Authorities: "ROLE_PATENT"},
	)
	fx.Users = append(fx.Users, fixture.OAuthUser{Username: "reader", Password: "r", Authorities: "ROLE_USER, ROLE_PATENT"})
	fx.Resource = fixture.OAuthResource{ResourceID: "patent-api", RequiredAuthority: "ROLE_PATENT", Records: records}
	e := newEnv(t, fx)
	userToken := func(user string) string {
		r := e.tokenCall(creds(clientID, secret)+"&grant_type=authorization_code&redirect_uri="+cb+"&code="+e.mint(clientID, user), nil)
		access, _ := pair(t, r.body)
		return access
	}
	cases := []struct {
		name      string
		token     string
		status    int
		body      string
		challenge string
		failure   string // the catalogue name noted
		why       string // what the noted reason says
	}{
		{"5 the client's resource ids lack the API's", e.clientToken("elsewhere", "s"), 403,
			oauthError("access_denied", "Invalid token does not contain resource id (patent-api)"), `Bearer realm="patent-api"`, "resource_wrong_resource_id", "client elsewhere's resource_ids (billing) do not include this API's patent-api"},
		{"7 a user without the authority", userToken("demo"), 403, oauthError("access_denied", "Access is denied"), "", "resource_access_denied", "the authorities of user demo (none) lack ROLE_PATENT, the authority this API requires"},
		{"a user with it", userToken("reader"), 200,
			`{"errorCode":"000000","errorDesc":"","page_row":"100","page":"1","total":"1","sort_column":"","context":{"records":[{"pid":"CN1","n":7,"ok":true,"none":null,"list":[1.5,"x"],"nested":{"a":"<b>"}}]}}`, "", "", ""},
		{"a client with the resource id and the authority", e.clientToken("patents", "s"), 200, "", "", "", ""},
		{"no token: the realm is the resource id", "", 401,
			oauthError("unauthorized", "Full authentication is required to access this resource"),
			`Bearer realm="patent-api", error="unauthorized", error_description="Full authentication is required to access this resource"`, "resource_unauthenticated", "no Authorization header and no access_token parameter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := ""
			if c.token != "" {
				q = "&access_token=" + c.token
			}
			r := e.send("GET", search(q), nil, "")
			if r.status != c.status || c.body != "" && r.body != c.body || r.header.Get("WWW-Authenticate") != c.challenge {
				t.Errorf("got %d %s %q\nwant %d %s %q", r.status, r.body, r.header.Get("WWW-Authenticate"), c.status, c.body, c.challenge)
			}
			e.wantNote(t, r, c.failure, c.why)
		})
	}
	// No scope required: the other-scope client's tokens pass; empty records.
	fx = defaults(t)
	fx.Resource = fixture.OAuthResource{RequiredScope: &none, Records: []yaml.Node{}}
	e = newEnv(t, fx)
	if r := e.send("GET", search("&access_token="+e.clientToken(otherScopeClient, otherScopeSecret)), nil, ""); r.status != 200 || !strings.Contains(r.body, `"total":"0","sort_column":"","context":{"records":[]}`) {
		t.Errorf("no required scope, no records: got %d %s", r.status, r.body)
	}
}
