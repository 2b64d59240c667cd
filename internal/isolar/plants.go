package isolar

import (
	"encoding/json"
	"strings"

	"github.com/gin-gonic/gin"
)

// plantsRequest is queryPowerStationList's body (vendors/isolarcloud-data.md §3a).
type plantsRequest struct {
	page, size int64
	psTypes    idSet // nil: every type
	validFlags idSet
	name       string // lower case; "": every name
}

// parsePlants reads the parameters: missing ones first (P1), then
// malformed ones (P2).
func parsePlants(r dataRequest) (plantsRequest, *refusal) {
	if rf := r.missing("page", "size"); rf != nil {
		return plantsRequest{}, rf
	}
	var q plantsRequest
	var rf *refusal
	if q.page, q.size, rf = r.page(); rf != nil {
		return q, rf
	}
	if raw := r.raw("ps_type"); raw != nil {
		ids, ok := idList(raw)
		if !ok {
			return q, r.invalid("ps_type", "a list of integers")
		}
		q.psTypes = newIDSet(ids)
	}
	// Without valid_flag, only plants of status 1 ("If not passed, plants
	// with a status of 1 are queried").
	q.validFlags = idSet{1: true}
	if raw := r.raw("valid_flag"); raw != nil {
		ids, ok := idList(raw)
		if !ok {
			return q, r.invalid("valid_flag", "a list of integers")
		}
		q.validFlags = newIDSet(ids)
	}
	if raw := r.fields["ps_name"]; raw != nil && string(raw) != "null" {
		if json.Unmarshal(raw, &q.name) != nil {
			return q, r.invalid("ps_name", "a string")
		}
		q.name = strings.ToLower(q.name)
	}
	return q, nil
}

// plants is POST /openapi/platform/queryPowerStationList: the token's
// plants in grant order, filtered, then paged.
func (s *Service) plants(c *gin.Context, call dataCall) {
	q, rf := parsePlants(call.req)
	if rf != nil {
		s.writeRefusal(c, call.app, rf, "")
		return
	}
	var match []*plant
	for _, p := range call.grant.visible {
		if q.psTypes.has(p.psType) && q.validFlags.has(p.validFlag) &&
			(q.name == "" || strings.Contains(strings.ToLower(p.name), q.name)) {
			match = append(match, p)
		}
	}
	from, to := pageOf(len(match), q.page, q.size)
	page := plantPage{PageList: make([]plantItem, 0, to-from), RowCount: len(match)}
	for _, p := range match[from:to] {
		page.PageList = append(page.PageList, p.item)
	}
	s.writeData(c, page)
}

// plantRealtimeRequest is getPowerStationRealTimeData's body (§3b).
type plantRealtimeRequest struct {
	plants []id
	points []int64
	dict   bool
}

func parsePlantRealtime(r dataRequest) (plantRealtimeRequest, *refusal) {
	if rf := r.missing("ps_id_list", "point_id_list"); rf != nil {
		return plantRealtimeRequest{}, rf
	}
	var q plantRealtimeRequest
	var ok, tooLong bool
	if q.plants, ok = idList(r.raw("ps_id_list")); !ok {
		return q, r.invalid("ps_id_list", "a list of plant ids")
	}
	var rf *refusal
	if q.points, q.dict, tooLong, rf = r.pointsAsked(); rf != nil {
		return q, rf
	}
	if tooLong {
		return q, tooManyPoints(r)
	}
	return q, nil
}

// plantRealtime is POST /openapi/platform/getPowerStationRealTimeData:
// one flat entry per requested plant the token may see, in request order;
// the others, as sent, in fail_ps_id_list.
func (s *Service) plantRealtime(c *gin.Context, call dataCall) {
	q, rf := parsePlantRealtime(call.req)
	if rf != nil {
		s.writeRefusal(c, call.app, rf, "")
		return
	}
	data := plantRealtimeData{FailPsIDList: []string{}, DevicePointList: []pointRow{}}
	done := map[int64]bool{}
	failed := map[string]bool{}
	for _, ps := range q.plants {
		p := call.grant.sees[ps.n]
		switch {
		case p == nil:
			if !failed[ps.sent] {
				failed[ps.sent] = true
				data.FailPsIDList = append(data.FailPsIDList, ps.sent)
			}
		case !done[p.id]:
			done[p.id] = true
			data.DevicePointList = append(data.DevicePointList, row(p.head, nil, p.points, q.points))
		}
	}
	if q.dict {
		data.PointDict = s.data.dictionary(q.points)
	}
	s.writeData(c, data)
}
