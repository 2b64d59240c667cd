package solarman

import (
	"fmt"
	"slices"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
)

// station is a fixture station made ready to answer: its list item and
// realTime answer are built once, and only the times left to the session's
// clock are filled in per request.
type station struct {
	id       int64
	owners   []int64
	orgID    int64 // 0: no organisation
	item     stationItem
	itemTime bool // item.LastUpdateTime is the fixture's, not the clock's
	realtime realtimeResponse
	rtTime   bool // realtime.LastUpdateTime is the fixture's
	devices  []*device
}

// device is a fixture device with its station.
type device struct {
	station  *station
	sn       string
	id       int64
	typ      string
	status   int
	state    int
	time     *int64 // nil: the session's clock
	dataList []dataPoint
}

// visibleTo tells whether a token sees the station: a consumer token
// (organisation 0) the stations its user owns, a business token those of
// its organisation (vendors/solarman-data.md §1).
func (st *station) visibleTo(c *parsedClaims) bool {
	if org := c.Detail.OrganizationID; org != 0 {
		return st.orgID == org
	}
	return slices.Contains(st.owners, c.Detail.UserID)
}

// The example station of vendors/solarman-data.md §3a and §3b: what a
// field the fixture leaves unset shows.
var (
	exampleRegionLevel1   = int64(883)
	exampleRegionNationID = int64(60)
	exampleItem           = stationItem{
		InstalledCapacity: 5, GenerationPower: 2196, LocationLat: 52.520008, LocationLng: 13.404954,
		LocationAddress: "Demo Street 1 Berlin", NetworkStatus: "NORMAL", ContactPhone: "",
		CreatedDate: 1580112893, StartOperatingTime: 1580112893, Type: "HOUSE_ROOF",
		GridInterconnectionType: "DISTRIBUTED_FULLY", RegionTimezone: "Europe/Berlin",
		RegionLevel1: &exampleRegionLevel1, RegionNationID: &exampleRegionNationID,
	}
	exampleRealtime = map[string]float64{
		"generationPower": 2196, "usePower": 640, "gridPower": 1556, "purchasePower": 0, "wirePower": 1556,
	}
)

// newStations prepares the fixture stations, sorted by id (the list's
// order), and indexes them and their devices.
func newStations(fx []fixture.SolarmanStation) ([]*station, map[int64]*station, map[string]*device, error) {
	var list []*station
	byID := map[int64]*station{}
	bySN := map[string]*device{}
	for i := range fx {
		f := &fx[i]
		st := &station{id: f.ID, owners: f.OwnerUserIDs}
		if f.OrgID != nil {
			st.orgID = *f.OrgID
		}
		if err := st.buildItem(f); err != nil {
			return nil, nil, nil, fmt.Errorf("solarman station %d: %w", f.ID, err)
		}
		st.buildRealtime(f)
		for j := range f.Devices {
			d := &f.Devices[j]
			dev := &device{station: st, sn: d.DeviceSN, id: d.DeviceID, typ: d.DeviceType, status: d.Status(),
				state: d.State(), time: d.CollectionTime, dataList: []dataPoint{}}
			for _, p := range d.DataList {
				value := ""
				if p.Value != nil {
					value = *p.Value
				}
				dev.dataList = append(dev.dataList, dataPoint{p.Key, value, p.Unit, p.Name})
			}
			st.devices = append(st.devices, dev)
			bySN[dev.sn] = dev
		}
		list = append(list, st)
		byID[st.id] = st
	}
	slices.SortStableFunc(list, func(a, b *station) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return list, byID, bySN, nil
}

// buildItem applies the fixture's list overrides to the example station.
func (st *station) buildItem(f *fixture.SolarmanStation) error {
	it := exampleItem
	it.ID, it.Name = f.ID, f.Name
	for key, val := range f.List {
		kind, ok := fixture.SolarmanListKind(key)
		if !ok {
			return fmt.Errorf("unknown list field %q", key)
		}
		switch kind {
		case fixture.KindNumber:
			n, ok := fixture.FiniteNumber(val)
			if !ok {
				return fmt.Errorf("list field %q: want a finite number", key)
			}
			switch key {
			case "installedCapacity":
				it.InstalledCapacity = sixDecimals(n)
			case "generationPower":
				it.GenerationPower = sixDecimals(n)
			case "locationLat":
				it.LocationLat = mock.JavaDouble(n)
			default:
				it.LocationLng = mock.JavaDouble(n)
			}
		case fixture.KindString:
			s, ok := val.(string)
			if !ok {
				return fmt.Errorf("list field %q: want a string", key)
			}
			*itemString(&it, key) = s
		case fixture.KindEpoch:
			n, ok := fixture.Integer(val)
			if !ok {
				return fmt.Errorf("list field %q: want an integer", key)
			}
			switch key {
			case "lastUpdateTime":
				it.LastUpdateTime, st.itemTime = n, true
			case "createdDate":
				it.CreatedDate = n
			default:
				it.StartOperatingTime = n
			}
		case fixture.KindIntOrNull:
			var p *int64
			if val != nil {
				n, ok := fixture.Integer(val)
				if !ok {
					return fmt.Errorf("list field %q: want an integer or null", key)
				}
				p = &n
			}
			*itemInt(&it, key) = p
		case fixture.KindNumberOrNull: // batterySoc
			var p *mock.JavaDouble
			if val != nil {
				n, ok := fixture.FiniteNumber(val)
				if !ok {
					return fmt.Errorf("list field %q: want a finite number or null", key)
				}
				d := mock.JavaDouble(n)
				p = &d
			}
			it.BatterySoc = p
		case fixture.KindStringOrNull:
			var p *string
			if val != nil {
				s, ok := val.(string)
				if !ok {
					return fmt.Errorf("list field %q: want a string or null", key)
				}
				p = &s
			}
			if key == "ownerName" {
				it.OwnerName = p
			} else {
				it.StationImage = p
			}
		}
	}
	st.item = it
	return nil
}

// itemString is the string field of the item named key (KindString).
func itemString(it *stationItem, key string) *string {
	switch key {
	case "locationAddress":
		return &it.LocationAddress
	case "networkStatus":
		return &it.NetworkStatus
	case "contactPhone":
		return &it.ContactPhone
	case "type":
		return &it.Type
	case "gridInterconnectionType":
		return &it.GridInterconnectionType
	}
	return &it.RegionTimezone
}

// itemInt is the nullable integer field of the item named key
// (KindIntOrNull).
func itemInt(it *stationItem, key string) **int64 {
	switch key {
	case "regionLevel1":
		return &it.RegionLevel1
	case "regionLevel2":
		return &it.RegionLevel2
	case "regionLevel3":
		return &it.RegionLevel3
	case "regionLevel4":
		return &it.RegionLevel4
	case "regionLevel5":
		return &it.RegionLevel5
	}
	return &it.RegionNationID
}

// buildRealtime applies the fixture's realtime overrides to the example's
// values; a key neither gives is null.
func (st *station) buildRealtime(f *fixture.SolarmanStation) {
	value := func(key string) *mock.JavaDouble {
		if v, ok := f.Realtime[key]; ok {
			if v == nil {
				return nil
			}
			d := mock.JavaDouble(*v)
			return &d
		}
		if v, ok := exampleRealtime[key]; ok {
			d := mock.JavaDouble(v)
			return &d
		}
		return nil
	}
	st.realtime = realtimeResponse{
		GenerationPower: value("generationPower"), UsePower: value("usePower"), GridPower: value("gridPower"),
		PurchasePower: value("purchasePower"), WirePower: value("wirePower"), ChargePower: value("chargePower"),
		DischargePower: value("dischargePower"), BatteryPower: value("batteryPower"), BatterySoc: value("batterySoc"),
		IrradiateIntensity: value("irradiateIntensity"),
	}
	if v := f.Realtime["lastUpdateTime"]; v != nil {
		st.realtime.LastUpdateTime, st.rtTime = int64(*v), true
	}
}
