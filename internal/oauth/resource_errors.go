package oauth

import (
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// resourceErr is an outcome of Spring's resource server answered by its
// OAuth2AuthenticationEntryPoint, which puts the realm in the challenge.
func resourceErr(name string, status int, code, desc string) *Error {
	return &Error{Name: name, Status: status, Code: code, Description: desc, entryPoint: true}
}

// deniedErr is one answered by OAuth2AccessDeniedHandler: no realm.
func deniedErr(name string, status int, code, desc string) *Error {
	return &Error{Name: name, Status: status, Code: code, Description: desc}
}

// The protected API's failures, vendors/di-resource.md §3 rows 1–7.
var (
	errResourceUnauthenticated   = resourceErr("resource_unauthenticated", 401, "unauthorized", "Full authentication is required to access this resource")
	errResourceInvalidToken      = resourceErr("resource_invalid_token", 401, "invalid_token", "Invalid access token: X")
	errResourceExpiredToken      = resourceErr("resource_expired_token", 401, "invalid_token", "Access token expired: X")
	errResourceClientNotValid    = resourceErr("resource_client_not_valid", 401, "invalid_token", "Client not valid: X")
	errResourceWrongResourceID   = resourceErr("resource_wrong_resource_id", 403, "access_denied", "Invalid token does not contain resource id (X)")
	errResourceInsufficientScope = deniedErr("resource_insufficient_scope", 403, "insufficient_scope", "Insufficient scope for this resource")
	errResourceAccessDenied      = deniedErr("resource_access_denied", 403, "access_denied", "Access is denied")
)

var resourceCatalogue = []*Error{
	errResourceUnauthenticated, errResourceInvalidToken, errResourceExpiredToken, errResourceClientNotValid,
	errResourceWrongResourceID, errResourceInsufficientScope, errResourceAccessDenied,
}

// wrongResourceID is row 5 naming the mock's resource id.
func (s *Service) wrongResourceID() *Error {
	return errResourceWrongResourceID.WithDescription("Invalid token does not contain resource id (" + s.resourceID + ")")
}

// insufficientScope is row 6 naming the scope the API requires.
func (s *Service) insufficientScope() *Error {
	scope := s.requiredScope
	if scope == "" { // none required: only a scenario answers it
		scope = "read_cn"
	}
	return errResourceInsufficientScope.WithScope(scope)
}

// summary is OAuth2Exception.getSummary: the exception as challenge
// parameters, values unescaped as Spring leaves them.
func (e *Error) summary() string {
	s := `error="` + e.Code + `", error_description="` + e.Description + `"`
	if e.Scope != "" {
		s += `, scope="` + e.Scope + `"`
	}
	return s
}

// resourceChallenge is the WWW-Authenticate of e as Spring's resource server
// sends it: DefaultWebResponseExceptionTranslator gives a 401 and an
// insufficient scope a Bearer summary; the entry point then puts
// `Bearer realm="<realm>"` first, rebuilding the rest from its words (so
// runs of spaces become one).
func (e *Error) resourceChallenge(realm string) string {
	summary := ""
	if e.Status == http.StatusUnauthorized || e.Code == "insufficient_scope" {
		summary = e.summary()
	}
	if !e.entryPoint {
		if summary == "" {
			return ""
		}
		return "Bearer " + summary
	}
	h := `Bearer realm="` + realm + `"`
	if summary != "" {
		h += ", " + strings.Join(strings.FieldsFunc(summary, func(r rune) bool { return r == ' ' }), " ")
	}
	return h
}

// writeResourceError is the one writer of the resource server's OAuth
// errors (vendors/di-resource.md §3): Spring's DefaultOAuth2ExceptionRenderer
// writes JSON or XML by the request's Accept, or a bare 406.
func (s *Service) writeResourceError(c *gin.Context, e *Error) {
	mock.NoteFailure(c, e.Name)
	ct, xml, ok := negotiate(c.Request.Header.Values("Accept"))
	if !ok {
		// HttpMediaTypeNotAcceptableException goes to Spring MVC's
		// resolver before any header of the error was written.
		c.Status(http.StatusNotAcceptable)
		return
	}
	mock.NoteCode(c, "error", e.Code)
	if h := e.resourceChallenge(s.resourceID); h != "" {
		c.Header("WWW-Authenticate", h)
	}
	noStore(c)
	if xml {
		c.Data(e.Status, ct, []byte("<oauth><error_description>"+xmlEscape.Replace(e.Description)+"</error_description><error>"+xmlEscape.Replace(e.Code)+"</error></oauth>"))
		return
	}
	mock.WriteJSON(c, e.Status, jsonType, errorBody{e.Code, e.Description, e.Scope})
}

// xmlEscape is the JAXB reference implementation's MinimumEscapeHandler.
var xmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")

// mediaType is one entry of an Accept header.
type mediaType struct {
	typ, sub string
	q        float64
	params   int
}

func (m mediaType) wildcardSub() bool { return m.sub == "*" || strings.HasPrefix(m.sub, "*+") }

func (m mediaType) suffix() string {
	if _, after, ok := strings.Cut(m.sub, "+"); ok {
		return after
	}
	return ""
}

// compatible is Spring's MimeType.isCompatibleWith.
func (m mediaType) compatible(o mediaType) bool {
	if m.typ == "*" || o.typ == "*" {
		return true
	}
	if m.typ != o.typ {
		return false
	}
	if m.sub == o.sub || m.sub == "*" || o.sub == "*" {
		return true
	}
	switch ms, os := m.suffix(), o.suffix(); {
	case m.wildcardSub() && ms != "":
		return ms == o.sub || ms == os
	case o.wildcardSub() && os != "":
		return m.sub == os || os == ms
	}
	return false
}

// The converters Spring's renderer tries for an OAuth2Exception, in order:
// Jackson's JSON, then JaxbOAuth2ExceptionMessageConverter.
var (
	jsonTypes = []mediaType{{typ: "application", sub: "json"}, {typ: "application", sub: "*+json"}}
	xmlTypes  = []mediaType{{typ: "application", sub: "xml"}, {typ: "text", sub: "xml"}, {typ: "application", sub: "*+xml"}}
)

// negotiate picks the converter Spring's DefaultOAuth2ExceptionRenderer
// would: Accept entries by quality (Spring's MediaType.sortByQualityValue),
// the first converter that can write the first entry it can. ok is false
// when none can (a 406). Entries that do not parse are skipped (Spring
// would fail with a 500: bad input never gets one here); no usable entry
// is */*. An XML answer's Content-Type is the accepted type when it is
// concrete, else application/xml.
func negotiate(accept []string) (contentType string, xml, ok bool) {
	var types []mediaType
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			if m, ok := parseMediaType(part); ok {
				types = append(types, m)
			}
		}
	}
	if len(types) == 0 {
		return jsonType, false, true
	}
	slices.SortStableFunc(types, byQuality)
	for _, m := range types {
		if slices.ContainsFunc(jsonTypes, m.compatible) {
			return jsonType, false, true
		}
		if slices.ContainsFunc(xmlTypes, m.compatible) {
			if m.typ == "*" || m.wildcardSub() {
				return "application/xml", true, true
			}
			return m.typ + "/" + m.sub, true, true
		}
	}
	return "", false, false
}

// parseMediaType reads one Accept entry; "*" alone is */*.
func parseMediaType(s string) (mediaType, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return mediaType{}, false
	}
	if s == "*" || strings.HasPrefix(s, "*;") {
		s = "*/" + s
	}
	full, params, err := mime.ParseMediaType(s)
	if err != nil {
		return mediaType{}, false
	}
	typ, sub, found := strings.Cut(full, "/")
	if !found || typ == "*" && sub != "*" {
		return mediaType{}, false
	}
	m := mediaType{typ: typ, sub: sub, q: 1, params: len(params)}
	if q, ok := params["q"]; ok {
		v, err := strconv.ParseFloat(q, 64)
		if err != nil || v < 0 || v > 1 {
			return mediaType{}, false
		}
		m.q = v
	}
	return m, true
}

// byQuality is Spring's MediaType.QUALITY_VALUE_COMPARATOR: higher
// quality first, then the more specific of one type.
func byQuality(a, b mediaType) int {
	switch {
	case a.q != b.q:
		if a.q > b.q {
			return -1
		}
		return 1
	case a.typ == "*" && b.typ != "*":
		return 1
	case b.typ == "*" && a.typ != "*":
		return -1
	case a.typ != b.typ:
		return 0
	case a.wildcardSub() && !b.wildcardSub():
		return 1
	case b.wildcardSub() && !a.wildcardSub():
		return -1
	case a.sub != b.sub:
		return 0
	}
	return b.params - a.params
}
