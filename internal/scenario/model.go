// Package scenario is the scenario engine: the model of scenario files,
// their strict loader, and the per-session decisions and actions that
// inject failures into the vendors' answers (DESIGN.md "Scenarios").
package scenario

import (
	"regexp"
	"slices"
	"time"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Catalogue is what rules may name, learnt from the vendors' tables
// (mock.Spec): the endpoint ids, and for each the failures it can answer
// and whether token_ttl and set mean something there.
type Catalogue struct {
	ids       []string // in table order
	endpoints map[string]endpointInfo
}

type endpointInfo struct {
	tokens, json bool
	failures     map[string]bool
}

// NewCatalogue gathers the endpoints of the vendors' specs.
func NewCatalogue(specs ...mock.Spec) *Catalogue {
	cat := &Catalogue{endpoints: map[string]endpointInfo{}}
	for _, s := range specs {
		for _, e := range s.Endpoints {
			info := endpointInfo{tokens: e.Tokens, json: e.JSON, failures: map[string]bool{}}
			for _, f := range e.Failures {
				info.failures[f] = true
			}
			cat.ids = append(cat.ids, e.ID)
			cat.endpoints[e.ID] = info
		}
	}
	return cat
}

// Endpoints lists every endpoint id a rule may name, in table order.
func (c *Catalogue) Endpoints() []string { return slices.Clone(c.ids) }

// Failures lists the failures endpoint id can answer, sorted.
func (c *Catalogue) Failures(id string) []string { return sortedKeys(c.endpoints[id].failures) }

// Limits on what a scenario may cost to load (docs/scenarios.md
// "Limits"). A scenario over one of them is refused with a problem that
// names it.
const (
	// MaxExpandedSize bounds a scenario's YAML with its aliases expanded,
	// measured by yamlfile.Expanded: the bytes of its keys and values,
	// plus yamlfile.NodeCost a node, an alias counting as all it names at
	// each use. It is checked before anything else is read.
	MaxExpandedSize = 4 << 20
	// MaxScenarioSize bounds Scenario.Size, the memory a parsed scenario
	// keeps.
	MaxScenarioSize = 8 << 20
	// MaxRules bounds the rules of a scenario.
	MaxRules = 1000
	// MaxSteps bounds the steps of a rule's sequence.
	MaxSteps = 1000
	// MaxSetDepth bounds the segments of a set field path.
	MaxSetDepth = 32
	// MaxRegexSource bounds a match regex's text, in bytes.
	MaxRegexSource = 4096
	// MaxRegexProgram bounds the instructions a match regex compiles to
	// (regexp/syntax), on which the cost of matching it depends.
	MaxRegexProgram = 10000
	// MinStatus and MaxStatus bound a scripted status: a final answer.
	MinStatus = 200
	MaxStatus = 599
)

// Costs, in bytes, of what Scenario.Size counts besides strings: rough
// figures of the structures and their maps' and slices' overheads. Checked
// against the live heap (runtime.MemStats) of scenarios of 1,000 small
// rules, of 1 KB bodies, of small regexes and of 9,000-instruction ones,
// Size came within 20% of it, mostly above.
const (
	scenarioCost = 128
	ruleCost     = 256
	endpointCost = 48   // a map entry of Rule.Endpoints
	matchCost    = 96   // a Match
	regexCost    = 1536 // a compiled regexp.Regexp without its program
	instCost     = 48   // an instruction of a regex's program
	actionCost   = 256  // an Action
	entryCost    = 64   // a header, set field or failure_status entry
	segmentCost  = 16   // a segment of a set path
)

// size estimates the memory r keeps, but for its regexes' programs,
// which the parser counts as it compiles them.
func (r *Rule) size() int {
	n := ruleCost + len(r.Name)
	for id := range r.Endpoints {
		n += endpointCost + len(id)
	}
	for _, m := range r.Match {
		n += matchCost + len(m.In) + len(m.Key) + len(m.Value)
	}
	for i := range r.Steps {
		n += r.Steps[i].size()
	}
	return n
}

func (a *Action) size() int {
	n := actionCost + len(a.Error) + len(a.Body) + len(a.Fault) + headersSize(a.Headers)
	for _, f := range a.Set {
		n += entryCost + len(f.Value)
		for _, s := range f.Path {
			n += segmentCost + len(s)
		}
	}
	for name, r := range a.FailureStatus {
		n += entryCost + len(name) + headersSize(r.Headers)
	}
	return n
}

func headersSize(h map[string]string) int {
	n := 0
	for k, v := range h {
		n += entryCost + len(k) + len(v)
	}
	return n
}

// Scenario is a named list of rules.
type Scenario struct {
	Name        string
	Description string
	Source      string // the file it came from, or "inline"
	Rules       []Rule
	// Size estimates, in bytes, the memory the parsed scenario retains:
	// names, match values, regex sources, bodies, set values and sequence
	// steps, with YAML aliases counted once per use. It is at most
	// MaxScenarioSize; the engine budgets scenario memory with it.
	Size int
}

// Rule acts on the requests it matches, within its budget.
type Rule struct {
	Name        string          // its name, or rules[i]
	Endpoints   map[string]bool // nil: every endpoint
	Match       []Match
	After       int
	Times       int     // 0: no limit (a sequence's budget is its length)
	Probability float64 // 0: always
	Steps       []Action
	Sequence    bool
}

// Where a match looks.
const (
	inBody   = "body"
	inQuery  = "query"
	inHeader = "header"
)

// Match is one condition on the request.
type Match struct {
	In    string // body, query or header
	Key   string // field path, parameter or header name
	Any   bool   // "*": present with any value
	Value string
	Regex *regexp.Regexp
	insts int // instructions of Regex's compiled program, measured at load
}

// Fault kinds.
const (
	FaultReset     = "reset"
	FaultEmpty     = "empty"
	FaultMalformed = "malformed"
	FaultHang      = "hang"
)

// Action is what a rule does to a request.
type Action struct {
	Pass     bool
	Delay    time.Duration
	DelayMax time.Duration // with Delay as the minimum: a random delay in between
	Error    string
	Status   int // a raw answer when non-zero
	Body     string
	Headers  map[string]string
	Fault    string
	TokenTTL time.Duration
	Set      []SetField
	// FailureStatus answers the named failures of the real behaviour with
	// another status and extra headers.
	FailureStatus map[string]Restatus
}

// Restatus is how a failure is answered instead: its body with Status and
// Headers.
type Restatus struct {
	Status  int
	Headers map[string]string
}

// SetField replaces the value at Path of the real JSON answer.
type SetField struct {
	Path  []string
	Value []byte // JSON
}

// modifiesReal tells whether the action needs the real behaviour to run.
func (a *Action) modifiesReal() bool {
	return a.TokenTTL > 0 || len(a.Set) > 0 || len(a.FailureStatus) > 0
}
