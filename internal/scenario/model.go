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
