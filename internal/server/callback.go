package server

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// CallbackPath is the mock's own redirect target: the default fixtures
// register http://localhost:8080/_mock/callback with the iSolarCloud apps
// and the DI clients, so that a browser walkthrough ends on the mock
// instead of a vendor's real domain.
const CallbackPath = "/_mock/callback"

// callbackPage shows what an authorization server sent to the redirect
// URI. html/template escapes every value, in the page and in the script.
// It is parsed when first shown, not at every start.
var callbackPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("callback").Parse(callbackHTML))
})

const callbackHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tokenmock: redirect received</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 60em; }
pre { background: #f4f4f4; padding: 1em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
th { text-align: left; padding-right: 1em; }
</style>
</head>
<body>
<h1>Redirect received</h1>
<p>This is tokenmock's own redirect page (<code>GET /_mock/callback</code>). The
authorization server sent the browser here with these parameters
(session <code>{{.Session}}</code>):</p>
<table>
{{- range .Params}}
<tr><th>{{.Name}}</th><td><code id="{{.Name}}">{{.Value}}</code></td></tr>
{{- else}}
<tr><td>no <code>code</code>, <code>state</code> or <code>error</code> parameter in the query</td></tr>
{{- end}}
</table>
<p id="fragment" hidden>The address also has a fragment (the implicit grant's token travels there):
<code id="fragment-value"></code></p>
{{- if .Code}}
<h2>Next: exchange the code</h2>
<p>Codes are single-use and live 10 minutes by default. A code belongs to the session of the
authorization page that issued it (a <code>/s/{name}/</code> prefix there), which need not be this
page's: exchange it there, with the redirect URI of the authorization request. For an iSolarCloud code
(the default app):</p>
<pre>curl -s -X POST {{.Base}}/openapi/apiManage/token \
  -H 'Content-Type: application/json' -H 'x-access-key: MOCKSECRETKEY0123456789ABCDEFGHI' \
  -d '{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"{{.Code}}","redirect_uri":"{{.Redirect}}"}'</pre>
<p>For a DI open platform code (the default client):</p>
<pre>curl -s -X POST '{{.Base}}/oauth/token?client_id=2aeb5a5eac1100043817950ada19e0f5&amp;client_secret=ew3c6b0eac111239342wecf26736439&amp;grant_type=authorization_code&amp;redirect_uri={{.RedirectQuery}}&amp;code={{.CodeQuery}}'</pre>
{{- end}}
{{- if .Error}}
<p>The authorization server answered with an error: the user denied access, or the request
was refused (wrong scope, unknown redirect URI…).</p>
{{- end}}
<script>
if (location.hash.length > 1) {
  document.getElementById("fragment-value").textContent = decodeURIComponent(location.hash.slice(1));
  document.getElementById("fragment").hidden = false;
}
</script>
</body>
</html>
`

// callbackParams are the query parameters the page shows, in this order.
var callbackParams = []string{"code", "state", "error", "error_description", "error_uri", "scope"}

type callbackParam struct{ Name, Value string }

type callbackData struct {
	Session       string
	Params        []callbackParam
	Code          string
	CodeQuery     string // the code escaped for a query string
	Error         bool
	Base          string // scheme://host[/s/name] of this request
	Redirect      string // the redirect URI that led here
	RedirectQuery string
}

// callback serves GET /_mock/callback. It is mounted before the admin
// token's guard: a browser's redirect carries no token. It shows only what
// the browser brought in its address, and changes nothing.
func (s *Server) callback(c *gin.Context) {
	q := c.Request.URL.Query()
	req := mock.Req(c)
	d := callbackData{Session: req.Session.Name, Code: q.Get("code"), Error: q.Get("error") != ""}
	// The hint's curl commands are for a code the mock could have issued.
	for _, name := range callbackParams {
		for _, v := range q[name] {
			d.Params = append(d.Params, callbackParam{name, v})
		}
	}
	scheme, host := "http", c.Request.Host
	if c.Request.TLS != nil {
		scheme = "https"
	}
	// The hint is meant to be pasted into a shell: it shows only values
	// that need no quoting there.
	if !shellSafe(host, "-._~:[]") {
		host = "localhost:8080"
	}
	if !shellSafe(d.Code, "-._~") {
		d.Code = ""
	}
	root := scheme + "://" + host
	d.Base = root + req.Prefix
	d.Redirect = root + req.Prefix + CallbackPath
	d.RedirectQuery = url.QueryEscape(d.Redirect)
	d.CodeQuery = url.QueryEscape(d.Code)
	var b bytes.Buffer
	if err := callbackPage().Execute(&b, d); err != nil {
		mock.WriteAdminError(c.Writer, &mock.AdminError{Status: http.StatusInternalServerError, Message: "callback page: " + err.Error()})
		return
	}
	// The page runs one inline script of its own and loads nothing.
	writePage(c, "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'", b.Bytes())
}

// writePage answers one of the mock's own pages, with its content
// security policy; none is cached or leaks its address.
func writePage(c *gin.Context, csp string, page []byte) {
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Writer.WriteHeader(http.StatusOK)
	c.Writer.Write(page)
}

// shellSafe reports whether s is made of ASCII letters, digits and the
// bytes of extra only: nothing a shell or a JSON string would interpret.
func shellSafe(s, extra string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte(extra, c) >= 0:
		default:
			return false
		}
	}
	return true
}
