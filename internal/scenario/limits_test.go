package scenario

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

// parseLimit parses src and checks that it is accepted (want "") or
// refused with a problem containing want.
func parseLimit(t *testing.T, what, src, want string) *Scenario {
	t.Helper()
	sc, err := Parse("f.yaml", []byte(src), testCatalogue())
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: got %.500v, want it accepted", what, err)
	case want != "" && err == nil:
		t.Errorf("%s: accepted, want a problem with %q", what, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: got %.500v, want a problem with %q", what, err, want)
	}
	return sc
}

const plainRule = "  - {when: {endpoint: isolar.token}, do: {status: 503}}\n"

func TestLimitRules(t *testing.T) {
	parseLimit(t, "MaxRules rules", "rules:\n"+strings.Repeat(plainRule, MaxRules), "")
	parseLimit(t, "MaxRules+1 rules", "rules:\n"+strings.Repeat(plainRule, MaxRules+1),
		"f.yaml:2: rules: too many rules: 1001, over the limit of 1000 (MaxRules)")
}

func TestLimitSteps(t *testing.T) {
	seq := func(n int) string {
		return "rules:\n  - when: {endpoint: isolar.token}\n    sequence:\n" + strings.Repeat("      - {status: 503}\n", n)
	}
	parseLimit(t, "MaxSteps steps", seq(MaxSteps), "")
	parseLimit(t, "MaxSteps+1 steps", seq(MaxSteps+1),
		"f.yaml:4: rules[0].sequence: too many steps: 1001, over the limit of 1000 (MaxSteps)")
}

func TestLimitSetDepth(t *testing.T) {
	set := func(n int) string {
		return fmt.Sprintf("rules:\n  - when: {endpoint: isolar.token}\n    do: {set: {%q: 1}}\n", strings.TrimSuffix(strings.Repeat("a.", n), "."))
	}
	sc := parseLimit(t, "MaxSetDepth segments", set(MaxSetDepth), "")
	if sc != nil && len(sc.Rules[0].Steps[0].Set[0].Path) != MaxSetDepth {
		t.Errorf("got %d segments, want %d", len(sc.Rules[0].Steps[0].Set[0].Path), MaxSetDepth)
	}
	parseLimit(t, "MaxSetDepth+1 segments", set(MaxSetDepth+1),
		"f.yaml:3: rules[0].do.set: field path too deep: 33 segments (\"a.a.a\"…), over the limit of 32 (MaxSetDepth)")
}

func regexRule(re string) string {
	return fmt.Sprintf("  - {when: {endpoint: isolar.token, match: {body.code: {regex: %q}}}, do: {status: 503}}\n", re)
}

func TestLimitRegexSource(t *testing.T) {
	parseLimit(t, "MaxRegexSource bytes", "rules:\n"+regexRule(strings.Repeat("a", MaxRegexSource)), "")
	parseLimit(t, "MaxRegexSource+1 bytes", "rules:\n"+regexRule(strings.Repeat("a", MaxRegexSource+1)),
		"f.yaml:2: rules[0].when.match.body.code.regex: regular expression too long: 4097 bytes, over the limit of 4096 (MaxRegexSource)")
}

// instructions is the size of re's program, as compileRegex counts it.
func instructions(t *testing.T, re string) int {
	t.Helper()
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := syntax.Compile(r.Simplify())
	if err != nil {
		t.Fatal(err)
	}
	return len(prog.Inst)
}

// A short regex can compile to a large program: x{1000} is a thousand
// instructions. Literal b's pad it to exactly MaxRegexProgram.
func TestLimitRegexProgram(t *testing.T) {
	re := strings.Repeat("(?:x{1000})", 9)
	re += strings.Repeat("b", MaxRegexProgram-instructions(t, re)) // one instruction each
	if n := instructions(t, re); n != MaxRegexProgram {
		t.Fatalf("padding gave %d instructions, want %d", n, MaxRegexProgram)
	}
	parseLimit(t, "MaxRegexProgram instructions", "rules:\n"+regexRule(re), "")
	parseLimit(t, "MaxRegexProgram+1 instructions", "rules:\n"+regexRule(re+"b"),
		"regular expression too complex: 10001 instructions once compiled, over the limit of 10000 (MaxRegexProgram)")
	// Go's own limits still speak for themselves.
	parseLimit(t, "a repeat Go refuses", "rules:\n"+regexRule("x{1001}"), "invalid regular expression: error parsing regexp: invalid repeat count")
}

// aliased is a scenario of one rule whose body is body, used n times
// through an alias, with a description of pad bytes.
func aliased(body string, n, pad int) string {
	return "description: " + strings.Repeat("d", pad) + "\nrules:\n" +
		"  - &r {when: {endpoint: isolar.token}, do: {status: 503, body: " + body + "}}\n" +
		strings.Repeat("  - *r\n", n-1)
}

// The size of a scenario with its aliases expanded is bounded before the
// rules are read: exactly MaxExpandedSize is accepted, a byte more is not.
func TestLimitExpandedSize(t *testing.T) {
	body := strings.Repeat("b", 8000)
	expanded := func(src string) int64 { return yamlfile.Expanded(yamlfile.Parse("f.yaml", []byte(src)).Root) }
	base := expanded(aliased(body, 500, 1))
	pad := 1 + int(MaxExpandedSize-base)
	if got := expanded(aliased(body, 500, pad)); got != MaxExpandedSize {
		t.Fatalf("padding gave %d, want %d", got, MaxExpandedSize)
	}
	sc := parseLimit(t, "MaxExpandedSize", aliased(body, 500, pad), "")
	if sc != nil && len(sc.Rules) != 500 {
		t.Errorf("got %d rules, want 500", len(sc.Rules))
	}
	parseLimit(t, "MaxExpandedSize+1", aliased(body, 500, pad+1),
		"f.yaml:1: (document): scenario too large once its aliases are expanded: 4.0 MiB, over the limit of 4 MiB (MaxExpandedSize)")
	parseLimit(t, "a cycle", "rules: &r [*r]\n", "f.yaml:1: (document): an alias names a value that holds it: want no cycle")
}

// The review's C1: a 1 MiB text, one rule with a 300 KB set value aliased
// by every other line, would expand to tens of gigabytes. It is refused
// from its node count alone, with no rule read.
func TestLimitAliasAmplification(t *testing.T) {
	src := "rules:\n  - &r {when: {endpoint: isolar.token}, do: {set: {result_msg: " + strings.Repeat("x", 300<<10) + "}}}\n"
	src += strings.Repeat("  - *r\n", (1<<20-len(src))/7)
	if len(src) > 1<<20 {
		t.Fatalf("payload of %d bytes, want at most 1 MiB", len(src))
	}
	parseLimit(t, "alias amplification", src, "over the limit of 4 MiB (MaxExpandedSize)")
	// The same with a regex: 2,000 uses of one 163 KB regex.
	alt := make([]string, 20000)
	for i := range alt {
		alt[i] = fmt.Sprintf("v%d", i)
	}
	src = "rules:\n  - &r {when: {endpoint: isolar.token, match: {body.code: {regex: '" + strings.Join(alt, "|") + "'}}}, do: {status: 503}}\n" + strings.Repeat("  - *r\n", 2000)
	parseLimit(t, "aliased regex", src, "over the limit of 4 MiB (MaxExpandedSize)")
}

// Scenario.Size counts what the scenario keeps, regex programs included;
// exactly MaxScenarioSize is accepted, a byte more is refused, and the
// reading stops there.
func TestLimitScenarioSize(t *testing.T) {
	re := strings.Repeat("(?:x{1000})", 9) // about 9,000 instructions
	build := func(regexes, body int) string {
		var b strings.Builder
		b.WriteString("rules:\n")
		for i := range regexes {
			b.WriteString(regexRule(fmt.Sprintf("%s%d", re, i%10)))
		}
		fmt.Fprintf(&b, "  - {when: {endpoint: isolar.token}, do: {status: 503, body: %s}}\n", strings.Repeat("b", body))
		return b.String()
	}
	small := parseLimit(t, "small", build(10, 1), "")
	if small == nil {
		return
	}
	perRegex := small.Size / 10
	n := MaxScenarioSize/perRegex - 1
	sc := parseLimit(t, "near the limit", build(n, 1), "")
	if sc == nil {
		return
	}
	body := 1 + MaxScenarioSize - sc.Size
	if sc = parseLimit(t, "MaxScenarioSize", build(n, body), ""); sc != nil && sc.Size != MaxScenarioSize {
		t.Errorf("got Size %d, want %d", sc.Size, MaxScenarioSize)
	}
	parseLimit(t, "MaxScenarioSize+1", build(n, body+1),
		fmt.Sprintf("f.yaml:%d: rules[%d]: scenario too large: more than 8 MiB of memory once loaded, the limit (MaxScenarioSize); reading stopped here", n+2, n))
	// With more regexes than fit, they are not all compiled: the problem
	// is reported once, at the first that does not fit.
	_, err := Parse("f.yaml", []byte(build(2*n, 1)), testCatalogue())
	if err == nil || len(problemsOf(t, err)) != 1 || !strings.Contains(err.Error(), "MaxScenarioSize") {
		t.Errorf("twice too many regexes: got %v, want one MaxScenarioSize problem", err)
	}
}

// Size grows with what the scenario holds.
func TestScenarioSize(t *testing.T) {
	small := mustParse(t, "rules: [{when: {endpoint: isolar.token}, do: {status: 503}}]")
	big := mustParse(t, "rules: [{when: {endpoint: isolar.token}, do: {status: 503, body: "+strings.Repeat("b", 1000)+"}}]")
	if small.Size <= 0 || big.Size-small.Size != 1000 {
		t.Errorf("got sizes %d and %d, want positive and 1000 apart", small.Size, big.Size)
	}
}

// A scripted answer is final: 200 to 599.
func TestLimitStatus(t *testing.T) {
	st := func(s int) string {
		return fmt.Sprintf("rules: [{when: {endpoint: isolar.token}, do: {status: %d}}]", s)
	}
	parseLimit(t, "MinStatus", st(MinStatus), "")
	parseLimit(t, "MaxStatus", st(MaxStatus), "")
	for _, s := range []int{100, 101, 103, 199, 600} {
		parseLimit(t, fmt.Sprint(s), st(s), fmt.Sprintf("rules[0].do.status: want a final HTTP status from 200 to 599, got %d", s))
	}
	parseLimit(t, "failure_status 103", "rules: [{when: {endpoint: isolar.token}, do: {failure_status: {hourly_limit: 103}}}]",
		"rules[0].do.failure_status.hourly_limit: want a final HTTP status from 200 to 599, got 103")
	parseLimit(t, "a string", "rules: [{when: {endpoint: isolar.token}, do: {status: '503'}}]", `want an HTTP status, got "503"`)
}

// probability is a number above 0 and at most 1: not NaN nor infinite.
func TestLimitProbability(t *testing.T) {
	pr := func(v string) string {
		return "rules: [{when: {endpoint: isolar.token}, probability: " + v + ", do: {status: 503}}]"
	}
	parseLimit(t, "1", pr("1"), "")
	parseLimit(t, "0.001", pr("0.001"), "")
	for _, v := range []string{"!!float nan", "!!float NaN", ".nan", "!!float inf", "!!float -inf", ".inf", "-.inf", "0", "1.0001"} {
		parseLimit(t, v, pr(v), "rules[0].probability: want a number above 0 and at most 1")
	}
}

// BenchmarkParseAliasAmplification is the review's C1 payload: 1 MiB of
// text naming a 300 KB rule 100,000 times. It is refused after one pass
// over its nodes.
func BenchmarkParseAliasAmplification(b *testing.B) {
	src := "rules:\n  - &r {when: {endpoint: isolar.token}, do: {set: {result_msg: " + strings.Repeat("x", 300<<10) + "}}}\n"
	src += strings.Repeat("  - *r\n", (1<<20-len(src))/7)
	cat := testCatalogue()
	for b.Loop() {
		if _, err := Parse("f.yaml", []byte(src), cat); err == nil {
			b.Fatal("accepted")
		}
	}
}
