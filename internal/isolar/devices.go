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

func parseDevices(r dataRequest) (devicesRequest, *refusal) {
	if rf := r.missing("ps_id", "page", "size"); rf != nil {
		return devicesRequest{}, rf
	}
	var q devicesRequest
	var rf *refusal
	ps, ok := intValue(r.raw("ps_id"))
	if !ok {
		return q, r.invalid("ps_id", "a plant id")
	}
	q.psID = ps.n
	if q.page, q.size, rf = r.page(); rf != nil {
		return q, rf
	}
	if raw := r.raw("device_type_list"); raw != nil {
		ids, ok := idList(raw)
		if !ok {
			return q, r.invalid("device_type_list", "a list of integers")
		}
		q.types = newIDSet(ids)
	}
	if q.virtual, ok = flag(r.raw("is_virtual_unit")); !ok {
		return q, r.invalid("is_virtual_unit", "0 or 1")
	}
	// claim_state is checked but filters nothing: the fixtures have every
	// device claimed. is_get_firmware_version is ignored (§3c).
	if _, ok = flag(r.raw("claim_state")); !ok {
		return q, r.invalid("claim_state", "0 or 1")
	}
	return q, nil
}

// devices is POST /openapi/platform/getDeviceListByPsId: the plant's
// devices in fixture order, filtered, then paged; a plant the token may
// not see has none.
func (s *Service) devices(c *gin.Context, call dataCall) {
	q, rf := parseDevices(call.req)
	if rf != nil {
		s.writeRefusal(c, call.app, rf, "")
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
func parseDeviceRealtime(r dataRequest) (deviceRealtimeRequest, *refusal) {
	var q deviceRealtimeRequest
	keys, name := r.raw("ps_key_list"), "ps_key_list"
	if keys == nil {
		keys, name, q.bySN = r.raw("sn_list"), "sn_list", true
	}
	if keys == nil {
		return q, refuse(failMissingKeys, "ps_key_list and sn_list both missing (absent, null, \"\" or [])")
	}
	if rf := r.missing("point_id_list", "device_type"); rf != nil {
		return q, rf
	}
	var ok, tooLong bool
	if q.keys, ok = strList(keys); !ok {
		return q, r.invalid(name, "a list of strings")
	}
	if len(q.keys) == 0 { // only commas and spaces
		return q, refuse(failMissingKeys, "%s %s names no key", name, shownJSON(keys))
	}
	var rf *refusal
	if q.points, q.dict, tooLong, rf = r.pointsAsked(); rf != nil {
		return q, rf
	}
	dt, ok := intValue(r.raw("device_type"))
	if !ok {
		return q, r.invalid("device_type", "an integer")
	}
	q.deviceType = dt.n
	if tooLong {
		return q, tooManyPoints(r)
	}
	return q, nil
}

// deviceRealtime is POST /openapi/platform/getDeviceRealTimeData: one
// device_point per requested device of the request's device_type that the
// token may see, in request order; the other keys (or serial numbers) in
// the illegal list.
func (s *Service) deviceRealtime(c *gin.Context, call dataCall) {
	q, rf := parseDeviceRealtime(call.req)
	if rf != nil {
		s.writeRefusal(c, call.app, rf, "")
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
