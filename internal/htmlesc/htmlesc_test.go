package htmlesc_test

import (
	"html/template"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/htmlesc"
)

// Each escaper against html/template in the context it stands for.
func TestMatchesHTMLTemplate(t *testing.T) {
	ref := template.Must(template.New("").Parse(`{{define "text"}}<p>{{.}}</p>{{end}}` +
		`{{define "attr"}}<input value="{{.}}">{{end}}` +
		`{{define "title"}}<title>{{.}}</title>{{end}}` +
		`{{define "url"}}<form action="{{.}}/x">{{end}}` +
		`{{define "js"}}<script>f({{.}} + 'x')</script>{{end}}`))
	cases := []struct {
		name     string
		esc      func(string) string
		pre, suf string
	}{
		{"text", htmlesc.Text, "<p>", "</p>"},
		{"attr", htmlesc.Text, `<input value="`, `">`},
		{"title", htmlesc.Text, "<title>", "</title>"},
		{"url", htmlesc.URLAttr, `<form action="`, `/x">`},
		{"js", htmlesc.JSString, "<script>f(", " + 'x')</script>"},
	}
	values := []string{
		"", "plain", "/s/suite-42", `<b>"x" & 'y' + z</b>`, "nul\x00, \u2028\u2029, é 日本, \ufdd0\uffff",
		"javascript:alert(1)", "HTTPS://x.example/a b?c=%41%zz", "mailto:a@b", "a:b/c", "/c:d", "</script><!--",
	}
	for _, c := range cases {
		for _, v := range values {
			var b strings.Builder
			if err := ref.ExecuteTemplate(&b, c.name, v); err != nil {
				t.Fatal(err)
			}
			if got := c.pre + c.esc(v) + c.suf; got != b.String() {
				t.Errorf("%s %q: got %s, want %s", c.name, v, got, b.String())
			}
		}
	}
}
