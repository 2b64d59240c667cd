package scenario

import (
	"errors"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

// testCatalogue has the endpoints of the vendors' tables and a few
// failures per endpoint, as their specs would give.
func testCatalogue() *Catalogue {
	return NewCatalogue(
		mock.Spec{Vendor: "isolar", Endpoints: []mock.EndpointSpec{
			{ID: "isolar.authorize"},
			{ID: "isolar.token", Tokens: true, JSON: true, Failures: []string{"hourly_limit", "invalid_code"}},
			{ID: "isolar.refresh", Tokens: true, JSON: true, Failures: []string{"hourly_limit"}},
		}},
		mock.Spec{Vendor: "solarman", Endpoints: []mock.EndpointSpec{
			{ID: "solarman.token", Tokens: true, JSON: true},
			{ID: "solarman.info", JSON: true},
		}},
		mock.Spec{Vendor: "oauth", Endpoints: []mock.EndpointSpec{
			{ID: "oauth.authorize", Tokens: true},
			{ID: "oauth.token", Tokens: true, JSON: true, Failures: []string{"token_invalid_code"}},
		}},
	)
}

// problemsOf is the problems of a failed load.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var e *yamlfile.Errors
	if !errors.As(err, &e) {
		t.Fatalf("got error %T %v, want *yamlfile.Errors", err, err)
	}
	return e.Problems
}

func TestParseValid(t *testing.T) {
	src := `name: flaky
description: a story
rules:
  - name: slow-start
    when:
      endpoint: isolar.token
      match:
        body.appkey: B968
        header.x-access-key: "*"
        query.x: {regex: "^a+$"}
    times: 2
    do: {fault: hang}
  - when: {endpoint: [isolar.token, isolar.refresh]}
    after: 1
    probability: 0.5
    do: {error: hourly_limit, delay: {min: 1s, max: 2s}}
  - when: {endpoint: isolar.token}
    sequence:
      - {status: 503, body: down, headers: {Retry-After: "5"}}
      - {delay: 2s}
      - {token_ttl: 30s, set: {result_data.expires_in: 7, result_msg: ok}}
      - {pass: true}
  - when: {endpoint: "*"}
    do: {fault: reset}
`
	sc, err := Parse("x.yaml", []byte(src), testCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "flaky" || len(sc.Rules) != 4 {
		t.Fatalf("got %+v", sc)
	}
	r0, r1, r2, r3 := sc.Rules[0], sc.Rules[1], sc.Rules[2], sc.Rules[3]
	if r0.Name != "slow-start" || r0.Times != 2 || len(r0.Match) != 3 || r0.Steps[0].Fault != FaultHang || !r0.Endpoints["isolar.token"] {
		t.Errorf("rule 0: got %+v", r0)
	}
	if r1.Name != "rules[1]" || r1.After != 1 || r1.Probability != 0.5 || r1.Steps[0].Error != "hourly_limit" || r1.Steps[0].DelayMax.Seconds() != 2 || len(r1.Endpoints) != 2 {
		t.Errorf("rule 1: got %+v", r1)
	}
	if !r2.Sequence || len(r2.Steps) != 4 || r2.Steps[0].Status != 503 || r2.Steps[0].Headers["Retry-After"] != "5" ||
		r2.Steps[2].TokenTTL.Seconds() != 30 || len(r2.Steps[2].Set) != 2 || string(r2.Steps[2].Set[0].Value) != "7" || !r2.Steps[3].Pass {
		t.Errorf("rule 2: got %+v", r2)
	}
	if r3.Endpoints != nil {
		t.Errorf("rule 3: got endpoints %v, want all", r3.Endpoints)
	}
}

// Every problem is reported at once, each with its line.
func TestParseProblems(t *testing.T) {
	src := `name: "bad name!"
extra: 1
rules:
  - when: {endpoint: isolar.nope}
    do: {error: invalid_code, fault: reset}
  - when: {endpoint: isolar.refresh}
    do: {error: invalid_code}
  - when: {endpoint: solarman.info}
    do: {token_ttl: 30s}
  - when: {endpoint: isolar.token, match: {cookie.x: 1, body.y: {regex: "("}}}
    times: 0
    after: -1
    probability: 2
    do: {delay: soon}
  - when: {endpoint: isolar.token}
    times: 2
    sequence: [{pass: true}]
  - when: {endpoint: isolar.token}
    do: {error: invalid_code, token_ttl: 1s}
  - do: {}
  - when: {endpoint: isolar.authorize}
    do: {set: {a: 1}, fault: boom, status: 700}
`
	_, err := Parse("bad.yaml", []byte(src), testCatalogue())
	if err == nil {
		t.Fatal("got no error")
	}
	got := problemsOf(t, err)
	want := []string{
		`bad.yaml:1: name: invalid name "bad name!": want 1 to 64 of [A-Za-z0-9._-]`,
		`bad.yaml:2: extra: unknown key "extra" (want one of name, description, rules)`,
		`bad.yaml:4: rules[0].when.endpoint: unknown endpoint "isolar.nope"`,
		`bad.yaml:5: rules[0].do: two primary actions in one step: error and fault`,
		`bad.yaml:7: rules[1].do.error: unknown failure "invalid_code" for isolar.refresh (want one of hourly_limit)`,
		`bad.yaml:9: rules[2].do.token_ttl: not for solarman.info, which issue no tokens`,
		`bad.yaml:10: rules[3].when.match.body.y.regex: invalid regular expression`,
		`bad.yaml:10: rules[3].when.match.cookie.x: invalid match key "cookie.x"`,
		`bad.yaml:11: rules[3].times: must be at least 1, got 0`,
		`bad.yaml:12: rules[3].after: must be at least 0, got -1`,
		`bad.yaml:13: rules[3].probability: want a number above 0 and at most 1, got "2"`,
		`bad.yaml:14: rules[3].do.delay: invalid duration "soon"`,
		`bad.yaml:16: rules[4].times: not with sequence`,
		`bad.yaml:19: rules[5].do: token_ttl, set and failure_status change the real answer, so they cannot go with error, status or fault`,
		`bad.yaml:20: rules[6].when: missing: a rule needs when.endpoint`,
		`bad.yaml:20: rules[6].do: empty action`,
		`bad.yaml:22: rules[7].do.status: want a final HTTP status from 200 to 599, got 700`,
		`bad.yaml:22: rules[7].do.fault: unknown fault "boom"`,
		`bad.yaml:22: rules[7].do: two primary actions in one step: status and fault`,
		`bad.yaml:22: rules[7].do.set: not for isolar.authorize, which answer no JSON`,
		`bad.yaml:22: rules[7].do: token_ttl, set and failure_status change the real answer`,
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing problem %q", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}

func TestParseDocumentProblems(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"empty":      {"", "f.yaml:1: (document): empty file"},
		"syntax":     {"rules: [\n  - when: {", "f.yaml:"},
		"not a map":  {"- 1\n- 2\n", "f.yaml:1: (document): want a mapping"},
		"no rules":   {"name: x\n", "f.yaml:1: rules: missing"},
		"empty list": {"rules: []\n", "f.yaml:1: rules: want a non-empty list"},
		"two docs":   {"rules: [{when: {endpoint: '*'}, do: {pass: true}}]\n---\nx: 1\n", "f.yaml:2: (document): only one YAML document"},
	} {
		_, err := Parse("f.yaml", []byte(c.src), testCatalogue())
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", name, err, c.want)
		}
	}
}

func TestIsScenario(t *testing.T) {
	cases := map[string]bool{
		"rules: []\n":    true,
		"isolar: {}\n":   false,
		"::":             false,
		"":               false,
		"- a\n":          false,
		"rules:\n  - [a": true, // does not parse, but starts a line with rules:
		// name or description: a scenario whose rules are missing, to be
		// told so rather than that fixtures have no field name
		"name: x\ndescription: y\n": true,
		"description: y\n":          true,
	}
	for src, want := range cases {
		if got := IsScenario([]byte(src)); got != want {
			t.Errorf("IsScenario(%q): got %v, want %v", src, got, want)
		}
	}
}

func TestParseStrictValues(t *testing.T) {
	src := `rules:
  - name: a
    when: {endpoint: "*"}
    do: {error: hourly_limit}
  - name: a
    when: {endpoint: [isolar.token, "*"]}
    probability: "0.5"
    do: {status: 503, headers: {Retry-After: 5, "Bad Name": x}}
  - name: ""
    when: {endpoint: isolar.token, match: {"header.X Y": "*"}}
    do: {set: {}}
  - when: {endpoint: isolar.token}
    do: {set: {a..b: 1}}
`
	_, err := Parse("s.yaml", []byte(src), testCatalogue())
	if err == nil {
		t.Fatal("got no error")
	}
	got := err.Error()
	for _, want := range []string{
		`s.yaml:4: rules[0].do.error: not with endpoint "*"`,
		`s.yaml:5: rules[1].name: duplicate rule name "a" (also at rules[0])`,
		`s.yaml:6: rules[1].when.endpoint[1]: "*" stands alone, not in a list`,
		`s.yaml:7: rules[1].probability: want a number above 0 and at most 1, got "0.5"`,
		`s.yaml:8: rules[1].do.headers.Retry-After: want a string`,
		`s.yaml:8: rules[1].do.headers["Bad\x20Name"]: invalid header name "Bad Name"`,
		`s.yaml:9: rules[2].name: must not be empty`,
		`s.yaml:10: rules[2].when.match["header.X\x20Y"]: invalid header name "X Y"`,
		`s.yaml:11: rules[2].do.set: must not be empty`,
		`s.yaml:13: rules[3].do.set.a..b: want a field path`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// failure_status names failures of the rule's endpoints, each with a
// status or {status, headers}; error takes status and headers but not a
// body.
func TestParseFailureStatus(t *testing.T) {
	ok := `rules:
  - when: {endpoint: [isolar.token, isolar.refresh]}
    do: {failure_status: {hourly_limit: {status: 429, headers: {Retry-After: "60"}}}}
  - when: {endpoint: isolar.token}
    do: {failure_status: {invalid_code: 401}, set: {a: 1}, delay: 1s}
  - when: {endpoint: isolar.token}
    do: {error: hourly_limit, status: 429, headers: {Retry-After: "5"}}
`
	sc, err := Parse("ok.yaml", []byte(ok), testCatalogue())
	if err != nil {
		t.Fatalf("got %v, want a scenario", err)
	}
	if got := sc.Rules[0].Steps[0].FailureStatus["hourly_limit"]; got.Status != 429 || got.Headers["Retry-After"] != "60" {
		t.Errorf("rules[0]: got %+v, want 429 with Retry-After 60", got)
	}
	if got := sc.Rules[1].Steps[0].FailureStatus["invalid_code"]; got.Status != 401 || got.Headers != nil {
		t.Errorf("rules[1]: got %+v, want 401", got)
	}
	if a := sc.Rules[2].Steps[0]; a.Error != "hourly_limit" || a.Status != 429 || a.Headers["Retry-After"] != "5" || a.Body != "" {
		t.Errorf("rules[2]: got %+v, want the failure with 429 and Retry-After", a)
	}

	bad := `rules:
  - when: {endpoint: "*"}
    do: {failure_status: {hourly_limit: 401}}
  - when: {endpoint: [isolar.token, isolar.refresh]}
    do: {failure_status: {invalid_code: 401, hourly_limit: {headers: {X: y}}, nope: 99}}
  - when: {endpoint: isolar.token}
    do: {failure_status: {}}
  - when: {endpoint: isolar.token}
    do: {error: hourly_limit, body: "x"}
  - when: {endpoint: isolar.token}
    do: {error: hourly_limit, failure_status: {hourly_limit: 401}}
`
	_, err = Parse("bad.yaml", []byte(bad), testCatalogue())
	got := strings.Join(problemsOf(t, err), "\n")
	for _, want := range []string{
		`bad.yaml:3: rules[0].do.failure_status.hourly_limit: not with endpoint "*"`,
		`bad.yaml:5: rules[1].do.failure_status.invalid_code: unknown failure "invalid_code" for isolar.refresh`,
		`bad.yaml:5: rules[1].do.failure_status.hourly_limit.status: missing: the status to answer with`,
		`bad.yaml:5: rules[1].do.failure_status.nope: unknown failure "nope" for isolar.refresh`,
		`bad.yaml:5: rules[1].do.failure_status.nope: want a final HTTP status from 200 to 599, got 99`,
		`bad.yaml:7: rules[2].do.failure_status: must not be empty`,
		`bad.yaml:9: rules[3].do.body: not with error`,
		`bad.yaml:11: rules[4].do: token_ttl, set and failure_status change the real answer, so they cannot go with error`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// A mistake is reported once, with a guess at what was meant, and no
// problem that only follows from it.
func TestParseHints(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // every problem, each starting so
	}{
		{"misspelt action key", "rules:\n  - when: {endpoint: oauth.token}\n    do:\n      eror: token_invalid_code\n",
			[]string{`f.yaml:4: rules[0].do.eror: unknown key "eror" (did you mean "error"? want one of pass,`}},
		{"misspelt rule key", "rules:\n  - when: {endpoint: oauth.token}\n    tims: 2\n    do: {pass: true}\n",
			[]string{`f.yaml:3: rules[0].tims: unknown key "tims" (did you mean "times"? want one of`}},
		{"failure without its vendor's prefix", "rules:\n  - when: {endpoint: oauth.token}\n    do: {error: invalid_code}\n",
			[]string{`f.yaml:3: rules[0].do.error: unknown failure "invalid_code" for oauth.token (did you mean "token_invalid_code"? want one of token_invalid_code)`}},
		{"misspelt failure", "rules:\n  - when: {endpoint: isolar.token}\n    do: {error: hourly_limt}\n",
			[]string{`f.yaml:3: rules[0].do.error: unknown failure "hourly_limt" for isolar.token (did you mean "hourly_limit"? want one of`}},
		{"misspelt endpoint", "rules:\n  - when: {endpoint: oauth.tokn}\n    do: {error: token_invalid_code}\n",
			[]string{`f.yaml:2: rules[0].when.endpoint: unknown endpoint "oauth.tokn" (did you mean "oauth.token"? want one of`}},
		// endpoint is not under when: the failure is not checked against
		// "*", which the rule never said
		{"endpoint not indented under when", "rules:\n  - when:\n    endpoint: isolar.token\n    do: {error: invalid_code}\n",
			[]string{
				`f.yaml:2: rules[0].when: want a mapping with keys endpoint, match`,
				`f.yaml:3: rules[0].endpoint: unknown key "endpoint" (indent it under when; want one of`,
			}},
		{"action key not indented under do", "rules:\n  - when: {endpoint: isolar.token}\n    do:\n    error: invalid_code\n",
			[]string{
				`f.yaml:3: rules[0].do: want a mapping with keys pass,`,
				`f.yaml:4: rules[0].error: unknown key "error" (indent it under do; want one of`,
			}},
		{"unknown endpoint: its failures unchecked", "rules:\n  - when: {endpoint: nope}\n    do: {error: invalid_code}\n",
			[]string{`f.yaml:2: rules[0].when.endpoint: unknown endpoint "nope" (want one of`}},
		{"a bare star", "rules:\n  - when:\n      endpoint: *\n    do: {pass: true}\n",
			[]string{`f.yaml:3: (document): did not find expected alphabetic or numeric character (a bare * starts an alias: quote it, endpoint: "*")`}},
		{"a quoted star still refuses failures", "rules:\n  - when: {endpoint: \"*\"}\n    do: {error: invalid_code}\n",
			[]string{`f.yaml:3: rules[0].do.error: not with endpoint "*"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(c.src), testCatalogue())
			wantProblems(t, err, c.want)
		})
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"a": true, "client-retry": true, "A.b_c-9": true, strings.Repeat("x", 64): true,
		"": false, strings.Repeat("x", 65): false, "a b": false, "a~b": false, "a/b": false, "é": false,
	} {
		if got := validName(name); got != want {
			t.Errorf("validName(%q) = %v, want %v", name, got, want)
		}
	}
}
