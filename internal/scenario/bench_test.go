package scenario

import (
	"net/http"
	"testing"
)

// BenchmarkDecide is the matcher on the hot path: five rules, the last of
// which matches on body, query and header.
func BenchmarkDecide(b *testing.B) {
	src := `rules:
  - {when: {endpoint: oauth.token}, do: {error: token_invalid_code}}
  - {when: {endpoint: isolar.token, match: {body.appkey: nope}}, do: {error: invalid_code}}
  - {when: {endpoint: isolar.token, match: {header.x-other: "*"}}, do: {error: invalid_code}}
  - {when: {endpoint: isolar.refresh}, do: {error: hourly_limit}}
  - when:
      endpoint: isolar.token
      match: {body.appkey: {regex: "^B9"}, query.lang: en, header.x-access-key: "*"}
    do: {pass: true}
`
	sc, err := Parse("bench.yaml", []byte(src), testCatalogue())
	if err != nil {
		b.Fatal(err)
	}
	e := NewEngine(testCatalogue(), 1)
	e.Activate(1, sc, false)
	r, _ := http.NewRequest("POST", "/openapi/apiManage/token?lang=en", nil)
	r.Header.Set("x-access-key", "k")
	body := []byte(`{"appkey":"B968E49385CBD8C74587A374E7B1D21A","code":"rFrnww"}`)
	b.ReportAllocs()
	for b.Loop() {
		if rule, _ := e.decide(1, "1", "isolar.token", r, body); rule == "" {
			b.Fatal("no rule acted")
		}
	}
}
