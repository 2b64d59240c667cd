package server

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func idsOf(es []Entry) string {
	var b []string
	for _, e := range es {
		b = append(b, strconv.FormatUint(e.ID, 10)+e.Session)
	}
	return strings.Join(b, " ")
}

// Remove keeps the other entries in order across the ring's wrap, and the
// byte count stays true: it bounds what comes after.
func TestJournalRemove(t *testing.T) {
	j := NewJournal(4, 1<<20)
	all := func(*Entry) bool { return true }
	for i, s := range []string{"a", "b", "a", "b", "a", "b"} { // 1 and 2 are dropped: the ring wraps
		j.Add(Entry{Session: s, Body: strconv.Itoa(i)})
	}
	if got := idsOf(j.List(all, 0)); got != "3a 4b 5a 6b" {
		t.Fatalf("before: got %s", got)
	}
	if n := j.Remove(func(e *Entry) bool { return e.Session == "a" }); n != 2 {
		t.Errorf("Remove: got %d, want 2", n)
	}
	if got := idsOf(j.List(all, 0)); got != "4b 6b" {
		t.Errorf("after Remove: got %s, want 4b 6b", got)
	}
	want := 0
	for _, e := range j.List(all, 0) {
		want += e.size()
	}
	if j.bytes != want {
		t.Errorf("bytes: got %d, want %d", j.bytes, want)
	}
	for range 3 {
		j.Add(Entry{Session: "c"})
	}
	if got := idsOf(j.List(all, 0)); got != "6b 7c 8c 9c" {
		t.Errorf("after three more: got %s, want 6b 7c 8c 9c", got)
	}
	if n := j.Remove(func(e *Entry) bool { return e.Session == "nobody" }); n != 0 || idsOf(j.List(all, 0)) != "6b 7c 8c 9c" {
		t.Errorf("removing nothing: got %d, %s", n, idsOf(j.List(all, 0)))
	}
}

// The debug log shows what kind of password was sent, never the password;
// the other secrets stay "***", as in the journal.
func TestLogBodyShowsThePasswordKind(t *testing.T) {
	digest := "472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"
	for _, c := range []struct{ in, want string }{
		{`{"appSecret":"s3","username":"u","password":"hunter2hunt"}`, `{"appSecret":"***","username":"u","password":"***(plaintext, 11 chars)"}`},
		{`{"password":"` + digest + `"}`, `{"password":"***(sha256)"}`},
		{`{"password":"` + strings.ToUpper(digest) + `"}`, `{"password":"***(sha256, upper-case hex)"}`},
		{`{"password": "pässwörd"}`, `{"password": "***(plaintext, 8 chars)"}`},
		{`{"password":""}`, `{"password":"***(empty)"}`},
		{`{"password":12345}`, `{"password":"***(not a string)"}`},
		{"grant_type=password&username=u&password=p%40ss&client_secret=x", "grant_type=password&username=u&password=***(plaintext, 4 chars)&client_secret=***"},
		{`{"username":"u"}`, `{"username":"u"}`},
	} {
		if got := logBody([]byte(c.in)); got != c.want {
			t.Errorf("logBody(%s):\ngot  %s\nwant %s", c.in, got, c.want)
		}
		if got := maskBody([]byte(c.in)); strings.Contains(got, "plaintext") || strings.Contains(got, "sha256") {
			t.Errorf("maskBody(%s) = %s: the journal shows no kind", c.in, got)
		}
	}
	long := strings.Repeat("x", maxLogBody+10)
	if got := logBody([]byte(long)); got != long[:maxLogBody]+"…(10 more bytes)" {
		t.Errorf("a long body: got %d bytes ending %q", len(got), got[len(got)-20:])
	}
}

// The ring starts small and grows as entries come, keeping their order,
// up to the journal's size; past it the oldest go.
func TestJournalRingGrows(t *testing.T) {
	j := NewJournal(200, 1<<20)
	if len(j.ring) != journalStart {
		t.Fatalf("a new journal's ring has %d slots, want %d", len(j.ring), journalStart)
	}
	for i := range 250 {
		j.Add(Entry{Path: fmt.Sprint(i)})
		if i == 100 && len(j.ring) != 128 {
			t.Errorf("after 101 entries the ring has %d slots, want 128", len(j.ring))
		}
	}
	if len(j.ring) != 200 {
		t.Errorf("the ring has %d slots, want at most the journal's size, 200", len(j.ring))
	}
	got := j.List(func(*Entry) bool { return true }, 0)
	if len(got) != 200 || got[0].Path != "50" || got[199].Path != "249" {
		t.Fatalf("got %d entries from %q to %q, want the newest 200, 50 to 249", len(got), got[0].Path, got[len(got)-1].Path)
	}
	for i, e := range got {
		if e.Path != fmt.Sprint(50+i) {
			t.Fatalf("entry %d is %q, want %d: the order was lost", i, e.Path, 50+i)
		}
	}
}
