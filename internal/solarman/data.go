package solarman

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Paging of vendors/solarman-data.md §3a and §3c.
const (
	defaultPage    = 1
	defaultSize    = 20
	maxDevicesPage = 200 // a larger device page size is clamped
)

// dataRequest is the body of a data call, every field any of the four
// endpoints reads; each endpoint checks the ones it needs.
type dataRequest struct {
	stationID, deviceID, page, size integer
	deviceSN, deviceType            field
}

// integer is an integer field: a JSON integer or a string of decimal
// digits (Jackson's coercion); absent when missing, null or "".
type integer struct {
	val          int64
	present, bad bool
}

func integerField(m map[string]json.RawMessage, key string) integer {
	raw := bytes.TrimSpace(m[key])
	if len(raw) == 0 || string(raw) == "null" {
		return integer{}
	}
	text := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &text) != nil {
			return integer{present: true, bad: true}
		}
		if text == "" {
			return integer{}
		}
	}
	// ParseInt takes a sign but no fraction, exponent or spaces.
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || text[0] == '+' {
		return integer{present: true, bad: true}
	}
	return integer{val: n, present: true}
}

// or is the field's value, or def when it is absent.
func (n integer) or(def int64) int64 {
	if !n.present {
		return def
	}
	return n.val
}

// parseData reads a data call's body; an empty body is {}. ok is false
// when the body is no JSON object.
func parseData(body []byte) (dataRequest, bool) {
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) > 0 {
		if json.Unmarshal(body, &m) != nil || m == nil {
			return dataRequest{}, false
		}
	}
	return dataRequest{
		stationID:  integerField(m, "stationId"),
		deviceID:   integerField(m, "deviceId"),
		page:       integerField(m, "page"),
		size:       integerField(m, "size"),
		deviceSN:   stringField(m, "deviceSn"),
		deviceType: stringField(m, "deviceType"),
	}, true
}

// paging checks page and size: integers of at least 1 when given.
func (r *dataRequest) paging() (page, size int64, ok bool) {
	page, size = r.page.or(defaultPage), r.size.or(defaultSize)
	return page, size, !r.page.bad && !r.size.bad && page >= 1 && size >= 1
}

// notePaging notes what paging found wrong.
func (r *dataRequest) notePaging(c *gin.Context) {
	for _, f := range []struct {
		name string
		n    integer
	}{{"page", r.page}, {"size", r.size}} {
		switch {
		case f.n.bad:
			mock.NoteReason(c, "%s is not an integer", f.name)
			return
		case f.n.present && f.n.val < 1:
			mock.NoteReason(c, "%s %d is below 1", f.name, f.n.val)
			return
		}
	}
}

// visibility says whose stations a token sees, for reasons.
func visibility(c *parsedClaims) string {
	if org := c.Detail.OrganizationID; org != 0 {
		return fmt.Sprintf("organisation %d", org)
	}
	return fmt.Sprintf("user %d", c.Detail.UserID)
}

// dataCall runs the checks every data call shares (vendors/solarman-data.md
// §4 steps 1–4: the token, the app, a JSON object body) and returns the
// token's claims and the parsed body; nil claims: the failure is written.
func (s *Service) dataCall(c *gin.Context) (*parsedClaims, dataRequest) {
	claims, f := s.authorize(c)
	if f != nil {
		s.writeFailure(c, *f)
		return nil, dataRequest{}
	}
	body := mock.Req(c).Body
	req, ok := parseData(body)
	if !ok {
		noteNotObject(c, body)
		s.writeFailure(c, failInvalidParam)
		return nil, dataRequest{}
	}
	return claims, req
}

// now is the session's clock in epoch seconds: lastUpdateTime and
// collectionTime when the fixture leaves them unset.
func (s *Service) now(c *gin.Context) int64 { return s.deps.Now(c.Request.Context()).Unix() }

func (s *Service) ok() envelope { return envelope{Success: true, RequestID: s.requestID()} }

// window is the part [lo, hi) of n items that page number page of size
// items shows; empty past the end.
func window(n int, page, size int64) (lo, hi int) {
	if page-1 > int64(n)/size {
		return n, n
	}
	lo = int((page - 1) * size) // at most n
	return lo, lo + int(min(size, int64(n-lo)))
}

// stationList is POST /station/v1.0/list: the stations the token sees, by
// id, one page of them; total counts them all.
func (s *Service) stationList(c *gin.Context) {
	claims, req := s.dataCall(c)
	if claims == nil {
		return
	}
	page, size, ok := req.paging()
	if !ok {
		req.notePaging(c)
		s.writeFailure(c, failInvalidParam)
		return
	}
	var seen []*station
	for _, st := range s.stations {
		if st.visibleTo(claims) {
			seen = append(seen, st)
		}
	}
	lo, hi := window(len(seen), page, size)
	now := s.now(c)
	list := make([]stationItem, 0, hi-lo)
	for _, st := range seen[lo:hi] {
		it := st.item
		if !st.itemTime {
			it.LastUpdateTime = now
		}
		list = append(list, it)
	}
	writeJSON(c, stationListResponse{envelope: s.ok(), Total: len(seen), StationList: list})
}

// station finds the station of stationId that the token sees; nil: the
// failure is written.
func (s *Service) station(c *gin.Context, claims *parsedClaims, id integer) *station {
	switch {
	case !id.present:
		mock.NoteReason(c, "stationId missing")
		s.writeFailure(c, failMissingParam)
		return nil
	case id.bad:
		mock.NoteReason(c, "stationId is not an integer")
		s.writeFailure(c, failInvalidParam)
		return nil
	}
	st := s.byStation[id.val]
	if st == nil || !st.visibleTo(claims) {
		if st == nil {
			mock.NoteReason(c, "station %d unknown", id.val)
		} else {
			mock.NoteReason(c, "station %d not visible to this token (%s)", id.val, visibility(claims))
		}
		s.writeFailure(c, failNotFound)
		return nil
	}
	return st
}

// stationRealtime is POST /station/v1.0/realTime.
func (s *Service) stationRealtime(c *gin.Context) {
	claims, req := s.dataCall(c)
	if claims == nil {
		return
	}
	st := s.station(c, claims, req.stationID)
	if st == nil {
		return
	}
	rt := st.realtime
	rt.envelope = s.ok()
	if !st.rtTime {
		rt.LastUpdateTime = s.now(c)
	}
	writeJSON(c, rt)
}

// stationDevices is POST /station/v1.0/device: the station's devices in
// fixture order, of deviceType when given, one page of them.
func (s *Service) stationDevices(c *gin.Context) {
	claims, req := s.dataCall(c)
	if claims == nil {
		return
	}
	if !req.stationID.present {
		mock.NoteReason(c, "stationId missing")
		s.writeFailure(c, failMissingParam)
		return
	}
	page, size, ok := req.paging()
	if !ok || req.deviceType.bad {
		if ok {
			mock.NoteReason(c, "deviceType is not a string")
		} else {
			req.notePaging(c)
		}
		s.writeFailure(c, failInvalidParam)
		return
	}
	st := s.station(c, claims, req.stationID)
	if st == nil {
		return
	}
	size = min(size, maxDevicesPage)
	var devices []*device
	for _, d := range st.devices {
		if !req.deviceType.present || d.typ == req.deviceType.val {
			devices = append(devices, d)
		}
	}
	lo, hi := window(len(devices), page, size)
	now := s.now(c)
	items := make([]deviceItem, 0, hi-lo)
	for _, d := range devices[lo:hi] {
		items = append(items, deviceItem{d.sn, d.id, d.typ, d.status, d.collectionTime(now)})
	}
	writeJSON(c, deviceListResponse{envelope: s.ok(), Total: len(devices), DeviceListItems: items})
}

func (d *device) collectionTime(now int64) int64 {
	if d.time != nil {
		return *d.time
	}
	return now
}

// deviceCurrent is POST /device/v1.0/currentData: a device found by its
// serial number; a deviceId beside it is checked for its type only.
func (s *Service) deviceCurrent(c *gin.Context) {
	claims, req := s.dataCall(c)
	if claims == nil {
		return
	}
	switch {
	case !req.deviceSN.present:
		mock.NoteReason(c, "deviceSn missing")
		s.writeFailure(c, failMissingParam)
		return
	case req.deviceSN.bad:
		mock.NoteReason(c, "deviceSn is not a string")
		s.writeFailure(c, failInvalidParam)
		return
	case req.deviceID.bad:
		mock.NoteReason(c, "deviceId is not an integer")
		s.writeFailure(c, failInvalidParam)
		return
	}
	d := s.bySN[req.deviceSN.val]
	if d == nil || !d.station.visibleTo(claims) {
		if d == nil {
			mock.NoteReason(c, "device %s unknown", req.deviceSN.val)
		} else {
			mock.NoteReason(c, "device %s is on station %d, not visible to this token (%s)", d.sn, d.station.id, visibility(claims))
		}
		s.writeFailure(c, failNotFound)
		return
	}
	writeJSON(c, currentDataResponse{
		envelope: s.ok(), DeviceSN: d.sn, DeviceID: d.id, DeviceType: d.typ, DeviceState: d.state,
		CollectionTime: d.collectionTime(s.now(c)), DataList: d.dataList,
	})
}
