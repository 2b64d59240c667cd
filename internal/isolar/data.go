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
// pointList) and is_get_point_dict; a refusal when either is malformed.
func (r dataRequest) pointsAsked() (points []int64, dict, tooLong bool, rf *refusal) {
	var ok bool
	if points, tooLong, ok = pointList(r.raw("point_id_list")); !ok {
		return nil, false, false, r.invalid("point_id_list", "a list of point ids")
	}
	if dict, ok = flag(r.raw("is_get_point_dict")); !ok {
		return nil, false, false, r.invalid("is_get_point_dict", "0 or 1")
	}
	return points, dict, tooLong, nil
}

// maxPoints is the most points one realtime call may ask for.
const maxPoints = 100

// tooManyPoints refuses a point_id_list of more than maxPoints entries.
func tooManyPoints(r dataRequest) *refusal {
	ids, _ := idList(r.raw("point_id_list"))
	return refuse(failPointListTooLong, "point_id_list has %d points, over %d", len(ids), maxPoints)
}

// page reads the required page and size: missing gives P1, a value below
// 1 or not an integer P2.
func (r dataRequest) page() (page, size int64, rf *refusal) {
	p, okP := intValue(r.raw("page"))
	s, okS := intValue(r.raw("size"))
	switch {
	case !okP:
		return 0, 0, r.invalid("page", "an integer")
	case !okS:
		return 0, 0, r.invalid("size", "an integer")
	case p.n < 1:
		return 0, 0, refuse(failInvalidParameter, "page %d is below 1", p.n)
	case s.n < 1:
		return 0, 0, refuse(failInvalidParameter, "size %d is below 1", s.n)
	}
	return p.n, s.n, nil
}

// missing refuses the request with P1, naming the first of names it has
// no value for; nil when it has them all.
func (r dataRequest) missing(names ...string) *refusal {
	for _, n := range names {
		if !r.given(n) {
			return refuse(failMissingParameter, "%s missing (absent, null, \"\" or [])", n)
		}
	}
	return nil
}

// invalid refuses the request with P2 for the value of name, which is not
// what the vendor wants.
func (r dataRequest) invalid(name, want string) *refusal {
	return refuse(failInvalidParameter, "%s %s is not %s", name, shownJSON(r.fields[name]), want)
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
		body := mock.Req(c).Body
		req := parseData(body)
		a, f := s.gateway(c, req.appKey, body)
		if f != nil {
			s.writeFailure(c, nil, *f, "")
			return
		}
		if !a.MayCall(endpoint) {
			granted := "none"
			if len(a.Endpoints) > 0 {
				granted = strings.Join(a.Endpoints, ", ")
			}
			mock.NoteReason(c, "app %s may not call %s (granted: %s)", a.AppKey, endpoint, granted)
			s.writeFailure(c, a, failNotAuthorized, "")
			return
		}
		now := s.deps.Now(ctx)
		g, f := s.bearer(c, a, now)
		if f != nil {
			s.writeFailure(c, a, *f, "")
			return
		}
		if r := s.quotas.admit(mock.SessionID(ctx), a, now, s.zone); r != nil {
			s.writeRefusal(c, a, r, "")
			return
		}
		h(s, c, dataCall{a, g, req, now})
	}
}

// bearer checks the Authorization header: T1, a bearer token is there
// (the scheme in any case, then one or more spaces); T2, it is a live
// access token of this session, not revoked or superseded by a refresh,
// issued to the request's app. A refusal's reason is noted.
func (s *Service) bearer(c *gin.Context, a *app, now time.Time) (*grantData, *failure) {
	header := strings.TrimSpace(c.GetHeader("Authorization"))
	scheme, token, _ := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		mock.NoteReason(c, "%s", noBearer(header, scheme))
		return nil, &failTokenMissing
	}
	t, ok := s.tokens.Lookup(mock.SessionID(c.Request.Context()), token)
	switch {
	case !ok:
		mock.NoteReason(c, "access token unknown in session %s (never issued here, or revoked by a refresh)", mock.SessionName(c))
		return nil, &failTokenInvalid
	case t.Kind != "access":
		mock.NoteReason(c, "a refresh token was sent as the access token")
		return nil, &failTokenInvalid
	case !now.Before(t.ExpiresAt):
		mock.NoteReason(c, "access token %s", mock.ExpiredAt(t.ExpiresAt, now))
		return nil, &failTokenInvalid
	case t.Grant.Client != a.AppKey:
		mock.NoteReason(c, "access token was issued to app %s, not %s", t.Grant.Client, a.AppKey)
		return nil, &failTokenInvalid
	}
	g, ok := t.Grant.Data.(*grantData)
	if !ok {
		mock.NoteReason(c, "access token carries no grant data (a bug of the mock)")
		return nil, &failTokenInvalid
	}
	return g, nil
}

// noBearer says what is wrong with an Authorization header that holds no
// bearer token, without showing the token.
func noBearer(header, scheme string) string {
	switch {
	case header == "":
		return "no Authorization header"
	case strings.EqualFold(scheme, "Bearer"):
		return "Authorization is Bearer without a token"
	case !strings.Contains(header, " "):
		return "Authorization holds no scheme (want Bearer <token>)"
	}
	return "Authorization scheme is " + shown(scheme) + ", not Bearer"
}

// writeData is the one place a data call's success is written: the
// envelope, whatever the app's response_shape (that is the token
// endpoints' matter).
func (s *Service) writeData(c *gin.Context, data any) {
	writeJSON(c, http.StatusOK, envelope{s.serial(c.Request.Context()), "1", "success", data})
}
