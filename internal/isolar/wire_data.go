package isolar

import (
	"bytes"
	"strconv"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Wire types of the data endpoints (vendors/isolarcloud-data.md §3). Key
// orders are the captured ones where a capture exists, else Java HashMap
// order (§3e); objects whose keys depend on the request (the p<point>
// keys) are an ordered pointRow, never a map.

// plantPage is result_data of queryPowerStationList.
type plantPage struct {
	PageList []plantItem `json:"pageList"`
	RowCount int         `json:"rowCount"`
}

// plantItem is a plant of pageList, in the order of the vendor's own
// example of the sibling user-level list.
type plantItem struct {
	PsName               string          `json:"ps_name"`
	OnlineStatus         int             `json:"online_status"`
	Latitude             mock.JavaDouble `json:"latitude"`
	Description          *string         `json:"description"` // null in every capture
	ValidFlag            int             `json:"valid_flag"`
	GridConnectionStatus int             `json:"grid_connection_status"`
	PsFaultStatus        int             `json:"ps_fault_status"`
	PsLocation           string          `json:"ps_location"`
	UpdateTime           string          `json:"update_time"`
	PsCurrentTimeZone    string          `json:"ps_current_time_zone"`
	PsID                 int64           `json:"ps_id"`
	GridConnectionTime   *int64          `json:"grid_connection_time"`
	ConnectType          int             `json:"connect_type"`
	InstallDate          string          `json:"install_date"`
	BuildStatus          int             `json:"build_status"`
	PsType               int             `json:"ps_type"`
	Longitude            mock.JavaDouble `json:"longitude"`
}

// plantRealtimeData is result_data of getPowerStationRealTimeData.
type plantRealtimeData struct {
	FailPsIDList    []string          `json:"fail_ps_id_list"`
	PointDict       *[]pointDictEntry `json:"point_dict,omitempty"` // only when asked for
	DevicePointList []pointRow        `json:"device_point_list"`
}

// plantPointHead is the fixed part of a plant's entry in device_point_list.
type plantPointHead struct {
	PsName string `json:"ps_name"`
	PsKey  string `json:"ps_key"`
	PsID   int64  `json:"ps_id"`
	UUID   int64  `json:"uuid"`
}

// pointDictEntry names a requested point.
type pointDictEntry struct {
	PointID   int64  `json:"point_id"`
	PointUnit string `json:"point_unit"`
	PointName string `json:"point_name"`
}

// devicePage is result_data of getDeviceListByPsId.
type devicePage struct {
	PageList []deviceItem `json:"pageList"`
	RowCount int          `json:"rowCount"`
}

// deviceItem is a device of pageList, in the captured order.
type deviceItem struct {
	ChnnlID            int     `json:"chnnl_id"`
	TypeName           string  `json:"type_name"`
	PsKey              string  `json:"ps_key"`
	DeviceSN           *string `json:"device_sn"`
	DevStatus          string  `json:"dev_status"` // a string here, an integer in device realtime: both captured
	DeviceType         int     `json:"device_type"`
	FactoryName        string  `json:"factory_name"`
	UUID               int64   `json:"uuid"`
	GridConnectionDate *string `json:"grid_connection_date"`
	DeviceName         string  `json:"device_name"`
	DevFaultStatus     int     `json:"dev_fault_status"`
	DeviceCode         int     `json:"device_code"`
	PsID               int64   `json:"ps_id"`
	DeviceModelID      *int64  `json:"device_model_id"`
	CommunicationDevSN *string `json:"communication_dev_sn"`
	DeviceModelCode    *string `json:"device_model_code"`
}

// deviceRealtimeData is result_data of getDeviceRealTimeData: the list of
// rejected keys is named after the list the request sent.
type deviceRealtimeData struct {
	IllegalPsKeyList *[]string         `json:"illegal_ps_key_list,omitempty"`
	IllgalSnList     *[]string         `json:"illgal_sn_list,omitempty"` // sic
	PointDict        *[]pointDictEntry `json:"point_dict,omitempty"`
	DevicePointList  []devicePointItem `json:"device_point_list"`
}

// devicePointItem nests a device's values, as captured.
type devicePointItem struct {
	DevicePoint pointRow `json:"device_point"`
}

// devicePointHead is the fixed part of a device_point before its points.
type devicePointHead struct {
	DeviceName         string  `json:"device_name"`
	DevFaultStatus     int     `json:"dev_fault_status"`
	PsKey              string  `json:"ps_key"`
	DeviceSN           *string `json:"device_sn"`
	DevStatus          int     `json:"dev_status"`
	PsID               int64   `json:"ps_id"`
	CommunicationDevSN *string `json:"communication_dev_sn"`
	UUID               int64   `json:"uuid"`
}

// devicePointTail is what comes after a device_point's points.
type devicePointTail struct {
	DeviceTime string `json:"device_time"`
}

// pointRow is an object of fixed keys (head, a struct), then one
// p<point_id> key per requested point in request order, then more fixed
// keys (tail, a struct, or nil).
type pointRow struct {
	head   any
	points []pointValue
	tail   any
}

// pointValue is one requested point: its key and its value, nil for null.
type pointValue struct {
	key   string // "p83033"
	value *string
}

// MarshalJSON writes the row in its order, without HTML escaping.
func (r pointRow) MarshalJSON() ([]byte, error) {
	head, err := mock.EncodeJSON(r.head)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-1]) // up to the closing brace
	sep := len(head) > 2
	for _, p := range r.points {
		if sep {
			b.WriteByte(',')
		}
		sep = true
		b.WriteString(strconv.Quote(p.key)) // p and digits: nothing to escape
		b.WriteByte(':')
		if p.value == nil {
			b.WriteString("null")
			continue
		}
		v, err := mock.EncodeJSON(*p.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	if r.tail != nil {
		tail, err := mock.EncodeJSON(r.tail)
		if err != nil {
			return nil, err
		}
		if len(tail) > 2 {
			if sep {
				b.WriteByte(',')
			}
			b.Write(tail[1 : len(tail)-1])
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
