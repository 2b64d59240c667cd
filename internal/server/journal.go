package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Journal limits (DESIGN.md "Admin API").
const (
	JournalSize  = 10000
	maxBodyShown = 64 << 10
)

// Entry is one recorded vendor request.
type Entry struct {
	ID           uint64            `json:"id"`
	Time         time.Time         `json:"time"`
	Session      string            `json:"session"`
	Endpoint     string            `json:"endpoint"`
	Method       string            `json:"method"`
	Path         string            `json:"path"`
	Query        string            `json:"query"`
	Headers      map[string]string `json:"headers"`
	Body         string            `json:"body"`
	Status       int               `json:"status"`
	ResponseBody string            `json:"response_body"`
	Rule         string            `json:"rule"`
	// Failure is the catalogue name of the vendor failure answered (also
	// for HTTP-200 failures), Reason why in a sentence; "" when none.
	Failure    string  `json:"failure"`
	Reason     string  `json:"reason"`
	DurationMS float64 `json:"duration_ms"`
}

// Journal keeps the newest entries: at most size of them, and at most
// maxBytes of recorded text, so that big requests cannot grow it without
// limit.
type Journal struct {
	mu       sync.Mutex
	ring     []Entry
	start, n int // the oldest entry, and how many there are
	bytes    int
	maxBytes int
	lastID   uint64
}

// JournalBytes bounds the text the journal keeps.
const JournalBytes = 64 << 20

// NewJournal returns a journal holding at most size entries and maxBytes
// of text.
func NewJournal(size, maxBytes int) *Journal {
	return &Journal{ring: make([]Entry, size), maxBytes: maxBytes}
}

func (e *Entry) size() int {
	n := len(e.Path) + len(e.Query) + len(e.Body) + len(e.ResponseBody) + len(e.Rule) + len(e.Endpoint) + len(e.Failure) + len(e.Reason) + 128
	for k, v := range e.Headers {
		n += len(k) + len(v)
	}
	return n
}

// Add records e, giving it the next id, and drops the oldest entries
// that no longer fit.
func (j *Journal) Add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastID++
	e.ID = j.lastID
	size := e.size()
	for j.n > 0 && (j.n == len(j.ring) || j.bytes+size > j.maxBytes) {
		j.bytes -= j.ring[j.start].size()
		j.ring[j.start] = Entry{}
		j.start = (j.start + 1) % len(j.ring)
		j.n--
	}
	j.ring[(j.start+j.n)%len(j.ring)] = e
	j.n++
	j.bytes += size
}

// List returns matching entries oldest first; limit > 0 keeps the newest.
func (j *Journal) List(keep func(*Entry) bool, limit int) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Entry{}
	for i := 0; i < j.n; i++ {
		e := &j.ring[(j.start+i)%len(j.ring)]
		if keep(e) {
			out = append(out, *e)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}

// Clear empties the journal; ids keep counting.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.start, j.n, j.bytes = 0, 0, 0
}

// Remove drops the entries that match, keeping the others in order, and
// returns how many it dropped; ids keep counting.
func (j *Journal) Remove(match func(*Entry) bool) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	kept := 0
	for i := 0; i < j.n; i++ {
		e := &j.ring[(j.start+i)%len(j.ring)]
		if match(e) {
			j.bytes -= e.size()
			continue
		}
		if dst := (j.start + kept) % len(j.ring); dst != (j.start+i)%len(j.ring) {
			j.ring[dst] = *e
		}
		kept++
	}
	for i := kept; i < j.n; i++ {
		j.ring[(j.start+i)%len(j.ring)] = Entry{}
	}
	dropped := j.n - kept
	j.n = kept
	return dropped
}

// knownEndpoint tells whether id is a row of a vendor's table.
func (s *Server) knownEndpoint(id string) bool {
	for _, r := range s.routes {
		for _, e := range r.Endpoints {
			if e.ID == id {
				return true
			}
		}
	}
	return false
}

// endpointIDs lists the vendors' endpoint ids in table order, once each.
func (s *Server) endpointIDs() []string {
	var ids []string
	for _, r := range s.routes {
		for _, e := range r.Endpoints {
			if !slices.Contains(ids, e.ID) {
				ids = append(ids, e.ID)
			}
		}
	}
	return ids
}

// Secrets are shown as "***" (DESIGN.md "Admin API").
var (
	secretHeaders  = map[string]bool{"X-Access-Key": true, "Authorization": true}
	secretNameList = []string{"password", "appSecret", "client_secret", "x-access-key", "access_key"}
	secretNames    = strings.Join(secretNameList, "|")
	secretJSON     = regexp.MustCompile(`("(?:` + secretNames + `)"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)`)
	secretForm     = regexp.MustCompile(`(^|&)((?:` + secretNames + `)=)[^&]*`)
)

// maxHeaderShown cuts each header value kept in the journal.
const maxHeaderShown = 4 << 10

func maskHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if secretHeaders[k] {
			out[k] = "***"
			continue
		}
		s := strings.Join(v, ", ")
		if len(s) > maxHeaderShown {
			s = s[:maxHeaderShown]
		}
		out[k] = s
	}
	return out
}

// maskBody hides secret values in JSON and form bodies without reordering
// anything, then cuts the result to the shown size.
// It cuts first, so that masking costs at most the shown size.
func maskBody(b []byte) string {
	s := cut(string(b))
	if hasSecretName(s) { // the regular expressions are slow; most bodies have no secret
		s = secretJSON.ReplaceAllString(s, `$1"***"`)
		s = secretForm.ReplaceAllString(s, `$1$2***`)
	}
	return s
}

// maxLogBody cuts each body a debug log line shows.
const maxLogBody = 4 << 10

// logBody is a body for a debug log line: masked like the journal's, except
// that a password's kind shows ("***(sha256)", "***(plaintext, 11 chars)"),
// since "sent the password instead of its digest" is a common mistake
// that "***" hides. The journal keeps "***": it is shared with every test
// that reads it, the log only with whoever runs the server at debug.
func logBody(b []byte) string {
	s := string(b)
	more := len(s) - maxLogBody
	if more > 0 {
		s = s[:maxLogBody]
	}
	if hasSecretName(s) {
		s = maskKinds(s, secretJSON, jsonKind)
		s = maskKinds(s, secretForm, formKind)
	}
	if more > 0 {
		s += "…(" + strconv.Itoa(more) + " more bytes)"
	}
	return s
}

// maskKinds replaces every match of re in s by its mask.
func maskKinds(s string, re *regexp.Regexp, mask func(s string, m []int) string) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m[0]])
		b.WriteString(mask(s, m))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// jsonKind masks a match of secretJSON: group 1 is `"name":`, group 2 the
// value.
func jsonKind(s string, m []int) string {
	key, val := s[m[2]:m[3]], s[m[4]:m[5]]
	if !strings.HasPrefix(key, `"password"`) {
		return key + `"***"`
	}
	var v string
	if json.Unmarshal([]byte(val), &v) != nil {
		return key + `"***(not a string)"`
	}
	return key + `"` + passwordKind(v) + `"`
}

// formKind masks a match of secretForm: group 1 is the separator, group 2
// `name=`, the rest the value.
func formKind(s string, m []int) string {
	sep, key, val := s[m[2]:m[3]], s[m[4]:m[5]], s[m[5]:m[1]]
	if key != "password=" {
		return sep + key + "***"
	}
	if v, err := url.QueryUnescape(val); err == nil {
		val = v
	}
	return sep + key + passwordKind(val)
}

// passwordKind says what a password value looks like without showing it.
func passwordKind(v string) string {
	if len(v) == 64 && strings.Trim(v, "0123456789abcdefABCDEF") == "" {
		if strings.ToLower(v) != v {
			return "***(sha256, upper-case hex)"
		}
		return "***(sha256)"
	}
	if v == "" {
		return "***(empty)"
	}
	return "***(plaintext, " + strconv.Itoa(len([]rune(v))) + " chars)"
}

// maskQuery hides secret parameters of a query string (the DI platform's
// own page sends client_secret there).
func maskQuery(q string) string {
	q = cut(q)
	if hasSecretName(q) {
		q = secretForm.ReplaceAllString(q, `$1$2***`)
	}
	return q
}

func hasSecretName(s string) bool {
	for _, name := range secretNameList {
		if strings.Contains(s, name) {
			return true
		}
	}
	return false
}

func cut(s string) string {
	if len(s) > maxBodyShown {
		return s[:maxBodyShown]
	}
	return s
}
