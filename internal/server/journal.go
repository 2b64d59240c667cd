package server

import (
	"net/http"
	"regexp"
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
	DurationMS   float64           `json:"duration_ms"`
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
	n := len(e.Path) + len(e.Query) + len(e.Body) + len(e.ResponseBody) + len(e.Rule) + len(e.Endpoint) + 128
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
