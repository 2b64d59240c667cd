package oauth

import (
	"mime"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// params are a request's parameters as a servlet's getParameter sees them:
// the query string, then a form body; for a repeated name the first wins.
type params struct{ query, form url.Values }

func readParams(c *gin.Context) params {
	p := params{query: c.Request.URL.Query()}
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		p.form, _ = url.ParseQuery(string(mock.Req(c).Body))
	}
	return p
}

// get returns the first value and whether the parameter was sent at all.
func (p params) get(name string) (string, bool) {
	if v, ok := p.query[name]; ok && len(v) > 0 {
		return v[0], true
	}
	if v, ok := p.form[name]; ok && len(v) > 0 {
		return v[0], true
	}
	return "", false
}

func (p params) value(name string) string {
	v, _ := p.get(name)
	return v
}

// names lists every parameter name, query first.
func (p params) names() []string {
	var out []string
	for _, vs := range []url.Values{p.query, p.form} {
		for k := range vs {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// parseList is OAuth2Utils.parseParameterList: split on whitespace and
// '+', de-duplicated and sorted, as a Java TreeSet.
func parseList(s string) []string {
	out := strings.FieldsFunc(s, func(r rune) bool { return r == '+' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' })
	slices.Sort(out)
	return slices.Compact(out)
}

// javaSet renders a set as Java's Set.toString does: [a, b].
func javaSet(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

// keep are the characters Spring's UriComponents.encode leaves alone in a
// query value; a fragment also keeps '&' and '='.
const keepQuery = "-._~!$'()*+,;:@/?"

// encodeQuery percent-encodes a query value the way Spring does (space is
// %20, and '+' stays a raw '+').
func encodeQuery(s string) string { return encode(s, keepQuery) }

// encodeFragment percent-encodes a fragment value the way Spring does.
func encodeFragment(s string) string { return encode(s, keepQuery+"&=") }

func encode(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(keep, ch) >= 0) {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
