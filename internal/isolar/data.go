package isolar

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Paths of the data endpoints.
const (
	pathPlants         = "/openapi/platform/queryPowerStationList"
	pathPlantRealtime  = "/openapi/platform/getPowerStationRealTimeData"
	pathDevices        = "/openapi/platform/getDeviceListByPsId"
	pathDeviceRealtime = "/openapi/platform/getDeviceRealTimeData"
)

// dataPath reports whether path is a data endpoint's.
func dataPath(path string) bool {
	switch path {
	case pathPlants, pathPlantRealtime, pathDevices, pathDeviceRealtime:
		return true
	}
	return false
}

// dataRequest is the JSON body of a data call, parsed once: the appkey
// for the gateway, and the other fields raw, for the endpoint to read its
// parameters from. As on the token endpoints, the body is read as JSON
// whatever its Content-Type, and a body that is no JSON object counts as
// {} (vendors/isolarcloud-data.md §2).
type dataRequest struct {
	appKey string
	fields map[string]json.RawMessage
}

func parseData(b []byte) dataRequest {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		m = nil
	}
	r := dataRequest{fields: m}
	var k string
	if raw, ok := m["appkey"]; ok && json.Unmarshal(raw, &k) == nil {
		r.appKey = k
	}
	return r
}

// given reports whether the request has a value for name: not absent, not
// null, not "" and not [].
func (r dataRequest) given(name string) bool {
	switch string(r.fields[name]) {
	case "", "null", `""`, "[]":
		return false
	}
	return true
}

// raw is the field's JSON, or nil when it is not given.
func (r dataRequest) raw(name string) json.RawMessage {
	if !r.given(name) {
		return nil
	}
	return r.fields[name]
}

// id is a numeric id as requested: its value, and the text the client
// sent, for the lists of rejected ids.
type id struct {
	n    int64
	sent string
}

// intValue reads a JSON integer or a string of decimal digits: clients
// that work against the real platform send both (§2).
func intValue(raw json.RawMessage) (id, bool) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return id{}, false
		}
		return digits(s)
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return id{}, false
	}
	return id{n, string(raw)}, true
}

// digits reads a string of decimal digits, surrounding spaces aside.
func digits(s string) (id, bool) {
	t := strings.TrimSpace(s)
	if t == "" || strings.TrimLeft(t, "0123456789") != "" {
		return id{}, false
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return id{}, false
	}
	return id{n, t}, true
}

// idList reads a list of ids: a JSON array of integers or digit strings,
// a string of them separated by commas, or a single integer.
func idList(raw json.RawMessage) ([]id, bool) {
	var out []id
	switch {
	case len(raw) > 0 && raw[0] == '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil, false
		}
		for _, it := range items {
			v, ok := intValue(it)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		for part := range strings.SplitSeq(s, ",") {
			v, ok := digits(part)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
	default:
		v, ok := intValue(raw)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// strList reads a list of strings: a JSON array of strings, or a string
// of them separated by commas. Empty entries are dropped.
func strList(raw json.RawMessage) ([]string, bool) {
	var items []string
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		items = strings.Split(s, ",")
	} else if json.Unmarshal(raw, &items) != nil {
		return nil, false
	}
	out := items[:0]
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out, true
}

// flag reads a 0/1 switch (an integer or a digit string); absent, null and
// "" are 0.
func flag(raw json.RawMessage) (bool, bool) {
	if raw == nil {
		return false, true
	}
	v, ok := intValue(raw)
	if !ok || v.n > 1 || v.n < 0 {
		return false, false
	}
	return v.n == 1, true
}

// idSet is a filter of ids; nil lets everything through.
type idSet map[int64]bool

func (s idSet) has(n int64) bool { return s == nil || s[n] }

func newIDSet(ids []id) idSet {
	s := idSet{}
	for _, v := range ids {
		s[v.n] = true
	}
	return s
}

// pointList reads point_id_list: the points in request order, each once,
// and whether the request named more than the platform's 100.
func pointList(raw json.RawMessage) (points []int64, tooLong, ok bool) {
	ids, ok := idList(raw)
	if !ok {
		return nil, false, false
	}
	seen := map[int64]bool{}
	for _, p := range ids {
		if !seen[p.n] {
			seen[p.n] = true
			points = append(points, p.n)
		}
	}
	return points, len(ids) > maxPoints, true
}

// pointsAsked reads what both realtime calls take: point_id_list (see
// pointList) and is_get_point_dict; ok is false when either is malformed.
func (r dataRequest) pointsAsked() (points []int64, dict, tooLong, ok bool) {
	if points, tooLong, ok = pointList(r.raw("point_id_list")); !ok {
		return nil, false, false, false
	}
	if dict, ok = flag(r.raw("is_get_point_dict")); !ok {
		return nil, false, false, false
	}
	return points, dict, tooLong, true
}

// maxPoints is the most points one realtime call may ask for.
const maxPoints = 100

// page reads the required page and size: missing gives P1, a value below
// 1 or not an integer P2.
func (r dataRequest) page() (page, size int64, f *failure) {
	p, okP := intValue(r.raw("page"))
	s, okS := intValue(r.raw("size"))
	if !okP || !okS || p.n < 1 || s.n < 1 {
		return 0, 0, &failInvalidParameter
	}
	return p.n, s.n, nil
}

// pageOf is the part of n items that page and size (both at least 1)
// select: [from, to).
func pageOf(n int, page, size int64) (from, to int) {
	if page-1 > int64(n)/size { // (page-1)*size would pass n, or overflow
		return n, n
	}
	start, end := (page-1)*size, int64(n)
	if start >= end {
		return n, n
	}
	if size < end-start {
		end = start + size
	}
	return int(start), int(end)
}

// dataCall is a data call that passed the gateway, the token and the
// quota: what the endpoint's handler works from.
type dataCall struct {
	app   *app
	grant *grantData
	req   dataRequest
	now   time.Time
}

// guarded runs, before h, what every data call goes through in this order
// (vendors/isolarcloud-data.md §4): the gateway checks G1–G5, the app's
// grant of the endpoint (E900), the bearer token (T1, T2), the app's
// quota (Q1).
func guarded(endpoint string, h func(*Service, *gin.Context, dataCall)) func(*Service, *gin.Context) {
	return func(s *Service, c *gin.Context) {
		ctx := c.Request.Context()
		req := parseData(mock.Req(c).Body)
		a, f := s.gateway(c, req.appKey)
		if f != nil {
			s.writeFailure(c, nil, *f, "")
			return
		}
		if !a.MayCall(endpoint) {
			s.writeFailure(c, a, failNotAuthorized, "")
			return
		}
		now := s.deps.Now(ctx)
		g, f := s.bearer(c, a, now)
		if f != nil {
			s.writeFailure(c, a, *f, "")
			return
		}
		if f := s.quotas.admit(mock.SessionID(ctx), a, now, s.zone); f != nil {
			s.writeFailure(c, a, *f, "")
			return
		}
		h(s, c, dataCall{a, g, req, now})
	}
}

// bearer checks the Authorization header: T1, a bearer token is there
// (the scheme in any case, then one or more spaces); T2, it is a live
// access token of this session, not revoked or superseded by a refresh,
// issued to the request's app.
func (s *Service) bearer(c *gin.Context, a *app, now time.Time) (*grantData, *failure) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(c.GetHeader("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, &failTokenMissing
	}
	t, ok := s.tokens.Lookup(mock.SessionID(c.Request.Context()), token)
	if !ok || t.Kind != "access" || !now.Before(t.ExpiresAt) || t.Grant.Client != a.AppKey {
		return nil, &failTokenInvalid
	}
	g, ok := t.Grant.Data.(*grantData)
	if !ok {
		return nil, &failTokenInvalid
	}
	return g, nil
}

// writeData is the one place a data call's success is written: the
// envelope, whatever the app's response_shape (that is the token
// endpoints' matter).
func (s *Service) writeData(c *gin.Context, data any) {
	writeJSON(c, http.StatusOK, envelope{s.serial(c.Request.Context()), "1", "success", data})
}
