package scenario

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

var (
	rulesLine = regexp.MustCompile(`(?m)^rules[ \t]*:`)
	// headerName is an RFC 7230 token.
	headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// IsScenario tells a scenario file from a fixture file: it has a
// top-level rules, name or description, none of which a fixture file has.
// A file that does not parse is a scenario when a line starts with
// "rules:", so that its problems are reported as a scenario's.
func IsScenario(data []byte) bool {
	f := yamlfile.Parse("", data)
	root := f.Root
	if root == nil && f.HasProblems() {
		return rulesLine.Match(data)
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "rules", "name", "description":
			return true
		}
	}
	return false
}

// Parse reads one scenario file strictly and validates it completely
// against cat. file names the source in problems; the scenario's name
// defaults to the file name without extension. Any problem makes the
// error a *yamlfile.Errors listing all of them.
func Parse(file string, data []byte, cat *Catalogue) (*Scenario, error) {
	p := &parser{File: yamlfile.Parse(file, data), cat: cat}
	sc := p.parse()
	if err := p.Err(); err != nil {
		return nil, err
	}
	sc.Size = p.size
	return sc, nil
}

type parser struct {
	*yamlfile.File
	cat *Catalogue
	// size is the memory, in bytes, of what was read so far (see
	// Scenario.Size); past MaxScenarioSize, the reading stops.
	size int
	// tooLarge tells that size went past MaxScenarioSize (reported).
	tooLarge bool
}

// grow adds n bytes to the scenario's size and tells whether it is still
// within MaxScenarioSize; the first time it is not, the problem is
// reported at node at, whose path is path.
func (p *parser) grow(at *yaml.Node, path string, n int) bool {
	p.size += n
	if p.size > MaxScenarioSize && !p.tooLarge {
		p.tooLarge = true
		p.Addf(at, path, "scenario too large: more than %d MiB of memory once loaded, the limit (MaxScenarioSize); reading stopped here", MaxScenarioSize>>20)
	}
	return !p.tooLarge
}

func (p *parser) parse() *Scenario {
	if p.Root == nil {
		if !p.HasProblems() {
			p.Addf(nil, "", "empty file: want a scenario with rules")
		}
		return nil
	}
	if size := yamlfile.Expanded(p.Root); size == math.MaxInt64 {
		p.Addf(p.Root, "", "an alias names a value that holds it: want no cycle")
		return nil
	} else if size > MaxExpandedSize {
		p.Addf(p.Root, "", "scenario too large once its aliases are expanded: %s, over the limit of %d MiB (MaxExpandedSize)", sizeText(size), MaxExpandedSize>>20)
		return nil
	}
	top := resolve(p.Root)
	sc := &Scenario{Source: p.Name, Name: strings.TrimSuffix(path.Base(p.Name), path.Ext(p.Name))}
	fields := p.mapping(top, "", "name", "description", "rules")
	if fields == nil {
		return nil
	}
	if n := fields["name"]; n != nil {
		sc.Name = p.str(n, "name")
	}
	if !validName(sc.Name) {
		p.Addf(fields["name"], "name", "invalid name %q: want 1 to 64 of [A-Za-z0-9._-]", sc.Name)
	}
	if n := fields["description"]; n != nil {
		sc.Description = p.str(n, "description")
	}
	rules := fields["rules"]
	if rules == nil {
		p.Addf(top, "rules", "missing: a scenario needs rules")
		return sc
	}
	rules = resolve(rules)
	if rules.Kind != yaml.SequenceNode || len(rules.Content) == 0 {
		p.Addf(rules, "rules", "want a non-empty list of rules")
		return sc
	}
	if len(rules.Content) > MaxRules {
		p.Addf(rules, "rules", "too many rules: %d, over the limit of %d (MaxRules)", len(rules.Content), MaxRules)
		return sc
	}
	p.grow(top, "", scenarioCost+len(sc.Name)+len(sc.Description)+len(sc.Source))
	names := map[string]string{}
	for i, n := range rules.Content {
		path := fmt.Sprintf("rules[%d]", i)
		r := p.rule(n, path)
		if other, dup := names[r.Name]; dup && r.Name != path {
			p.Addf(n, path+".name", "duplicate rule name %q (also at %s)", r.Name, other)
		}
		names[r.Name] = path
		sc.Rules = append(sc.Rules, r)
		if !p.grow(n, path, r.size()) {
			break
		}
	}
	return sc
}

// sizeText writes n bytes in bytes, KiB or MiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// mapping checks that n is a mapping with only allowed, unrepeated keys,
// and returns its values by key (nil when n is no mapping).
func (p *parser) mapping(n *yaml.Node, path string, allowed ...string) map[string]*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		p.Addf(n, path, "want a mapping with keys %s", strings.Join(allowed, ", "))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := join(path, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			p.Addf(k, path, "keys must be strings")
		case allowed != nil && !slices.Contains(allowed, k.Value):
			p.Addf(k, kp, "unknown key %q (%swant one of %s)", k.Value, keyHint(k.Value, allowed), strings.Join(allowed, ", "))
		case out[k.Value] != nil:
			p.Addf(k, kp, "duplicate key %q", k.Value)
		default:
			out[k.Value] = v
		}
	}
	return out
}

func join(path, key string) string { return yamlfile.Join(path, key) }

// whenKeys and actionKeys are the keys of when and of an action, which a
// rule does not take itself.
var (
	whenKeys   = []string{"endpoint", "match"}
	actionKeys = []string{"pass", "delay", "error", "status", "body", "headers", "fault", "token_ttl", "set", "failure_status"}
)

// keyHint guesses what an unknown key meant: a key of when or of an
// action indented as the rule's own, or a misspelling. It ends with a
// space to go before the list of allowed keys.
func keyHint(key string, allowed []string) string {
	rule := slices.Contains(allowed, "when") && slices.Contains(allowed, "do")
	switch {
	case rule && slices.Contains(whenKeys, key):
		return "indent it under when; "
	case rule && slices.Contains(actionKeys, key):
		return "indent it under do; "
	}
	return meant(key, allowed, false)
}

// meant is "did you mean X? " for the nearest of candidates, or "".
func meant(name string, candidates []string, whole bool) string {
	if n := yamlfile.Nearest(name, candidates, whole); n != "" {
		return fmt.Sprintf("did you mean %q? ", n)
	}
	return ""
}

// unknownKeys tells whether mapping n has a key that mapping() refused.
func unknownKeys(n *yaml.Node, fields map[string]*yaml.Node) bool {
	n = resolve(n)
	return n != nil && len(n.Content)/2 > len(fields)
}

func (p *parser) scalar(n *yaml.Node, path, want string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.Addf(n, path, "want %s", want)
		return "", false
	}
	return n.Value, true
}

func (p *parser) str(n *yaml.Node, path string) string {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		p.Addf(n, path, "want a string")
		return ""
	}
	return n.Value
}

func (p *parser) integer(n *yaml.Node, path string, min int) int {
	v, ok := p.scalar(n, path, "an integer")
	if !ok {
		return 0
	}
	i, err := strconv.Atoi(v)
	if err != nil || resolve(n).Tag != "!!int" {
		p.Addf(n, path, "want an integer, got %q", v)
		return 0
	}
	if i < min {
		p.Addf(n, path, "must be at least %d, got %d", min, i)
	}
	return i
}

func (p *parser) duration(n *yaml.Node, path string) time.Duration {
	v, ok := p.scalar(n, path, "a duration such as \"2s\"")
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.Addf(n, path, "invalid duration %q (want a Go duration such as \"150ms\" or \"2s\")", v)
		return 0
	}
	if d <= 0 {
		p.Addf(n, path, "must be positive, got %q", v)
	}
	return d
}

func (p *parser) rule(n *yaml.Node, path string) Rule {
	r := Rule{Name: path}
	f := p.mapping(n, path, "name", "when", "after", "times", "probability", "do", "sequence")
	if f == nil {
		return r
	}
	if v := f["name"]; v != nil {
		if r.Name = p.str(v, path+".name"); r.Name == "" {
			p.Addf(v, path+".name", "must not be empty")
			r.Name = path
		}
	}
	star := false
	if f["when"] == nil {
		p.Addf(n, path+".when", "missing: a rule needs when.endpoint")
	} else {
		star = p.when(f["when"], path+".when", &r)
	}
	// The actions are checked against the endpoints; when they are not
	// known, because when is wrong (reported), checking them against none
	// adds no problem that is only a consequence.
	endpoints := r.Endpoints
	if r.Endpoints == nil && !star {
		endpoints = map[string]bool{}
	}
	if v := f["after"]; v != nil {
		r.After = p.integer(v, path+".after", 0)
	}
	if v := f["times"]; v != nil {
		r.Times = p.integer(v, path+".times", 1)
	}
	if v := f["probability"]; v != nil {
		if s, ok := p.scalar(v, path+".probability", "a number"); ok {
			pr, err := strconv.ParseFloat(s, 64)
			// !(pr > 0 && pr <= 1) refuses NaN, which every comparison fails.
			if tag := resolve(v).Tag; tag != "!!float" && tag != "!!int" || err != nil || !(pr > 0 && pr <= 1) {
				p.Addf(v, path+".probability", "want a number above 0 and at most 1, got %q", s)
			}
			r.Probability = pr
		}
	}
	switch do, seq := f["do"], f["sequence"]; {
	case do != nil && seq != nil:
		p.Addf(seq, path+".sequence", "a rule has either do or sequence, not both")
	case do != nil:
		r.Steps = []Action{p.action(do, path+".do", endpoints)}
	case seq != nil:
		r.Sequence = true
		s := resolve(seq)
		if s.Kind != yaml.SequenceNode || len(s.Content) == 0 {
			p.Addf(seq, path+".sequence", "want a non-empty list of actions")
			break
		}
		if f["times"] != nil {
			p.Addf(f["times"], path+".times", "not with sequence: the sequence's length is its budget")
		}
		if len(s.Content) > MaxSteps {
			p.Addf(seq, path+".sequence", "too many steps: %d, over the limit of %d (MaxSteps)", len(s.Content), MaxSteps)
			break
		}
		for i, step := range s.Content {
			r.Steps = append(r.Steps, p.action(step, fmt.Sprintf("%s.sequence[%d]", path, i), endpoints))
		}
	default:
		p.Addf(n, path, "missing: a rule needs do or sequence")
	}
	return r
}

// when reads a rule's when into r; star tells that it names every
// endpoint ("*").
func (p *parser) when(n *yaml.Node, path string, r *Rule) (star bool) {
	f := p.mapping(n, path, whenKeys...)
	if f == nil {
		return false
	}
	ep := f["endpoint"]
	if ep == nil {
		p.Addf(n, path+".endpoint", "missing: name an endpoint id, a list of them, or \"*\"")
	} else {
		r.Endpoints = map[string]bool{}
		var ids []*yaml.Node
		if e := resolve(ep); e.Kind == yaml.SequenceNode {
			ids = e.Content
			if len(ids) == 0 {
				p.Addf(ep, path+".endpoint", "want at least one endpoint id")
			}
		} else {
			ids = []*yaml.Node{ep}
		}
		for i, id := range ids {
			ip := path + ".endpoint"
			if len(ids) > 1 || resolve(ep).Kind == yaml.SequenceNode {
				ip = fmt.Sprintf("%s[%d]", ip, i)
			}
			v, ok := p.scalar(id, ip, "an endpoint id")
			switch {
			case !ok:
			case v == "*" && resolve(ep).Kind == yaml.ScalarNode:
				r.Endpoints, star = nil, true
			case v == "*":
				p.Addf(id, ip, "\"*\" stands alone, not in a list")
			case !slices.Contains(p.cat.ids, v):
				p.Addf(id, ip, "unknown endpoint %q (%swant one of %s, or \"*\")", v, meant(v, p.cat.ids, false), strings.Join(p.cat.ids, ", "))
			default:
				r.Endpoints[v] = true
			}
		}
	}
	if m := f["match"]; m != nil {
		entries := p.mapping(m, path+".match")
		keys := make([]string, 0, len(entries))
		for k := range entries {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if mt, ok := p.match(entries[k], join(path+".match", k), k); ok {
				r.Match = append(r.Match, mt)
			}
		}
	}
	return star
}

func (p *parser) match(n *yaml.Node, path, key string) (Match, bool) {
	in, name, _ := strings.Cut(key, ".")
	if (in != inBody && in != inQuery && in != inHeader) || name == "" {
		p.Addf(n, path, "invalid match key %q (want body.<field>, query.<name> or header.<name>)", key)
		return Match{}, false
	}
	if in == inHeader && !headerName.MatchString(name) {
		p.Addf(n, path, "invalid header name %q", name)
		return Match{}, false
	}
	m := Match{In: in, Key: name}
	v := resolve(n)
	if v.Kind == yaml.MappingNode {
		f := p.mapping(v, path, "regex")
		if f == nil || f["regex"] == nil {
			p.Addf(v, path, "want a value, \"*\", or {regex: ...}")
			return Match{}, false
		}
		re, ok := p.scalar(f["regex"], path+".regex", "a regular expression")
		if !ok {
			return Match{}, false
		}
		if p.tooLarge {
			return Match{}, false // compiling would only add to what is refused
		}
		rx, insts, cost, problem := compileRegex(re)
		if problem != "" {
			p.Addf(f["regex"], path+".regex", "%s", problem)
			return Match{}, false
		}
		p.grow(f["regex"], path+".regex", cost)
		m.Regex, m.insts = rx, insts
		return m, true
	}
	s, ok := p.scalar(v, path, "a value, \"*\", or {regex: ...}")
	if !ok {
		return Match{}, false
	}
	m.Value, m.Any = s, s == "*"
	return m, true
}

// action reads one action; endpoints (nil: all) decide which failures and
// modifiers it may use.
func (p *parser) action(n *yaml.Node, path string, endpoints map[string]bool) Action {
	var a Action
	f := p.mapping(n, path, actionKeys...)
	if f == nil {
		return a
	}
	var primary []string
	if v := f["pass"]; v != nil {
		if s, _ := p.scalar(v, path+".pass", "true"); s != "true" {
			p.Addf(v, path+".pass", "want true")
		}
		a.Pass = true
		primary = append(primary, "pass")
	}
	if v := f["delay"]; v != nil {
		p.delay(v, path+".delay", &a)
	}
	if v := f["error"]; v != nil {
		if name, ok := p.scalar(v, path+".error", "a failure name"); ok {
			a.Error = name
			p.failure(v, path+".error", name, endpoints)
		}
		primary = append(primary, "error")
	}
	switch {
	case f["error"] != nil && f["body"] != nil:
		p.Addf(f["body"], path+".body", "not with error: an error answers with the vendor's own body (status and headers may change it)")
	case f["error"] != nil:
		// The failure, with another status or more headers.
		if v := f["status"]; v != nil {
			a.Status = p.status(v, path+".status")
		}
		if v := f["headers"]; v != nil {
			a.Headers = p.headers(v, path+".headers")
		}
	case f["status"] != nil || f["body"] != nil || f["headers"] != nil:
		a.Status = 200
		if v := f["status"]; v != nil {
			a.Status = p.status(v, path+".status")
		}
		if v := f["body"]; v != nil {
			a.Body = p.str(v, path+".body")
		}
		if v := f["headers"]; v != nil {
			a.Headers = p.headers(v, path+".headers")
		}
		primary = append(primary, "status")
	}
	if v := f["fault"]; v != nil {
		if s, ok := p.scalar(v, path+".fault", "a fault"); ok {
			if !slices.Contains([]string{FaultReset, FaultEmpty, FaultMalformed, FaultHang}, s) {
				p.Addf(v, path+".fault", "unknown fault %q (want reset, empty, malformed or hang)", s)
			}
			a.Fault = s
		}
		primary = append(primary, "fault")
	}
	if len(primary) > 1 {
		p.Addf(n, path, "two primary actions in one step: %s (want one of pass, error, status, fault)", strings.Join(primary, " and "))
	}
	if v := f["token_ttl"]; v != nil {
		a.TokenTTL = p.duration(v, path+".token_ttl")
		p.endpointsCan(v, path+".token_ttl", endpoints, func(e endpointInfo) bool { return e.tokens }, "issue no tokens")
	}
	if v := f["set"]; v != nil {
		entries := p.mapping(v, path+".set")
		if entries != nil && len(entries) == 0 {
			p.Addf(v, path+".set", "must not be empty")
		}
		keys := make([]string, 0, len(entries))
		for k := range entries {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			segments := strings.Split(k, ".")
			if len(segments) > MaxSetDepth {
				// The path alone could be the size of the file: shown cut.
				p.Addf(entries[k], path+".set", "field path too deep: %d segments (%q…), over the limit of %d (MaxSetDepth)", len(segments), strings.Join(segments[:3], "."), MaxSetDepth)
				continue
			}
			val, err := nodeJSON(entries[k])
			if err != nil || slices.Contains(segments, "") {
				p.Addf(entries[k], join(path+".set", k), "want a field path and a JSON-compatible value")
				continue
			}
			a.Set = append(a.Set, SetField{Path: segments, Value: val})
		}
		p.endpointsCan(v, path+".set", endpoints, func(e endpointInfo) bool { return e.json }, "answer no JSON")
	}
	if v := f["failure_status"]; v != nil {
		a.FailureStatus = p.failureStatus(v, path+".failure_status", endpoints)
	}
	if a.modifiesReal() && (a.Error != "" || a.Status != 0 || a.Fault != "") {
		p.Addf(n, path, "token_ttl, set and failure_status change the real answer, so they cannot go with error, status or fault")
	}
	// An action whose only keys are unknown is reported for them alone.
	if len(primary) == 0 && f["token_ttl"] == nil && f["set"] == nil && f["delay"] == nil && f["failure_status"] == nil && !unknownKeys(n, f) {
		p.Addf(n, path, "empty action: want pass, delay, error, status, fault, token_ttl, set or failure_status")
	}
	return a
}

// status reads the HTTP status of a final answer: 200 to 599. A 1xx is
// interim (HTTP sends the real answer after it), so no script ends with
// one.
func (p *parser) status(n *yaml.Node, path string) int {
	v, ok := p.scalar(n, path, "an HTTP status")
	if !ok {
		return 0
	}
	s, err := strconv.Atoi(v)
	switch {
	case err != nil || resolve(n).Tag != "!!int":
		p.Addf(n, path, "want an HTTP status, got %q", v)
	case s < MinStatus || s > MaxStatus:
		p.Addf(n, path, "want a final HTTP status from %d to %d, got %d", MinStatus, MaxStatus, s)
	}
	return s
}

// compileRegex compiles a match's regular expression within MaxRegexSource
// and MaxRegexProgram, and gives its program's instructions and estimated
// memory; problem says why it is refused.
func compileRegex(src string) (rx *regexp.Regexp, insts, size int, problem string) {
	if len(src) > MaxRegexSource {
		return nil, 0, 0, fmt.Sprintf("regular expression too long: %d bytes, over the limit of %d (MaxRegexSource)", len(src), MaxRegexSource)
	}
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, 0, 0, fmt.Sprintf("invalid regular expression: %v", err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, 0, 0, fmt.Sprintf("invalid regular expression: %v", err)
	}
	if len(prog.Inst) > MaxRegexProgram {
		return nil, 0, 0, fmt.Sprintf("regular expression too complex: %d instructions once compiled, over the limit of %d (MaxRegexProgram)", len(prog.Inst), MaxRegexProgram)
	}
	if rx, err = regexp.Compile(src); err != nil {
		return nil, 0, 0, fmt.Sprintf("invalid regular expression: %v", err)
	}
	return rx, len(prog.Inst), regexCost + 2*len(src) + instCost*len(prog.Inst), ""
}

// headers reads a mapping of header names to values.
func (p *parser) headers(n *yaml.Node, path string) map[string]string {
	out := map[string]string{}
	for k, hv := range p.mapping(n, path) {
		hp := join(path, k)
		if !headerName.MatchString(k) {
			p.Addf(hv, hp, "invalid header name %q", k)
		}
		s := p.str(hv, hp)
		if strings.ContainsAny(s, "\r\n") {
			p.Addf(hv, hp, "must not contain CR or LF")
		}
		out[k] = s
	}
	return out
}

// failureStatus reads failure_status: failure names of the endpoints, each
// with a status, or {status, headers}.
func (p *parser) failureStatus(n *yaml.Node, path string, endpoints map[string]bool) map[string]Restatus {
	entries := p.mapping(n, path)
	if entries != nil && len(entries) == 0 {
		p.Addf(n, path, "must not be empty")
	}
	out := map[string]Restatus{}
	for _, name := range sortedKeys(entries) {
		v, np := resolve(entries[name]), join(path, name)
		p.failure(v, np, name, endpoints)
		var r Restatus
		if v.Kind == yaml.MappingNode {
			fields := p.mapping(v, np, "status", "headers")
			if fields["status"] == nil {
				p.Addf(v, np+".status", "missing: the status to answer with")
			} else {
				r.Status = p.status(fields["status"], np+".status")
			}
			if h := fields["headers"]; h != nil {
				r.Headers = p.headers(h, np+".headers")
			}
		} else {
			r.Status = p.status(v, np)
		}
		out[name] = r
	}
	return out
}

func (p *parser) delay(n *yaml.Node, path string, a *Action) {
	if v := resolve(n); v.Kind == yaml.MappingNode {
		f := p.mapping(v, path, "min", "max")
		if f == nil {
			return
		}
		if f["min"] == nil || f["max"] == nil {
			p.Addf(v, path, "want both min and max")
			return
		}
		a.Delay, a.DelayMax = p.duration(f["min"], path+".min"), p.duration(f["max"], path+".max")
		if a.DelayMax < a.Delay {
			p.Addf(f["max"], path+".max", "must not be below min")
		}
		return
	}
	a.Delay = p.duration(n, path)
}

// failure checks that name is a failure of every endpoint the rule names
// (of some endpoint, for "*").
func (p *parser) failure(n *yaml.Node, path, name string, endpoints map[string]bool) {
	if endpoints == nil {
		p.Addf(n, path, "not with endpoint \"*\": failures belong to endpoints, so name them")
		return
	}
	for _, ep := range sortedKeys(endpoints) {
		if !p.cat.endpoints[ep].failures[name] {
			p.Addf(n, path, "unknown failure %q for %s (%swant one of %s)", name, ep, meant(name, p.cat.Failures(ep), true), strings.Join(p.cat.Failures(ep), ", "))
		}
	}
}

func (p *parser) endpointsCan(n *yaml.Node, path string, endpoints map[string]bool, can func(endpointInfo) bool, why string) {
	if endpoints == nil {
		p.Addf(n, path, "not with endpoint \"*\": some endpoints %s", why)
		return
	}
	for _, ep := range sortedKeys(endpoints) {
		if !can(p.cat.endpoints[ep]) {
			p.Addf(n, path, "not for %s, which %s", ep, why)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nodeJSON turns a YAML value into JSON, keeping scalars' types.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	var v any
	if err := resolve(n).Decode(&v); err != nil {
		return nil, err
	}
	return mock.EncodeJSON(v)
}

// validName tells a scenario name: 1 to 64 of [A-Za-z0-9._-]. A loop, not
// a regular expression: {1,64} compiles into 64 copies, a millisecond of
// every start.
func validName(name string) bool {
	if len(name) < 1 || len(name) > 64 {
		return false
	}
	for i := range len(name) {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
