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

// Journal keeps the newest JournalSize entries in a ring.
type Journal struct {
	mu     sync.Mutex
	ring   []Entry
	next   int // where the next entry goes
	full   bool
	lastID uint64
}

// NewJournal returns a journal holding at most size entries.
func NewJournal(size int) *Journal { return &Journal{ring: make([]Entry, size)} }

// Add records e, giving it the next id.
func (j *Journal) Add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastID++
	e.ID = j.lastID
	j.ring[j.next] = e
	j.next++
	if j.next == len(j.ring) {
		j.next, j.full = 0, true
	}
}

// List returns matching entries oldest first; limit > 0 keeps the newest.
func (j *Journal) List(keep func(*Entry) bool, limit int) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Entry{}
	start, n := 0, j.next
	if j.full {
		start, n = j.next, len(j.ring)
	}
	for i := 0; i < n; i++ {
		e := &j.ring[(start+i)%len(j.ring)]
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
	j.next, j.full = 0, false
}

// Secrets are shown as "***" (DESIGN.md "Admin API").
var (
	secretHeaders  = map[string]bool{"X-Access-Key": true, "Authorization": true}
	secretNameList = []string{"password", "appSecret", "client_secret", "x-access-key", "access_key"}
	secretNames    = strings.Join(secretNameList, "|")
	secretJSON     = regexp.MustCompile(`("(?:` + secretNames + `)"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)`)
	secretForm     = regexp.MustCompile(`(^|&)((?:` + secretNames + `)=)[^&]*`)
)

func maskHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if secretHeaders[k] {
			out[k] = "***"
			continue
		}
		out[k] = strings.Join(v, ", ")
	}
	return out
}

// maskBody hides secret values in JSON and form bodies without reordering
// anything, then cuts the result to the shown size.
func maskBody(b []byte) string {
	s := string(b)
	if hasSecretName(s) { // the regular expressions are slow; most bodies have no secret
		s = secretJSON.ReplaceAllString(s, `$1"***"`)
		s = secretForm.ReplaceAllString(s, `$1$2***`)
	}
	return cut(s)
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
