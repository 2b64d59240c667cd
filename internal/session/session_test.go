package session

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

type fakeWall struct{ t time.Time }

func (f *fakeWall) now() time.Time { return f.t }

func TestGetCreatesOnceAndValidates(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := NewRegistry(w.now)
	a, err := r.Get("t-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.Get("t-1")
	if a != b {
		t.Errorf("got two sessions for one name, want one")
	}
	d, _ := r.Get("")
	if d.Name != Default {
		t.Errorf("got %q for the empty name, want %q", d.Name, Default)
	}
	for _, bad := range []string{"a/b", "a b", string(make([]byte, 65))} {
		if _, err := r.Get(bad); err == nil {
			t.Errorf("Get(%q): got no error, want one", bad)
		}
	}
}

func TestIdleSessionsDropButDefaultStays(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := NewRegistry(w.now)
	def, _ := r.Get(Default)
	old, _ := r.Get("old")
	w.t = w.t.Add(IdleTimeout + time.Second)
	if _, err := r.Get("new"); err != nil {
		t.Fatal(err)
	}
	if r.Lookup("old") != nil {
		t.Errorf("idle session still there, want dropped")
	}
	again, _ := r.Get("old")
	if again.ID == old.ID {
		t.Errorf("recreated session kept id %d, want a new incarnation", old.ID)
	}
	if r.Lookup(Default) != def {
		t.Errorf("default session dropped, want kept")
	}
}

func TestCapEvictsLeastRecentlySeen(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := NewRegistry(w.now)
	r.max = 3
	for i := 0; i < 3; i++ {
		w.t = w.t.Add(time.Second)
		r.Get(fmt.Sprint("s", i))
	}
	w.t = w.t.Add(time.Second)
	r.Get("s0") // s1 is now the least recently seen
	r.Get("s3")
	if r.Len() != 3 {
		t.Errorf("got %d sessions, want 3", r.Len())
	}
	if r.Lookup("s1") != nil || r.Lookup("s0") == nil {
		t.Errorf("got s1 kept or s0 evicted, want s1 evicted")
	}
}

func TestClockUsesSessionOffset(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := NewRegistry(w.now)
	s, _ := r.Get("x")
	advance(t, s, w.t, 49*time.Hour)
	c := Clock{Wall: w.now}
	if got, want := c.Now(With(context.Background(), s)), w.t.Add(49*time.Hour); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := c.Now(context.Background()); !got.Equal(w.t) {
		t.Errorf("without a session got %v, want %v", got, w.t)
	}
}

func TestOnDropLearnsOfDroppedSessions(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := NewRegistry(w.now)
	var dropped []uint64
	r.OnDrop = func(id uint64) { dropped = append(dropped, id) }
	a, _ := r.Get("a")
	w.t = w.t.Add(IdleTimeout + time.Second)
	b, _ := r.Get("b")
	if len(dropped) != 1 || dropped[0] != a.ID {
		t.Errorf("idle drop: got %v, want [%d]", dropped, a.ID)
	}
	if r.NameOf(a.ID) != "" {
		t.Errorf("NameOf a dropped session: got %q, want empty", r.NameOf(a.ID))
	}
	r.Drop()
	if len(dropped) != 2 || dropped[1] != b.ID {
		t.Errorf("Drop: got %v, want [%d %d]", dropped, a.ID, b.ID)
	}
}

// Sessions made at the same time by many requests are never dropped as
// idle by one another: each keeps its id until it really idles.
func TestNewSessionsAreNotIdle(t *testing.T) {
	r := NewRegistry(func() time.Time { return time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC) })
	const workers, each = 32, 50
	ids := make([][]uint64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				s, err := r.Get(fmt.Sprintf("w%d-%d", w, i))
				if err != nil {
					t.Error(err)
					return
				}
				ids[w] = append(ids[w], s.ID)
			}
		}()
	}
	wg.Wait()
	if got := r.Len(); got != workers*each {
		t.Errorf("got %d sessions, want %d: some were dropped as idle", got, workers*each)
	}
	for w := range workers {
		for i, id := range ids[w] {
			if s := r.Lookup(fmt.Sprintf("w%d-%d", w, i)); s == nil || s.ID != id {
				t.Errorf("session w%d-%d: got %v, want the one made with id %d", w, i, s, id)
			}
		}
	}
}

// advance moves s's clock by d at wall time wall, frozen or not.
func advance(t *testing.T, s *Session, wall time.Time, d time.Duration) Reading {
	t.Helper()
	r, err := s.ChangeClock(wall, func(r Reading) (time.Time, bool, error) { return r.Now.Add(d), r.Frozen, nil })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// freeze stops (or restarts) s's clock where it stands at wall time wall.
func freeze(t *testing.T, s *Session, wall time.Time, frozen bool) Reading {
	t.Helper()
	r, err := s.ChangeClock(wall, func(r Reading) (time.Time, bool, error) { return r.Now, frozen, nil })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A frozen clock shows one time however the wall clock runs; an advance
// moves it by exactly that much; unfrozen, it runs on from where it stood.
func TestFrozenClock(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := &Session{Name: "f"}
	c := Clock{Wall: w.now}
	ctx := With(context.Background(), s)
	advance(t, s, w.t, time.Hour)
	at := w.t.Add(time.Hour)
	if r := freeze(t, s, w.t, true); !r.Frozen || !r.Now.Equal(at) {
		t.Fatalf("freeze: got %+v, want frozen at %v", r, at)
	}
	w.t = w.t.Add(10 * time.Minute)
	if got := c.Now(ctx); !got.Equal(at) {
		t.Errorf("frozen, wall +10m: got %v, want %v", got, at)
	}
	if r := s.Read(w.t); r.Offset != 50*time.Minute || !r.Frozen {
		t.Errorf("frozen reading: got %+v, want offset 50m and frozen", r)
	}
	advance(t, s, w.t, 2*time.Hour)
	at = at.Add(2 * time.Hour)
	if got := c.Now(ctx); !got.Equal(at) {
		t.Errorf("frozen, advanced 2h: got %v, want %v", got, at)
	}
	if r := freeze(t, s, w.t, false); r.Frozen || !r.Now.Equal(at) {
		t.Errorf("unfreeze: got %+v, want running from %v", r, at)
	}
	w.t = w.t.Add(time.Second)
	if got := c.Now(ctx); !got.Equal(at.Add(time.Second)) {
		t.Errorf("unfrozen, wall +1s: got %v, want %v", got, at.Add(time.Second))
	}
	s.ResetClock()
	if r := s.Read(w.t); r.Frozen || !r.Now.Equal(w.t) || r.Offset != 0 {
		t.Errorf("reset: got %+v, want the wall time, running", r)
	}
}

// A change that fails leaves the clock as it was.
func TestChangeClockErrorChangesNothing(t *testing.T) {
	wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Session{Name: "e"}
	freeze(t, s, wall, true)
	r, err := s.ChangeClock(wall, func(Reading) (time.Time, bool, error) {
		return wall.Add(time.Hour), false, fmt.Errorf("no")
	})
	if err == nil || !r.Frozen || !r.Now.Equal(wall) {
		t.Errorf("got %+v, %v; want the error and the clock frozen at %v", r, err, wall)
	}
	if got := s.Now(wall.Add(time.Minute)); !got.Equal(wall) {
		t.Errorf("after the failed change: got %v, want %v", got, wall)
	}
}

// Concurrent advances are never lost, frozen or running (run with -race).
func TestConcurrentAdvancesAddUp(t *testing.T) {
	for _, frozen := range []bool{false, true} {
		wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s := &Session{Name: "c"}
		freeze(t, s, wall, frozen)
		const workers, each = 8, 200
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					if _, err := s.ChangeClock(wall, func(r Reading) (time.Time, bool, error) {
						return r.Now.Add(time.Second), r.Frozen, nil
					}); err != nil {
						t.Error(err)
						return
					}
					s.Now(wall)
				}
			}()
		}
		wg.Wait()
		want := wall.Add(workers * each * time.Second)
		if r := s.Read(wall); !r.Now.Equal(want) || r.Frozen != frozen {
			t.Errorf("frozen=%v: got %+v, want %v", frozen, r, want)
		}
	}
}

// Times reads every session at one wall time, frozen ones included.
func TestTimes(t *testing.T) {
	w := &fakeWall{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := NewRegistry(w.now)
	a, _ := r.Get("a")
	b, _ := r.Get("b")
	advance(t, a, w.t, time.Hour)
	freeze(t, b, w.t, true)
	start := w.t
	w.t = w.t.Add(time.Minute)
	wall, times := r.Times()
	if !wall.Equal(w.t) || !times[a.ID].Equal(w.t.Add(time.Hour)) || !times[b.ID].Equal(start) || len(times) != 2 {
		t.Errorf("got %v %v, want wall %v, a an hour ahead, b at %v", wall, times, w.t, start)
	}
}
