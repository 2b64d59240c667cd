package solarman

import (
	"fmt"
	"sync"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/memstore"
)

// maxCounters bounds the (session, app) counters kept.
const maxCounters = 100000

type counterKey struct {
	session uint64
	appID   string
}

func (k counterKey) sessionID() uint64 { return k.session }

type counters struct {
	windowStart time.Time
	calls       int
	used        int64 // quota units, starting at the app's quota_used
}

// limits keeps each app's rate window and quota use, per session, so that
// parallel tests do not use up each other's allowance.
type limits struct {
	mu sync.Mutex
	m  *memstore.Map[counterKey, *counters]
}

func newLimits() *limits {
	return &limits{m: memstore.New[counterKey, *counters](maxCounters, maxCounters, counterKey.sessionID)}
}

// admit runs checks 3 and 4 of vendors/solarman.md §5.2: every call that
// reaches the rate check counts in the window, every call that reaches the
// quota check uses a unit. A failure comes with its reason, for the log.
func (l *limits) admit(session uint64, app *fixture.SolarmanApp, now time.Time) (*failure, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := counterKey{session, app.AppID}
	c, ok := l.m.Get(k)
	if !ok {
		c = &counters{windowStart: now, used: app.QuotaUsed}
		l.m.Put(k, c)
	}
	if rl := app.Limit(); rl.Calls > 0 {
		if !now.Before(c.windowStart.Add(time.Duration(rl.WindowS) * time.Second)) {
			c.windowStart, c.calls = now, 0
		}
		c.calls++
		if c.calls > rl.Calls {
			return &failTooFrequently, fmt.Sprintf("app %s: %d calls in its %d s window, over its rate_limit of %d", app.AppID, c.calls, rl.WindowS, rl.Calls)
		}
	}
	if app.Quota != nil {
		if c.used >= *app.Quota {
			return &failQuotaExceeded, fmt.Sprintf("app %s used up its quota of %d calls in this session", app.AppID, *app.Quota)
		}
		c.used++
	}
	return nil, ""
}

func (l *limits) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m.Clear()
}

// sweep drops the counters of sessions that are gone.
func (l *limits) sweep(now func(session uint64) (time.Time, bool)) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.DeleteFunc(func(k counterKey, _ *counters) bool { _, live := now(k.session); return !live })
}
