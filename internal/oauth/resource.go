package oauth

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/spring"
)

// resource is the protected API, checked in the order of
// vendors/di-resource.md §3: the bearer token (§2), the token store, the
// client's resource ids, the access rules; then Spring MVC's method
// mapping, then DI's search.
func (s *Service) resource(c *gin.Context) {
	p := resourceParams(c)
	auth := c.Request.Header.Values("Authorization")
	value, found := bearerToken(auth, p)
	if !found {
		if len(auth) == 0 {
			mock.NoteReason(c, "no Authorization header and no access_token parameter")
		} else {
			scheme, _, _ := strings.Cut(auth[0], " ")
			mock.NoteReason(c, "no bearer token: the Authorization header's scheme is %s, and no access_token parameter", shown(scheme))
		}
		s.writeResourceError(c, errResourceUnauthenticated)
		return
	}
	t, e := s.loadBearer(c, value)
	if e == nil {
		e = s.checkAccess(c, t.Grant)
	}
	if e != nil {
		s.writeResourceError(c, e)
		return
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		mock.NoteReason(c, "method %s not supported on %s (GET, POST)", c.Request.Method, ResourcePath)
		c.Header("Allow", "GET, POST")
		s.writeBootError(c, http.StatusMethodNotAllowed, "Request method '"+c.Request.Method+"' not supported", ResourcePath)
		return
	}
	s.search(c, p)
}

// resourceParams are the parameters as the servlet container gives them:
// Tomcat reads a form body for POST only.
func resourceParams(c *gin.Context) params {
	p := readParams(c)
	if c.Request.Method != http.MethodPost {
		p.form = nil
	}
	return p
}

// bearerToken is Spring's BearerTokenExtractor: the first Authorization
// header starting with "bearer" in any case gives the rest, trimmed as
// Java trims and cut at a comma past its first character; otherwise the
// access_token parameter. found is false when neither is there: an empty
// token is still a token.
func bearerToken(authorization []string, p params) (token string, found bool) {
	for _, v := range authorization {
		if len(v) >= 6 && asciiFold(v[:6]) == "bearer" {
			token = strings.TrimFunc(v[6:], func(r rune) bool { return r <= ' ' })
			if i := strings.IndexByte(token, ','); i > 0 {
				token = token[:i]
			}
			return token, true
		}
	}
	return p.get("access_token")
}

// asciiFold lower-cases ASCII letters only, as Java's toLowerCase does
// for the letters of "bearer".
func asciiFold(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// loadBearer is DefaultTokenServices.loadAuthentication on the shared
// token store: rows 2–4. An expired token is removed on the way. A
// refusal's reason is noted.
func (s *Service) loadBearer(c *gin.Context, value string) (spring.Token, *Error) {
	ctx := c.Request.Context()
	t, err := s.tokens.LoadAccess(mock.SessionID(ctx), value, s.deps.Now(ctx))
	switch {
	case errors.Is(err, spring.ErrAccessExpired):
		mock.NoteReason(c, "access token %s", s.expiredAt(c, t.ExpiresAt))
		return t, errResourceExpiredToken.withValue(value)
	case err != nil && value == "":
		mock.NoteReason(c, "the bearer token is empty")
		return t, errResourceInvalidToken.withValue(value)
	case err != nil:
		mock.NoteReason(c, "access token unknown in session %s (never issued here, refreshed away, or expired and removed)", mock.SessionName(c))
		return t, errResourceInvalidToken.withValue(value)
	case s.clients[t.Grant.Client] == nil:
		mock.NoteReason(c, "client %s of the token is not in the fixtures", t.Grant.Client)
		return t, errResourceClientNotValid.withValue(t.Grant.Client)
	}
	return t, nil
}

// checkAccess is OAuth2AuthenticationManager's resource id check (row 5)
// and the access rules of the API: its scope (row 6), then its authority
// (row 7). A refusal's reason is noted.
func (s *Service) checkAccess(c *gin.Context, g spring.Grant) *Error {
	cl := s.clients[g.Client]
	if len(cl.ResourceIDs) > 0 && !slices.Contains(cl.ResourceIDs, s.resourceID) {
		mock.NoteReason(c, "client %s's resource_ids (%s) do not include this API's %s", cl.ClientID, listed(cl.ResourceIDs), s.resourceID)
		return s.wrongResourceID()
	}
	if s.requiredScope != "" && !slices.Contains(strings.Fields(g.Scope), s.requiredScope) {
		mock.NoteReason(c, "the token's scope (%s) lacks %s, the scope this API requires", listed(strings.Fields(g.Scope)), s.requiredScope)
		return s.insufficientScope()
	}
	if s.requiredAuthority != "" && !slices.Contains(s.authorities(g), s.requiredAuthority) {
		who := "user " + g.User
		if g.User == "" {
			who = "client " + g.Client
		}
		mock.NoteReason(c, "the authorities of %s (%s) lack %s, the authority this API requires", who, listed(s.authorities(g)), s.requiredAuthority)
		return errResourceAccessDenied
	}
	return nil
}

// authorities are those of the token's authentication: the user's, or for
// a client-only token the client's.
func (s *Service) authorities(g spring.Grant) []string {
	if g.User == "" {
		if cl := s.clients[g.Client]; cl != nil {
			return fixture.SplitAuthorities(cl.Authorities)
		}
		return nil
	}
	if u := s.users[g.User]; u != nil {
		return fixture.SplitAuthorities(u.Authorities)
	}
	return nil
}

// searchBody is DI's search answer (vendors/di-resource.md §3a), built
// from what its clients read; values are strings, as in every capture.
type searchBody struct {
	ErrorCode  string        `json:"errorCode"`
	ErrorDesc  string        `json:"errorDesc"`
	PageRow    string        `json:"page_row"`
	Page       string        `json:"page"`
	Total      string        `json:"total"`
	SortColumn string        `json:"sort_column"`
	Context    searchContext `json:"context"`
}

type searchContext struct {
	Records []json.RawMessage `json:"records"`
}

// Paging of the search: what a missing or unusable page or page_row
// stands for, and the platform's limit on how deep one may page.
const (
	defaultPage    = 1
	defaultPageRow = 10
	maxResults     = 10000
)

// search answers a query from the fixture records, paged by page and
// page_row; express is not evaluated, only required.
func (s *Service) search(c *gin.Context, p params) {
	if strings.TrimSpace(p.value("express")) == "" {
		mock.NoteReason(c, "express parameter missing or blank")
		s.writeSearchError(c, errSearchSyntax, p)
		return
	}
	page, pageRow := positive(p.value("page"), defaultPage), positive(p.value("page_row"), defaultPageRow)
	if page > maxResults || pageRow > maxResults || page*pageRow > maxResults {
		mock.NoteReason(c, "page %d of page_row %d goes past the first %d results", page, pageRow, maxResults)
		s.writeSearchError(c, errSearchLimit, p)
		return
	}
	records := []json.RawMessage{}
	if start := (page - 1) * pageRow; start < len(s.records) {
		records = s.records[start:min(start+pageRow, len(s.records))]
	}
	mock.WriteJSON(c, http.StatusOK, jsonType, searchBody{
		ErrorCode: "000000", PageRow: p.value("page_row"), Page: p.value("page"), Total: strconv.Itoa(len(s.records)),
		SortColumn: p.value("sort_column"), Context: searchContext{records},
	})
}

// positive reads a page number or size: anything but a positive integer
// gives def, and one too large for an int is past any limit.
func positive(v string, def int) int {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	switch {
	case errors.Is(err, strconv.ErrRange) && n > 0:
		return math.MaxInt32
	case err != nil || n < 1:
		return def
	}
	return int(n)
}

// searchError is one of DI's business failures, answered with HTTP 200 in
// its pretty-printed envelope.
type searchError struct {
	Name, Code, Desc string
	// echo: the answer repeats page_row and page (the 000003 capture does,
	// the others answer them empty).
	echo bool
}

// The business failures captured in DI's client code (vendors/di-resource.md §1).
var (
	errSearchLimit    = searchError{"resource_result_limit", "000016", "错误代码[000016] ==> 查询错误，最多只能返回查询条件前10000条数据", false}
	errSearchSyntax   = searchError{"resource_expression_error", "表达式语法错误", "错误代码[表达式语法错误] ==> 当前表达式：null。存在语法错误，请重新编辑表达式后进行检索。", false}
	errSearchDatabase = searchError{"resource_database_error", "000003", "错误代码[000003] ==> 连接数据查询库异常", true}
)

var searchCatalogue = []searchError{errSearchLimit, errSearchSyntax, errSearchDatabase}

// writeSearchError is the one writer of the business failures: Jackson's
// default pretty printer (two-space indent, " : ", CRLF as captured),
// every value a string, context an empty string.
func (s *Service) writeSearchError(c *gin.Context, e searchError, p params) {
	mock.NoteFailure(c, e.Name)
	mock.NoteCode(c, "errorCode", e.Code)
	pageRow, page := "", ""
	if e.echo {
		pageRow, page = p.value("page_row"), p.value("page")
	}
	fields := [][2]string{
		{"errorCode", e.Code}, {"errorDesc", e.Desc}, {"page_row", pageRow}, {"page", page},
		{"total", ""}, {"sort_column", ""}, {"context", ""},
	}
	b := []byte("{")
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\r\n  "...)
		b = append(b, jsonString(f[0])...)
		b = append(b, " : "...)
		b = append(b, jsonString(f[1])...)
	}
	b = append(b, "\r\n}"...)
	c.Data(http.StatusOK, jsonType, b)
}

// jsonString is s as a JSON string, without HTML escaping.
func jsonString(s string) []byte {
	b, err := mock.EncodeJSON(s)
	if err != nil {
		panic("oauth: a string does not encode: " + err.Error())
	}
	return b
}
