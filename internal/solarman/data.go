package solarman

import (
	"bytes"
	"encoding/json"
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

// dataCall runs the checks every data call shares (vendors/solarman-data.md
// §4 steps 1–4: the token, the app, a JSON object body) and returns the
// token's claims and the parsed body; nil claims: the failure is written.
func (s *Service) dataCall(c *gin.Context) (*parsedClaims, dataRequest) {
	claims, f := s.authorize(c)
	if f != nil {
		s.writeFailure(c, *f)
		return nil, dataRequest{}
	}
	req, ok := parseData(mock.Req(c).Body)
	if !ok {
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
		s.writeFailure(c, failMissingParam)
		return nil
	case id.bad:
		s.writeFailure(c, failInvalidParam)
		return nil
	}
	st := s.byStation[id.val]
	if st == nil || !st.visibleTo(claims) {
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
		s.writeFailure(c, failMissingParam)
		return
	}
	page, size, ok := req.paging()
	if !ok || req.deviceType.bad {
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
		s.writeFailure(c, failMissingParam)
		return
	case req.deviceSN.bad || req.deviceID.bad:
		s.writeFailure(c, failInvalidParam)
		return
	}
	d := s.bySN[req.deviceSN.val]
	if d == nil || !d.station.visibleTo(claims) {
		s.writeFailure(c, failNotFound)
		return
	}
	writeJSON(c, currentDataResponse{
		envelope: s.ok(), DeviceSN: d.sn, DeviceID: d.id, DeviceType: d.typ, DeviceState: d.state,
		CollectionTime: d.collectionTime(s.now(c)), DataList: d.dataList,
	})
}
