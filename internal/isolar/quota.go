package isolar

import (
	"sync"
	"time"

	"github.com/tokenmock/tokenmock/internal/memstore"
)

// maxCounters bounds the (session, app) quota counters kept.
const maxCounters = 100000

type counterKey struct {
	session uint64
	appKey  string
}

func (k counterKey) sessionID() uint64 { return k.session }

// usage is an app's data calls in the current clock hour and calendar
// month of its session's clock.
type usage struct {
	hour, month           time.Time // starts of the windows counted
	hourCalls, monthCalls int64
}

// quotas counts each app's data calls per session, so that parallel tests
// do not use up each other's allowance (vendors/isolarcloud-data.md §4 Q1).
type quotas struct {
	mu sync.Mutex
	m  *memstore.Map[counterKey, *usage]
}

func newQuotas() *quotas {
	return &quotas{m: memstore.New[counterKey, *usage](maxCounters, maxCounters, counterKey.sessionID)}
}

// admit counts a data call of a in session at now, or refuses it once a
// limit is reached: the monthly one first, since waiting for the next
// hour would not help. A refused call counts against nothing. The
// refusal says when the window ends, in the platform's zone.
func (q *quotas) admit(session uint64, a *app, now time.Time, zone *time.Location) *refusal {
	if a.Quota == nil || (a.Quota.Hourly == nil && a.Quota.Monthly == nil) {
		return nil
	}
	hour, month := windows(now, zone)
	q.mu.Lock()
	defer q.mu.Unlock()
	k := counterKey{session, a.AppKey}
	u, ok := q.m.Get(k)
	if !ok {
		u = &usage{}
		q.m.Put(k, u)
	}
	if !u.hour.Equal(hour) {
		u.hour, u.hourCalls = hour, 0
	}
	if !u.month.Equal(month) {
		u.month, u.monthCalls = month, 0
	}
	switch {
	case a.Quota.Monthly != nil && u.monthCalls >= *a.Quota.Monthly:
		return refuse(failMonthlyLimit, "app %s reached its monthly limit (%d calls); resets at %s",
			a.AppKey, *a.Quota.Monthly, month.AddDate(0, 1, 0).Format(time.RFC3339))
	case a.Quota.Hourly != nil && u.hourCalls >= *a.Quota.Hourly:
		return refuse(failHourlyLimit, "app %s reached its hourly limit (%d calls); resets at %s",
			a.AppKey, *a.Quota.Hourly, hour.Add(time.Hour).Format(time.RFC3339))
	}
	u.hourCalls++
	u.monthCalls++
	return nil
}

// windows are the starts of the clock hour and the calendar month of now
// in zone (the platform's, that of req_serial_num).
func windows(now time.Time, zone *time.Location) (hour, month time.Time) {
	t := now.In(zone)
	hour = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, zone)
	month = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, zone)
	return hour, month
}

// windowLeft is how many whole seconds, rounded up, are left of the window
// of quota failure f at now: a Retry-After.
func (s *Service) windowLeft(f failure, now time.Time) int64 {
	hour, month := windows(now, s.zone)
	end := hour.Add(time.Hour)
	if f == failMonthlyLimit {
		end = month.AddDate(0, 1, 0)
	}
	left := end.Sub(now)
	secs := int64(left / time.Second)
	if left%time.Second > 0 {
		secs++
	}
	return secs
}

func (q *quotas) clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.m.Clear()
}

// sweep drops the counters of sessions that are gone.
func (q *quotas) sweep(now func(session uint64) (time.Time, bool)) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.m.DeleteFunc(func(k counterKey, _ *usage) bool { _, live := now(k.session); return !live })
}
