package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Journal limits (DESIGN.md "Admin API").
const (
	JournalSize  = 10000
	maxBodyShown = 64 << 10
)

// Entry is one recorded vendor request.
type Entry struct {
	ID       uint64            `json:"id"`
	Time     time.Time         `json:"time"`
	Session  string            `json:"session"`
	Endpoint string            `json:"endpoint"`
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	Query    string            `json:"query"`
	Headers  map[string]string `json:"headers"`
	// HeadersDropped counts the headers beyond the first maxHeadersKept
	// (in name order) that the entry does not keep.
	HeadersDropped int    `json:"headers_dropped,omitempty"`
	Body           string `json:"body"`
	Status         int    `json:"status"`
	ResponseBody   string `json:"response_body"`
	Rule           string `json:"rule"`
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
	ring     []Entry // grown as entries come, up to size
	start, n int     // the oldest entry, and how many there are
	size     int
	bytes    int
	maxBytes int
	lastID   uint64
}

// journalStart is the ring's first length: a mock that journals little
// never holds the whole ring (10,000 entries, about 2 MiB) in memory.
const journalStart = 64

// JournalBytes bounds the text the journal keeps.
const JournalBytes = 64 << 20

// NewJournal returns a journal holding at most size entries and maxBytes
// of text.
func NewJournal(size, maxBytes int) *Journal {
	return &Journal{ring: make([]Entry, min(size, journalStart)), size: size, maxBytes: maxBytes}
}

// grow doubles the ring, up to size, putting the oldest entry first.
func (j *Journal) grow() {
	next := make([]Entry, min(2*len(j.ring), j.size))
	for i := range j.n {
		next[i] = j.ring[(j.start+i)%len(j.ring)]
	}
	j.ring, j.start = next, 0
}

// Overheads counted with the text: what an entry and each kept header
// hold beyond their bytes (string and map slots, allocation rounding), so
// that JournalBytes bounds the memory the journal really holds.
const (
	entryOverhead  = 128
	headerOverhead = 96
)

func (e *Entry) size() int {
	n := len(e.Path) + len(e.Query) + len(e.Body) + len(e.ResponseBody) + len(e.Rule) + len(e.Endpoint) + len(e.Failure) + len(e.Reason) + entryOverhead
	for k, v := range e.Headers {
		n += len(k) + len(v) + headerOverhead
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
	for j.n > 0 && (j.n == j.size || j.bytes+size > j.maxBytes) {
		j.bytes -= j.ring[j.start].size()
		j.ring[j.start] = Entry{}
		j.start = (j.start + 1) % len(j.ring)
		j.n--
	}
	if j.n == len(j.ring) {
		j.grow()
	}
	j.ring[(j.start+j.n)%len(j.ring)] = e
	j.n++
	j.bytes += size
}

// window returns the ids of the first and the last entry a listing shows:
// the newest limit matching entries (all when limit <= 0) at the time of
// the call; 0, 0 when there are none.
func (j *Journal) window(keep func(*Entry) bool, limit int) (from, to uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	found := 0
	for i := j.n - 1; i >= 0; i-- {
		e := &j.ring[(j.start+i)%len(j.ring)]
		if !keep(e) {
			continue
		}
		if to == 0 {
			to = e.ID
		}
		from = e.ID
		if found++; limit > 0 && found == limit {
			break
		}
	}
	return from, to
}

// chunk appends to dst copies of at most max matching entries with ids
// from from to to, oldest first, and returns the id to go on from (0 when
// done). Entries are never changed once added, so a listing can copy them
// a chunk at a time without holding the lock while it writes.
func (j *Journal) chunk(dst []Entry, keep func(*Entry) bool, from, to uint64, max int) ([]Entry, uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	at := func(i int) *Entry { return &j.ring[(j.start+i)%len(j.ring)] }
	lo, hi := 0, j.n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if at(mid).ID < from {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	taken := 0
	for i := lo; i < j.n; i++ {
		e := at(i)
		if e.ID > to {
			return dst, 0
		}
		if !keep(e) {
			continue
		}
		if taken == max {
			return dst, e.ID
		}
		dst = append(dst, *e)
		taken++
	}
	return dst, 0
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

// Secrets are shown as "***" (DESIGN.md "Admin API"). Names are matched
// as the vendors read them: a form or query name after percent-decoding
// ("pass%77ord"), a JSON key after its escapes ("pass\u0077ord"); like the
// vendors, in their exact case. Only values are replaced; everything else
// keeps its bytes and order.
var secretNameList = []string{"password", "appSecret", "client_secret", "x-access-key", "access_key"}

// isSecretName tells whether a decoded parameter or key name is a secret's.
func isSecretName(name string) bool {
	return slices.Contains(secretNameList, name)
}

// mayHoldSecret is the cheap test before masking: a secret name, or an
// escape that could spell one.
func mayHoldSecret(s string) bool {
	if strings.IndexByte(s, '%') >= 0 || strings.IndexByte(s, '\\') >= 0 {
		return true
	}
	for _, n := range secretNameList {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}

// maxHeaderShown cuts each header value kept in the journal, and
// maxHeadersKept bounds how many headers an entry keeps (the first in
// name order; Entry.HeadersDropped counts the others).
const (
	maxHeaderShown = 4 << 10
	maxHeadersKept = 64
)

// maskHeaders copies the headers the journal keeps, masking credentials:
// the X-Access-Key and Authorization values, and every cookie's value.
func maskHeaders(h http.Header) (map[string]string, int) {
	names := make([]string, 0, 16)
	dropped := 0
	if len(h) > maxHeadersKept {
		for k := range h {
			names = append(names, k)
		}
		slices.Sort(names)
		dropped = len(names) - maxHeadersKept
		names = names[:maxHeadersKept]
	}
	out := make(map[string]string, min(len(h), maxHeadersKept))
	keep := func(k string, v []string) {
		switch {
		case strings.EqualFold(k, "X-Access-Key"), strings.EqualFold(k, "Authorization"):
			out[k] = "***"
			return
		case strings.EqualFold(k, "Cookie"):
			out[k] = maskCookies(v)
			return
		}
		s := strings.Join(v, ", ")
		if len(s) > maxHeaderShown {
			// a copy: the cut value must not keep the whole one alive
			s = strings.Clone(s[:maxHeaderShown])
		}
		out[k] = s
	}
	if dropped > 0 {
		for _, k := range names {
			keep(k, h[k])
		}
	} else {
		for k, v := range h {
			keep(k, v)
		}
	}
	return out, dropped
}

// maskCookies shows the cookies' names, not their values: a session
// cookie (the DI platform's JSESSIONID) is a credential.
func maskCookies(v []string) string {
	var b strings.Builder
	for _, line := range v {
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			if b.Len()+len(name) > maxHeaderShown {
				return b.String()
			}
			b.WriteString(name)
			b.WriteString("=***")
		}
	}
	return b.String()
}

// maskText is s with its secrets masked (s itself when it has none).
func maskText(s string) string {
	if mayHoldSecret(s) { // most bodies have no secret
		s = maskForm(maskJSON(s, false), false)
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
	s := string(b[:min(len(b), maxLogBody)])
	if mayHoldSecret(s) {
		s = maskForm(maskJSON(s, true), true)
	}
	if more := len(b) - maxLogBody; more > 0 {
		s += "…(" + strconv.Itoa(more) + " more bytes)"
	}
	return s
}

// maskJSON replaces the values of secret keys in JSON text. It walks the
// strings of s in order, so that it stays aligned on JSON's tokens: a
// string followed by ':' is a key, decoded before it is matched; a key's
// string value is skipped whole. With kinds, a password shows its kind.
func maskJSON(s string, kinds bool) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		q := strings.IndexByte(s[i:], '"')
		if q < 0 {
			break
		}
		start := i + q
		end := jsonStringEnd(s, start)
		if end < 0 {
			break
		}
		j := skipSpace(s, end)
		if j >= len(s) || s[j] != ':' {
			i = end // a string that is not a key
			continue
		}
		v := skipSpace(s, j+1)
		key := s[start+1 : end-1]
		if strings.IndexByte(key, '\\') >= 0 {
			var dec string
			if json.Unmarshal([]byte(s[start:end]), &dec) == nil {
				key = dec
			}
		}
		if !isSecretName(key) {
			i = v
			if v < len(s) && s[v] == '"' { // the value: skip it whole
				if e := jsonStringEnd(s, v); e > 0 {
					i = e
				}
			}
			continue
		}
		vend := v
		if v < len(s) && s[v] == '"' {
			if vend = jsonStringEnd(s, v); vend < 0 {
				vend = len(s)
			}
		} else {
			for vend < len(s) && !strings.ContainsRune(",}] \t\r\n", rune(s[vend])) {
				vend++
			}
		}
		if vend == v {
			i = v
			continue
		}
		mask := `"***"`
		if kinds && key == "password" {
			var pw string
			if json.Unmarshal([]byte(s[v:vend]), &pw) != nil {
				mask = `"***(not a string)"`
			} else {
				mask = `"` + passwordKind(pw) + `"`
			}
		}
		b.WriteString(s[last:v])
		b.WriteString(mask)
		last, i = vend, vend
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// jsonStringEnd is the index after the JSON string that starts at s[i]
// (a '"'), or -1 when it does not end.
func jsonStringEnd(s string, i int) int {
	for k := i + 1; k < len(s); k++ {
		switch s[k] {
		case '\\':
			k++
		case '"':
			return k + 1
		}
	}
	return -1
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// maskForm replaces the values of secret parameters in a form body or a
// query string; a name is percent-decoded (and '+' read as a space)
// before it is matched, as url.ParseQuery does.
func maskForm(s string, kinds bool) string {
	if strings.IndexByte(s, '=') < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i <= len(s); {
		amp := strings.IndexByte(s[i:], '&')
		end := len(s)
		if amp >= 0 {
			end = i + amp
		}
		pair := s[i:end]
		if name, val, ok := strings.Cut(pair, "="); ok {
			if strings.ContainsAny(name, "%+") {
				if dec, err := url.QueryUnescape(name); err == nil {
					name = dec
				}
			}
			if isSecretName(name) {
				v := end - len(val) // where the value starts
				mask := "***"
				if kinds && name == "password" {
					if dec, err := url.QueryUnescape(val); err == nil {
						val = dec
					}
					mask = passwordKind(val)
				}
				b.WriteString(s[last:v])
				b.WriteString(mask)
				last = end
			}
		}
		if amp < 0 {
			break
		}
		i = end + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// passwordKind says what a password value looks like without showing it.
func passwordKind(v string) string {
	switch d := mock.DigestOf(v); {
	case d.SHA256() && !d.Lower:
		return "***(sha256, upper-case hex)"
	case d.SHA256():
		return "***(sha256)"
	case d.Len == 0:
		return "***(empty)"
	default:
		return "***(plaintext, " + strconv.Itoa(d.Len) + " chars)"
	}
}

// maskQuery hides secret parameters of a query string (the DI platform's
// own page sends client_secret there), in a copy of at most the shown
// size.
func maskQuery(q string) string {
	if q == "" {
		return ""
	}
	q = strings.Clone(cut(q))
	if mayHoldSecret(q) {
		q = maskForm(q, false)
	}
	return q
}

func cut(s string) string {
	if len(s) > maxBodyShown {
		return s[:maxBodyShown]
	}
	return s
}
