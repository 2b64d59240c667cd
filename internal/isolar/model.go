package isolar

import (
	"maps"
	"strconv"
	"time"

	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/mock"
)

// plant is a fixture plant (or one made for a granted id without an
// entry) with its defaults applied and its answers precomputed.
type plant struct {
	id        int64
	psType    int64
	validFlag int64
	name      string
	item      plantItem      // its pageList entry
	head      plantPointHead // its device_point_list entry's fixed keys
	points    map[int64]string
	devices   []*device
}

// device is a fixture device with its defaults applied.
type device struct {
	plant      *plant
	typ        int64
	virtual    bool
	psKey, sn  string
	item       deviceItem      // its pageList entry
	head       devicePointHead // its device_point's fixed keys
	deviceTime string          // "": the session's clock
	points     map[int64]string
}

// dataModel is what the data endpoints show: plants by id, devices by key
// and serial number, and the point dictionary.
type dataModel struct {
	plants     map[int64]*plant
	devices    map[string]*device // by ps_key
	bySN       map[string]*device
	pointNames map[int64]pointName
}

// newDataModel resolves the fixtures' plants, then makes a plant for each
// granted id that has none (ids that are no positive integer cannot be
// answered as one, and are never shown).
func newDataModel(fx *fixture.Isolar) *dataModel {
	m := &dataModel{
		plants:     map[int64]*plant{},
		devices:    map[string]*device{},
		bySN:       map[string]*device{},
		pointNames: maps.Clone(builtinPoints),
	}
	n := 0
	add := func(p fixture.IsolarPlant) {
		id, err := strconv.ParseInt(p.PsID, 10, 64)
		if err != nil || id <= 0 {
			return
		}
		if _, dup := m.plants[id]; dup {
			return
		}
		n++
		m.plants[id] = m.resolve(id, p.WithDefaults(n))
	}
	for _, p := range fx.Plants {
		add(p)
	}
	for _, u := range fx.Users {
		for _, ps := range u.Plants {
			if id, err := strconv.ParseInt(ps, 10, 64); err == nil && m.plants[id] == nil {
				add(fixture.AutoPlant(strconv.FormatInt(id, 10)))
			}
		}
	}
	for k, v := range fx.PointNames {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			m.pointNames[id] = pointName{v.Name, v.Unit}
		}
	}
	return m
}

// resolve builds the plant id from its fixture entry p, defaults applied.
func (m *dataModel) resolve(id int64, p fixture.IsolarPlant) *plant {
	pl := &plant{
		id:        id,
		psType:    int64(*p.PsType),
		validFlag: int64(*p.ValidFlag),
		name:      p.PsName,
		item: plantItem{
			PsName: p.PsName, OnlineStatus: *p.OnlineStatus, Latitude: mock.JavaDouble(*p.Latitude),
			ValidFlag: *p.ValidFlag, GridConnectionStatus: *p.GridConnectionStatus, PsFaultStatus: *p.PsFaultStatus,
			PsLocation: p.PsLocation, UpdateTime: p.UpdateTime, PsCurrentTimeZone: p.PsCurrentTimeZone, PsID: id,
			GridConnectionTime: p.GridConnectionTime, ConnectType: *p.ConnectType, InstallDate: p.InstallDate,
			BuildStatus: *p.BuildStatus, PsType: *p.PsType, Longitude: mock.JavaDouble(*p.Longitude),
		},
		head:   plantPointHead{PsName: p.PsName, PsKey: strconv.FormatInt(id, 10) + "_11_0_0", PsID: id, UUID: *p.UUID},
		points: pointValues(p.Points),
	}
	for j, d := range p.Devices {
		dev := &device{
			plant:      pl,
			typ:        int64(*d.DeviceType),
			virtual:    d.Virtual,
			psKey:      d.PsKey(p.PsID, j+1),
			sn:         d.DeviceSN,
			deviceTime: d.DeviceTime,
			points:     pointValues(d.Points),
		}
		status, _ := strconv.Atoi(d.DevStatus)
		dev.item = deviceItem{
			ChnnlID: *d.ChnnlID, TypeName: d.TypeName, PsKey: dev.psKey, DeviceSN: orNull(d.DeviceSN),
			DevStatus: d.DevStatus, DeviceType: *d.DeviceType, FactoryName: d.FactoryName, UUID: *d.UUID,
			GridConnectionDate: orNull(d.GridConnectionDate), DeviceName: d.DeviceName, DevFaultStatus: *d.DevFaultStatus,
			DeviceCode: *d.DeviceCode, PsID: id, DeviceModelID: d.DeviceModelID,
			CommunicationDevSN: orNull(d.CommunicationDevSN), DeviceModelCode: orNull(d.DeviceModelCode),
		}
		dev.head = devicePointHead{
			DeviceName: d.DeviceName, DevFaultStatus: *d.DevFaultStatus, PsKey: dev.psKey, DeviceSN: orNull(d.DeviceSN),
			DevStatus: status, PsID: id, CommunicationDevSN: orNull(d.CommunicationDevSN), UUID: *d.UUID,
		}
		pl.devices = append(pl.devices, dev)
		if _, dup := m.devices[dev.psKey]; !dup {
			m.devices[dev.psKey] = dev
		}
		if _, dup := m.bySN[dev.sn]; !dup && dev.sn != "" {
			m.bySN[dev.sn] = dev
		}
	}
	return pl
}

// visible resolves a grant's plant list to the plants shown, in grant
// order, each once.
func (m *dataModel) visible(ids []string) ([]*plant, map[int64]*plant) {
	list := []*plant{}
	set := map[int64]*plant{}
	for _, s := range ids {
		id, err := strconv.ParseInt(s, 10, 64)
		p := m.plants[id]
		if err != nil || p == nil || set[id] != nil {
			continue
		}
		list = append(list, p)
		set[id] = p
	}
	return list, set
}

// dictionary is point_dict for points: the known ones, in request order.
func (m *dataModel) dictionary(points []int64) *[]pointDictEntry {
	out := []pointDictEntry{}
	for _, p := range points {
		if n, ok := m.pointNames[p]; ok {
			out = append(out, pointDictEntry{p, n.unit, n.name})
		}
	}
	return &out
}

// row is the values of points out of values, in request order.
func row(head, tail any, values map[int64]string, points []int64) pointRow {
	r := pointRow{head: head, tail: tail, points: make([]pointValue, len(points))}
	for i, p := range points {
		r.points[i].key = "p" + strconv.FormatInt(p, 10)
		if v, ok := values[p]; ok {
			r.points[i].value = &v
		}
	}
	return r
}

// deviceTimeAt is device_time when the fixture sets none: the session's
// clock in the platform's zone, floored to the 5-minute mark a logger
// reports at.
func deviceTimeAt(now time.Time, zone *time.Location) string {
	t := now.In(zone)
	t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()/5*5, 0, 0, zone)
	return t.Format("20060102150405")
}

func pointValues(m map[string]string) map[int64]string {
	out := make(map[int64]string, len(m))
	for k, v := range m {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			out[id] = v
		}
	}
	return out
}

// orNull is s, or null when it is empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
