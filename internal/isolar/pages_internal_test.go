package isolar

import (
	"html/template"
	"os"
	"strings"
	"testing"
)

// The hand-written pages of pages.go against templates/*.html rendered by
// html/template: the same bytes for ordinary values and for values made of
// every character html/template escapes in each context (text, attribute,
// URL attribute, script).
func TestPagesMatchTemplates(t *testing.T) {
	ref := template.Must(template.ParseFS(os.DirFS("templates"), "*.html"))
	hostile := []string{
		"",
		"plain",
		"/s/suite-42",
		`<script>alert("x")</script> & 'quoted' + plus`,
		"nul\x00byte, \u2028 line \u2029 para, é ü 日本, \ufdd0 \uffff",
		"javascript:alert(1)",
		"JavaScript:x",
		"https://example.com/cb?a=1&b=%zz%41 space",
		"mailto:x@y",
		"/s/x</script><!-- ]]> `back` \\ \x7f",
		"a:b/c",
		"/path:with/colon",
	}
	render := func(name string, data any) string {
		var b strings.Builder
		if err := ref.ExecuteTemplate(&b, name, data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return b.String()
	}
	check := func(name, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s: the pages differ\ngot:\n%s\nwant:\n%s", name, got, want)
		}
	}
	for _, v := range hostile {
		check("error.html "+v, errorHTML(v), render("error.html", struct{ Message string }{v}))
		check("shim.html "+v, shimHTML(v), render("shim.html", struct{ Prefix string }{v}))
		for _, errMsg := range []string{"", v} {
			d := loginData{authParams: authParams{CloudID: v, ApplicationID: v + "1", RedirectURL: v, State: v}, Prefix: v, App: v, Account: v, Error: errMsg}
			check("login.html "+v, loginHTML(d), render("login.html", d))
		}
		for _, plants := range [][]string{nil, {v}, {"Plant A", v, "Plant C"}} {
			d := consentData{Prefix: v, App: v, Account: v, Ticket: v, Plants: plants}
			check("consent.html "+v, consentHTML(d), render("consent.html", d))
		}
	}
}
