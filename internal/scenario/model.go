// Package scenario is the scenario engine: the model of scenario files,
// their strict loader, and the per-session decisions and actions that
// inject failures into the vendors' answers (DESIGN.md "Scenarios").
package scenario

import (
	"regexp"
	"time"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Endpoint ids, and what each can do beyond failing.
var (
	// Endpoints lists every endpoint id a rule may name.
	Endpoints = []string{"isolar.authorize", "isolar.token", "isolar.refresh", "solarman.token", "solarman.info", "oauth.authorize", "oauth.token"}
	// tokenEndpoints issue tokens, so token_ttl means something there.
	tokenEndpoints = map[string]bool{"isolar.token": true, "isolar.refresh": true, "solarman.token": true, "oauth.token": true, "oauth.authorize": true}
	// jsonEndpoints answer JSON, so set means something there.
	jsonEndpoints = map[string]bool{"isolar.token": true, "isolar.refresh": true, "solarman.token": true, "solarman.info": true, "oauth.token": true}
)

// Catalogue is every failure a rule may name: endpoint id → name → failure.
type Catalogue map[string]map[string]mock.Failure

// NewCatalogue gathers the failures of the vendors by endpoint.
func NewCatalogue(vendors []mock.Vendor) Catalogue {
	cat := Catalogue{}
	for _, id := range Endpoints {
		cat[id] = map[string]mock.Failure{}
	}
	for _, v := range vendors {
		for name, f := range v.Failures() {
			for _, ep := range f.Endpoints {
				if cat[ep] != nil {
					cat[ep][name] = f
				}
			}
		}
	}
	return cat
}

// Scenario is a named list of rules.
type Scenario struct {
	Name        string
	Description string
	Source      string // the file it came from, or "inline"
	Rules       []Rule
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
}

// SetField replaces the value at Path of the real JSON answer.
type SetField struct {
	Path  []string
	Value []byte // JSON
}

// modifiesReal tells whether the action needs the real behaviour to run.
func (a *Action) modifiesReal() bool { return a.TokenTTL > 0 || len(a.Set) > 0 }
