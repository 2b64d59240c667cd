package scenario

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// probe is one request as decide sees it.
type probe struct {
	endpoint string
	header   map[string]string
	query    string // without "?"
	body     string
}

// decideOn asks e which rule acts on p in session, counting it.
func decideOn(t *testing.T, e *Engine, session uint64, p probe) (string, *Action) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/any?"+p.query, nil)
	for k, v := range p.header {
		r.Header.Set(k, v)
	}
	return e.decide(session, strconv.FormatUint(session, 10), p.endpoint, r, []byte(p.body))
}

// engineWith is an engine whose session 1 has the inline scenario src.
func engineWith(t *testing.T, src string) *Engine {
	t.Helper()
	e := NewEngine(testCatalogue(), 1)
	e.Activate(1, mustParse(t, src), false)
	return e
}

func TestDecideBudgets(t *testing.T) {
	// want is the rule that acts on each request in turn ("" for none),
	// and for a raw answer its status.
	type want struct {
		endpoint, rule string
		status         int
	}
	const tok, ref = "isolar.token", "isolar.refresh"
	cases := []struct {
		name string
		src  string
		want []want
	}{
		{
			name: "times",
			src:  "rules: [{when: {endpoint: isolar.token}, times: 2, do: {status: 503}}]",
			want: []want{{tok, "inline/rules[0]", 503}, {tok, "inline/rules[0]", 503}, {tok, "", 0}, {tok, "", 0}},
		},
		{
			name: "after then times",
			src:  "rules: [{when: {endpoint: isolar.token}, after: 2, times: 2, do: {status: 503}}]",
			want: []want{{tok, "", 0}, {tok, "", 0}, {tok, "inline/rules[0]", 503}, {tok, "inline/rules[0]", 503}, {tok, "", 0}},
		},
		{
			name: "after alone acts on every later request",
			src:  "rules: [{when: {endpoint: isolar.token}, after: 1, do: {status: 503}}]",
			want: []want{{tok, "", 0}, {tok, "inline/rules[0]", 503}, {tok, "inline/rules[0]", 503}, {tok, "inline/rules[0]", 503}},
		},
		{
			name: "sequence hands out its steps in order, then stops",
			src:  "rules: [{when: {endpoint: isolar.token}, sequence: [{status: 501}, {status: 502}, {status: 503}]}]",
			want: []want{{tok, "inline/rules[0]", 501}, {tok, "inline/rules[0]", 502}, {tok, "inline/rules[0]", 503}, {tok, "", 0}},
		},
		{
			name: "sequence after",
			src:  "rules: [{when: {endpoint: isolar.token}, after: 1, sequence: [{status: 501}, {status: 502}]}]",
			want: []want{{tok, "", 0}, {tok, "inline/rules[0]", 501}, {tok, "inline/rules[0]", 502}, {tok, "", 0}},
		},
		{
			name: "the first rule with budget acts",
			src: `rules:
  - {name: first, when: {endpoint: isolar.token}, times: 1, do: {status: 501}}
  - {name: second, when: {endpoint: isolar.token}, do: {status: 502}}`,
			want: []want{{tok, "inline/first", 501}, {tok, "inline/second", 502}, {tok, "inline/second", 502}},
		},
		{
			// The second rule sees only the requests the first one let
			// through: its after: 1 skips the third request, not the first.
			name: "a rule counts only the requests that reach it",
			src: `rules:
  - {when: {endpoint: isolar.token}, times: 2, do: {status: 501}}
  - {when: {endpoint: isolar.token}, after: 1, do: {status: 502}}`,
			want: []want{{tok, "inline/rules[0]", 501}, {tok, "inline/rules[0]", 501}, {tok, "", 0}, {tok, "inline/rules[1]", 502}},
		},
		{
			name: "requests to other endpoints do not count",
			src:  "rules: [{when: {endpoint: isolar.token}, after: 1, times: 1, do: {status: 503}}]",
			want: []want{{ref, "", 0}, {tok, "", 0}, {ref, "", 0}, {tok, "inline/rules[0]", 503}, {ref, "", 0}, {tok, "", 0}},
		},
		{
			name: "a list of endpoints",
			src:  "rules: [{when: {endpoint: [isolar.token, isolar.refresh]}, do: {status: 503}}]",
			want: []want{{tok, "inline/rules[0]", 503}, {ref, "inline/rules[0]", 503}, {"solarman.info", "", 0}},
		},
		{
			name: "any endpoint",
			src:  "rules: [{when: {endpoint: '*'}, do: {status: 503}}]",
			want: []want{{tok, "inline/rules[0]", 503}, {"oauth.token", "inline/rules[0]", 503}, {"solarman.info", "inline/rules[0]", 503}},
		},
		{
			name: "named scenario and rule",
			src:  "name: flaky\nrules: [{name: slow-start, when: {endpoint: isolar.token}, do: {status: 503}}]",
			want: []want{{tok, "flaky/slow-start", 503}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := engineWith(t, c.src)
			for i, w := range c.want {
				rule, a := decideOn(t, e, 1, probe{endpoint: w.endpoint})
				status := 0
				if a != nil {
					status = a.Status
				}
				if rule != w.rule || status != w.status {
					t.Errorf("request %d to %s: got rule %q status %d, want %q %d", i, w.endpoint, rule, status, w.rule, w.status)
				}
			}
		})
	}
}

func TestDecideWithoutScenario(t *testing.T) {
	e := NewEngine(testCatalogue(), 1)
	if rule, a := decideOn(t, e, 1, probe{endpoint: "isolar.token"}); rule != "" || a != nil {
		t.Errorf("got rule %q action %+v, want none", rule, a)
	}
}

func TestDecideMatches(t *testing.T) {
	cases := []struct {
		name  string
		match string // the rule's match mapping, in YAML flow style
		p     probe
		want  bool
	}{
		{"header exact", `{header.x-access-key: k1}`, probe{header: map[string]string{"X-Access-Key": "k1"}}, true},
		{"header other value", `{header.x-access-key: k1}`, probe{header: map[string]string{"X-Access-Key": "k2"}}, false},
		{"header missing", `{header.x-access-key: k1}`, probe{}, false},
		{"header any value", `{header.x-access-key: "*"}`, probe{header: map[string]string{"X-Access-Key": "whatever"}}, true},
		{"header any value, missing", `{header.x-access-key: "*"}`, probe{}, false},
		{"header regex", `{header.x-access-key: {regex: "^k[0-9]$"}}`, probe{header: map[string]string{"X-Access-Key": "k7"}}, true},
		{"header regex, no match", `{header.x-access-key: {regex: "^k[0-9]$"}}`, probe{header: map[string]string{"X-Access-Key": "kx"}}, false},
		{"query exact", `{query.lang: en}`, probe{query: "lang=en&x=1"}, true},
		{"query other value", `{query.lang: en}`, probe{query: "lang=fr"}, false},
		{"query missing", `{query.lang: en}`, probe{query: "x=en"}, false},
		{"query present and empty", `{query.lang: "*"}`, probe{query: "lang="}, true},
		{"query name is case-sensitive", `{query.lang: en}`, probe{query: "Lang=en"}, false},
		{"JSON body field", `{body.appkey: B968}`, probe{body: `{"appkey":"B968","code":"x"}`}, true},
		{"JSON body field, other value", `{body.appkey: B968}`, probe{body: `{"appkey":"B969"}`}, false},
		{"JSON body nested path", `{body.a.b.c: x}`, probe{body: `{"a":{"b":{"c":"x"}}}`}, true},
		{"JSON body nested path, other value", `{body.a.b.c: x}`, probe{body: `{"a":{"b":{"c":"y"}}}`}, false},
		{"JSON body path through a string", `{body.a.b.c: x}`, probe{body: `{"a":{"b":"c"}}`}, false},
		{"JSON body path missing", `{body.a.b.c: x}`, probe{body: `{"a":{}}`}, false},
		{"JSON body number", `{body.orgId: 860}`, probe{body: `{"orgId":860}`}, true},
		{"JSON body number as a string", `{body.orgId: 860}`, probe{body: `{"orgId":"860"}`}, true},
		{"JSON body other number", `{body.orgId: 860}`, probe{body: `{"orgId":861}`}, false},
		{"JSON body fraction", `{body.x: 1.5}`, probe{body: `{"x":1.5}`}, true},
		// Numbers are compared as written, not through float64.
		{"JSON body integer past float64", `{body.id: "12345678901234567890"}`, probe{body: `{"id":12345678901234567890}`}, true},
		{"JSON body integer past float64, neighbour", `{body.id: "12345678901234567891"}`, probe{body: `{"id":12345678901234567890}`}, false},
		{"JSON body 1.0 as written", `{body.x: "1.0"}`, probe{body: `{"x":1.0}`}, true},
		{"JSON body exponent as written", `{body.x: "1e3"}`, probe{body: `{"x":1e3}`}, true},
		{"JSON body exponent is not its value", `{body.x: "1000"}`, probe{body: `{"x":1e3}`}, false},
		{"JSON body with trailing data is no JSON", `{body.a: "*"}`, probe{body: `{"a":1}}`}, false},
		{"JSON body boolean", `{body.ok: true}`, probe{body: `{"ok":true}`}, true},
		{"JSON body null", `{body.x: "null"}`, probe{body: `{"x":null}`}, true},
		{"JSON body object, compact", `{body.a: '{"b":1}'}`, probe{body: `{"a": {"b": 1}}`}, true},
		{"JSON body any value", `{body.code: "*"}`, probe{body: `{"code":""}`}, true},
		{"JSON body any value, missing", `{body.code: "*"}`, probe{body: `{"other":1}`}, false},
		{"JSON body regex", `{body.appkey: {regex: "^B9"}}`, probe{body: `{"appkey":"B968"}`}, true},
		{"JSON body regex, no match", `{body.appkey: {regex: "^B9"}}`, probe{body: `{"appkey":"A968"}`}, false},
		{"form body field", `{body.appkey: B968}`, probe{body: "code=x&appkey=B968"}, true},
		{"form body other value", `{body.appkey: B968}`, probe{body: "appkey=other"}, false},
		{"form body field named with a dot", `{body.a.b: x}`, probe{body: "a.b=x"}, true},
		{"form body missing", `{body.appkey: "*"}`, probe{body: "code=x"}, false},
		{"body neither JSON nor form", `{body.appkey: "*"}`, probe{body: "<xml/>"}, false},
		{"body JSON null", `{body.appkey: "*"}`, probe{body: "null"}, false},
		{"no body", `{body.appkey: "*"}`, probe{}, false},
		{"every entry holds", `{header.x-a: "1", query.q: "2", body.b: "3"}`, probe{header: map[string]string{"X-A": "1"}, query: "q=2", body: `{"b":3}`}, true},
		{"one entry fails", `{header.x-a: "1", query.q: "2", body.b: "3"}`, probe{header: map[string]string{"X-A": "1"}, query: "q=0", body: `{"b":3}`}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := engineWith(t, fmt.Sprintf("rules: [{when: {endpoint: isolar.token, match: %s}, do: {status: 503}}]", c.match))
			c.p.endpoint = "isolar.token"
			rule, _ := decideOn(t, e, 1, c.p)
			if got := rule != ""; got != c.want {
				t.Errorf("got acted %v (rule %q), want %v", got, rule, c.want)
			}
		})
	}
}

// pattern is which of n requests rule acts on ("x" acted, "." not), in
// session 1 of a fresh engine seeded with seed.
func pattern(t *testing.T, seed uint64, src string, n int) string {
	t.Helper()
	e := NewEngine(testCatalogue(), seed)
	e.Activate(1, mustParse(t, src), false)
	var b strings.Builder
	for range n {
		if rule, _ := decideOn(t, e, 1, probe{endpoint: "isolar.token"}); rule != "" {
			b.WriteByte('x')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func TestDecideProbability(t *testing.T) {
	const n = 200
	rule := func(extra string) string {
		return "rules: [{when: {endpoint: isolar.token}, " + extra + "do: {status: 503}}]"
	}
	cases := []struct {
		name                 string
		src                  string
		wantMin, wantMax     int // acted, out of n
		wantSameAsOtherSeeds bool
	}{
		{"always", rule("probability: 1, "), n, n, true},
		{"tiny", rule("probability: 0.000001, "), 0, 0, true},
		{"half", rule("probability: 0.5, "), 1, n - 1, false},
		{"half within times", rule("probability: 0.5, times: 3, "), 3, 3, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := pattern(t, 42, c.src, n)
			if again := pattern(t, 42, c.src, n); again != got {
				t.Errorf("seed 42 twice: got\n%s\n%s\nwant the same decisions", got, again)
			}
			if acted := strings.Count(got, "x"); acted < c.wantMin || acted > c.wantMax {
				t.Errorf("got %d of %d acted (%s), want %d to %d", acted, n, got, c.wantMin, c.wantMax)
			}
			if other := pattern(t, 43, c.src, n); (other == got) != c.wantSameAsOtherSeeds {
				t.Errorf("seeds 42 and 43: got\n%s\n%s\nwant same decisions: %v", got, other, c.wantSameAsOtherSeeds)
			}
		})
	}
}
