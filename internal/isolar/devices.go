package isolar

import (
	"github.com/gin-gonic/gin"
)

// devicesRequest is getDeviceListByPsId's body (vendors/isolarcloud-data.md §3c).
type devicesRequest struct {
	psID       int64
	page, size int64
	types      idSet // nil: every type
	virtual    bool  // virtual units only; else physical devices only
}

func parseDevices(r dataRequest) (devicesRequest, *failure) {
	if !r.given("ps_id") || !r.given("page") || !r.given("size") {
		return devicesRequest{}, &failMissingParameter
	}
	var q devicesRequest
	var f *failure
	ps, ok := intValue(r.raw("ps_id"))
	if !ok {
		return q, &failInvalidParameter
	}
	q.psID = ps.n
	if q.page, q.size, f = r.page(); f != nil {
		return q, f
	}
	if raw := r.raw("device_type_list"); raw != nil {
		ids, ok := idList(raw)
		if !ok {
			return q, &failInvalidParameter
		}
		q.types = newIDSet(ids)
	}
	if q.virtual, ok = flag(r.raw("is_virtual_unit")); !ok {
		return q, &failInvalidParameter
	}
	// claim_state is checked but filters nothing: the fixtures have every
	// device claimed. is_get_firmware_version is ignored (§3c).
	if _, ok = flag(r.raw("claim_state")); !ok {
		return q, &failInvalidParameter
	}
	return q, nil
}

// devices is POST /openapi/platform/getDeviceListByPsId: the plant's
// devices in fixture order, filtered, then paged; a plant the token may
// not see has none.
func (s *Service) devices(c *gin.Context, call dataCall) {
	q, f := parseDevices(call.req)
	if f != nil {
		s.writeFailure(c, call.app, *f, "")
		return
	}
	var match []*device
	if p := call.grant.sees[q.psID]; p != nil {
		for _, d := range p.devices {
			if q.types.has(d.typ) && d.virtual == q.virtual {
				match = append(match, d)
			}
		}
	}
	from, to := pageOf(len(match), q.page, q.size)
	page := devicePage{PageList: make([]deviceItem, 0, to-from), RowCount: len(match)}
	for _, d := range match[from:to] {
		page.PageList = append(page.PageList, d.item)
	}
	s.writeData(c, page)
}

// deviceRealtimeRequest is getDeviceRealTimeData's body (§3d).
type deviceRealtimeRequest struct {
	keys       []string // ps_keys, or serial numbers when bySN
	bySN       bool
	points     []int64
	deviceType int64
	dict       bool
}

// parseDeviceRealtime reads the parameters. ps_key_list wins when both
// lists are sent.
func parseDeviceRealtime(r dataRequest) (deviceRealtimeRequest, *failure) {
	var q deviceRealtimeRequest
	keys := r.raw("ps_key_list")
	if keys == nil {
		keys, q.bySN = r.raw("sn_list"), true
	}
	switch {
	case keys == nil:
		return q, &failMissingKeys
	case !r.given("point_id_list") || !r.given("device_type"):
		return q, &failMissingParameter
	}
	var ok, tooLong bool
	if q.keys, ok = strList(keys); !ok {
		return q, &failInvalidParameter
	}
	if len(q.keys) == 0 { // only commas and spaces
		return q, &failMissingKeys
	}
	if q.points, q.dict, tooLong, ok = r.pointsAsked(); !ok {
		return q, &failInvalidParameter
	}
	dt, ok := intValue(r.raw("device_type"))
	if !ok {
		return q, &failInvalidParameter
	}
	q.deviceType = dt.n
	if tooLong {
		return q, &failPointListTooLong
	}
	return q, nil
}

// deviceRealtime is POST /openapi/platform/getDeviceRealTimeData: one
// device_point per requested device of the request's device_type that the
// token may see, in request order; the other keys (or serial numbers) in
// the illegal list.
func (s *Service) deviceRealtime(c *gin.Context, call dataCall) {
	q, f := parseDeviceRealtime(call.req)
	if f != nil {
		s.writeFailure(c, call.app, *f, "")
		return
	}
	index := s.data.devices
	if q.bySN {
		index = s.data.bySN
	}
	illegal := []string{}
	data := deviceRealtimeData{DevicePointList: []devicePointItem{}}
	seen := map[string]bool{}
	var clock string
	for _, k := range q.keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		d := index[k]
		if d == nil || d.typ != q.deviceType || call.grant.sees[d.plant.id] != d.plant {
			illegal = append(illegal, k)
			continue
		}
		t := d.deviceTime
		if t == "" {
			if clock == "" {
				clock = deviceTimeAt(call.now, s.zone)
			}
			t = clock
		}
		data.DevicePointList = append(data.DevicePointList, devicePointItem{row(d.head, devicePointTail{t}, d.points, q.points)})
	}
	if q.bySN {
		data.IllgalSnList = &illegal
	} else {
		data.IllegalPsKeyList = &illegal
	}
	if q.dict {
		data.PointDict = s.data.dictionary(q.points)
	}
	s.writeData(c, data)
}
