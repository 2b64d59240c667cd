package session

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// At the cap, eviction takes exactly the least recently used session: the
// victim, touched once after the registry filled, outlives every session
// older than its touch and goes only when it is the oldest.
func TestEvictionIsExactLRU(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := NewRegistry(w.now)
	var dropped []uint64
	r.OnDrop = func(id uint64) { dropped = append(dropped, id) }
	want := make([]uint64, 0, MaxSessions)
	var victim *Session
	for i := range MaxSessions {
		s, err := r.Get(fmt.Sprint("s", i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			victim = s
		} else {
			want = append(want, s.ID)
		}
	}
	r.Get(victim.Name) // the same wall time: the order is that of use
	for i := range MaxSessions - 1 {
		if _, err := r.Get(fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	if r.Lookup(victim.Name) != victim {
		t.Fatalf("the touched victim was evicted before %d older sessions", MaxSessions-1)
	}
	if !equalIDs(dropped, want) {
		t.Fatalf("evicted %d sessions, want s1..s%d in that order", len(dropped), MaxSessions-1)
	}
	r.Get("last")
	if r.Lookup(victim.Name) != nil || dropped[len(dropped)-1] != victim.ID {
		t.Errorf("the victim, now the oldest, was kept; want it evicted")
	}
	if r.Len() != MaxSessions {
		t.Errorf("got %d sessions, want %d", r.Len(), MaxSessions)
	}
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Many requests create sessions at once, at the cap: each request's
// session keeps what the request did (its clock moved by an hour) for its
// next request. The registry is filled first, so every creation evicts;
// fewer sessions are created than the cap, so exact LRU evicts only the
// fillers, never a session of the test.
func TestConcurrentCreatorsAtTheCapLoseNothing(t *testing.T) {
	wall := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	r := NewRegistry(func() time.Time { return wall })
	const max, workers, each = 2000, 16, 100
	r.max = max
	for i := range max {
		s, err := r.Acquire(fmt.Sprint("filler", i))
		if err != nil {
			t.Fatal(err)
		}
		r.Release(s)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	lost := 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("w%d-%d", w, i)
				// the first request: creates the session, moves its clock
				first, err := r.Acquire(name)
				if err != nil {
					t.Error(err)
					return
				}
				advance(t, first, wall, time.Hour)
				// a second request of the same session while the
				// first is still in flight, then one after it
				during, err := r.Acquire(name)
				if err != nil {
					t.Error(err)
					return
				}
				r.Release(during)
				r.Release(first)
				after, err := r.Acquire(name)
				if err != nil {
					t.Error(err)
					return
				}
				if during != first || after != first || after.Read(wall).Offset != time.Hour {
					mu.Lock()
					lost++
					mu.Unlock()
				}
				r.Release(after)
			}
		}()
	}
	wg.Wait()
	if lost != 0 {
		t.Errorf("%d of %d new sessions lost their first request's state", lost, workers*each)
	}
	if got := r.Len(); got != max {
		t.Errorf("got %d sessions, want the cap %d", got, max)
	}
	for i := range workers * each {
		if r.Lookup(fmt.Sprint("filler", i)) != nil {
			t.Errorf("filler%d kept, want it evicted before any newer session", i)
			break
		}
	}
}

// A session in use by a request is neither evicted nor dropped as idle,
// however long the request takes; when every session is in use, a new
// one is refused with ErrFull.
func TestSessionsInUseStay(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := NewRegistry(w.now)
	r.max = 3
	a, _ := r.Acquire("a")
	b, _ := r.Acquire("b")
	c, _ := r.Acquire("c")
	w.t = w.t.Add(2 * IdleTimeout)
	if s, err := r.Acquire("d"); !errors.Is(err, ErrFull) || s != nil {
		t.Fatalf("a new session with all %d in use: got %v, %v, want ErrFull", r.max, s, err)
	}
	if !strings.Contains(ErrFull.Error(), "10000 sessions") {
		t.Errorf("ErrFull %q does not name the limit", ErrFull)
	}
	r.Release(b) // b is idle no more: it was used until now
	d, err := r.Acquire("d")
	if err != nil {
		t.Fatal(err)
	}
	if r.Lookup("b") != nil || r.Lookup("a") != a || r.Lookup("c") != c {
		t.Errorf("want b (the only one not in use) evicted, a and c kept")
	}
	for _, s := range []*Session{a, c, d} {
		r.Release(s)
	}
	// released together: none is idle yet, a is the least recent
	w.t = w.t.Add(IdleTimeout - time.Second)
	r.Get("e")
	if r.Lookup("a") != nil || r.Lookup("c") == nil || r.Lookup("d") == nil {
		t.Errorf("want a evicted at the cap, c and d kept (not idle)")
	}
	w.t = w.t.Add(2 * time.Second)
	r.Get("f")
	if r.Len() != 2 || r.Lookup("e") == nil || r.Lookup("f") == nil {
		t.Errorf("got %d sessions, want c and d dropped as idle, e and f kept", r.Len())
	}
}

// A session dropped by Drop while a request uses it stays dropped, and
// OnDrop hears of it again when the request ends, for any state the
// request made after the drop.
func TestReleaseAfterDrop(t *testing.T) {
	r := NewRegistry(nil)
	var dropped []uint64
	r.OnDrop = func(id uint64) { dropped = append(dropped, id) }
	s, _ := r.Acquire("x")
	r.Drop()
	r.Release(s)
	if r.Len() != 0 || r.Lookup("x") != nil {
		t.Errorf("got %d sessions after Release of a dropped one, want 0", r.Len())
	}
	if !equalIDs(dropped, []uint64{s.ID, s.ID}) {
		t.Errorf("OnDrop got %v, want [%d %d]", dropped, s.ID, s.ID)
	}
	again, _ := r.Get("x")
	if again == s {
		t.Errorf("the dropped session came back, want a new one")
	}
}

// NameOf is the name of the live session with that id, or "", as Names
// tells it.
func (r *Registry) NameOf(id uint64) string { return r.Names()[id] }

func TestNameOfIsByID(t *testing.T) {
	r := NewRegistry(nil)
	a, _ := r.Get("a")
	b, _ := r.Get("b")
	if r.NameOf(a.ID) != "a" || r.NameOf(b.ID) != "b" || r.NameOf(b.ID+1) != "" {
		t.Errorf("NameOf: got %q %q %q, want a, b and empty", r.NameOf(a.ID), r.NameOf(b.ID), r.NameOf(b.ID+1))
	}
}

// Names made only of dots do not survive a URL ("/s/../x" is "/x").
func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		".": false, "..": false, "...": false, "": false, "a/b": false, "a b": false, "é": false, "a\x00": false,
		strings.Repeat("a", MaxNameLen+1): false,
		strings.Repeat("a", MaxNameLen):   true,
		"a":                               true, ".a": true, "a..": true, "t-1.2_x~Y": true, Default: true,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q): got %v, want %v", name, got, want)
		}
	}
	_, err := NewRegistry(nil).Get("..")
	if err == nil || !strings.Contains(err.Error(), "not only dots") {
		t.Errorf(`Get(".."): got %v, want the invalid-name error`, err)
	}
}
