package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

func listServer(t *testing.T, entries int, body string) (*Server, *httptest.Server) {
	t.Helper()
	s := New(Config{})
	for i := range entries {
		s.journal.Add(Entry{Session: "default", Path: "/p" + strconv.Itoa(i), Body: body, Headers: map[string]string{}}) // as recorded: never nil
	}
	hs := httptest.NewServer(apicheck.Wrap(t, s))
	t.Cleanup(hs.Close)
	return s, hs
}

type listing struct {
	Requests []Entry `json:"requests"`
}

func getList(t *testing.T, url string) (int, listing, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var l listing
	if res.StatusCode == 200 {
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return res.StatusCode, l, string(b)
}

// M2 of the attack review: the listing shows the newest DefaultListLimit
// entries unless ?limit= says otherwise, at most MaxListLimit.
func TestListLimits(t *testing.T) {
	_, hs := listServer(t, DefaultListLimit+1, "")
	for _, c := range []struct {
		query     string
		n         int
		firstPath string
	}{
		{"", DefaultListLimit, "/p1"},
		{"?limit=3", 3, "/p" + strconv.Itoa(DefaultListLimit-2)},
		{"?limit=0", DefaultListLimit + 1, "/p0"},
		{"?limit=" + strconv.Itoa(MaxListLimit), DefaultListLimit + 1, "/p0"},
		{"?limit=1&endpoint=", 1, "/p" + strconv.Itoa(DefaultListLimit)},
	} {
		status, l, body := getList(t, hs.URL+"/_mock/requests"+c.query)
		if status != 200 || len(l.Requests) != c.n || l.Requests[0].Path != c.firstPath {
			t.Errorf("%q: got %d, %d entries (body %.200s), want %d from %s", c.query, status, len(l.Requests), body, c.n, c.firstPath)
			continue
		}
		for i := 1; i < len(l.Requests); i++ {
			if l.Requests[i].ID != l.Requests[i-1].ID+1 {
				t.Errorf("%q: ids %d then %d", c.query, l.Requests[i-1].ID, l.Requests[i].ID)
				break
			}
		}
	}
	for _, bad := range []string{strconv.Itoa(MaxListLimit + 1), "-1", "x"} {
		status, _, body := getList(t, hs.URL+"/_mock/requests?limit="+bad)
		if status != 400 || !strings.Contains(body, strconv.Itoa(MaxListLimit)) {
			t.Errorf("limit=%s: got %d %s, want 400 naming the limit", bad, status, body)
		}
	}
}

// The listing is streamed: while a client has read only its start, the
// server holds a chunk of it, not the whole answer. Control bytes grow six
// times in JSON (\u0001): the whole answer here would be about 75 MiB.
func TestListIsStreamed(t *testing.T) {
	const entries = 200
	_, hs := listServer(t, entries, strings.Repeat("\x01", maxBodyShown))
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	res, err := http.Get(hs.URL + "/_mock/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	start := make([]byte, 64<<10)
	if _, err := io.ReadFull(res.Body, start); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(start), `{"requests":[{"id":1,`) || !strings.Contains(string(start), `\u0001\u0001`) {
		t.Fatalf("start of the answer: %.100s", start)
	}
	if during := heap(); during > before && during-before > 16<<20 {
		t.Errorf("the server holds %d MiB for a listing of which 64 KiB was read", (during-before)>>20)
	}
}

// A client that stops reading is cut off after listWriteTimeout: the
// handler ends and lets go of what it held.
func TestListCutsOffAClientThatDoesNotRead(t *testing.T) {
	old := listWriteTimeout
	listWriteTimeout = 50 * time.Millisecond
	t.Cleanup(func() { listWriteTimeout = old })
	s, _ := listServer(t, 200, strings.Repeat("\x01", maxBodyShown))
	done := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		apicheck.Wrap(t, s).ServeHTTP(w, r)
	}))
	defer hs.Close()
	res, err := http.Get(hs.URL + "/_mock/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	select { // never reading: the handler must end on its own
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the listing still writes to a client that stopped reading")
	}
}
