package solarman

// Wire types: structs, since key order is part of the wire format
// (vendors/solarman.md §3, §5.1; vendors/solarman-data.md §3). Pointers
// without omitempty encode as null.

import (
	"strconv"

	"github.com/tokenmock/tokenmock/internal/mock"
)

const contentType = "application/json;charset=UTF-8"

// tokenResponse is the token envelope: a success, or shape E of a failure
// with every token field null.
type tokenResponse struct {
	Code         *string `json:"code"`
	Msg          *string `json:"msg"`
	Success      bool    `json:"success"`
	RequestID    string  `json:"requestId"`
	AccessToken  *string `json:"access_token"`
	TokenType    *string `json:"token_type"`
	RefreshToken *string `json:"refresh_token"`
	ExpiresIn    *string `json:"expires_in"`
	Scope        *string `json:"scope"`
	UID          *int64  `json:"uid"`
}

// gatewayFailure is shape G: the four fields of the API gateway.
type gatewayFailure struct {
	Code      string `json:"code"`
	Msg       string `json:"msg"`
	Success   bool   `json:"success"`
	RequestID string `json:"requestId"`
}

// unavailableFailure is 3201001 as captured, from another layer with its
// own key order.
type unavailableFailure struct {
	Code      string `json:"code"`
	Msg       string `json:"msg"`
	RequestID string `json:"requestId"`
	Success   bool   `json:"success"`
}

// authError is the JSON document inside the msg of 2101025.
type authError struct {
	Error            string  `json:"error"`
	ErrorDescription string  `json:"error_description"`
	Code             string  `json:"code"`
	Param            *string `json:"param"`
}

// infoResponse is the success of /account/v1.0/info.
type infoResponse struct {
	Code        *string   `json:"code"`
	Msg         *string   `json:"msg"`
	Success     bool      `json:"success"`
	RequestID   string    `json:"requestId"`
	OrgInfoList []orgInfo `json:"orgInfoList"`
}

type orgInfo struct {
	CompanyID   int64  `json:"companyId"`
	CompanyName string `json:"companyName"`
	RoleName    string `json:"roleName"`
}

// envelope begins every success of the data endpoints: code and msg null.
type envelope struct {
	Code      *string `json:"code"`
	Msg       *string `json:"msg"`
	Success   bool    `json:"success"`
	RequestID string  `json:"requestId"`
}

// stationListResponse is the success of /station/v1.0/list
// (vendors/solarman-data.md §3a).
type stationListResponse struct {
	envelope
	Total       int           `json:"total"`
	StationList []stationItem `json:"stationList"`
}

// stationItem is one station of the list, in the captured key order.
type stationItem struct {
	ID                      int64            `json:"id"`
	Name                    string           `json:"name"`
	InstalledCapacity       sixDecimals      `json:"installedCapacity"`
	GenerationPower         sixDecimals      `json:"generationPower"`
	LocationLat             mock.JavaDouble  `json:"locationLat"`
	LocationLng             mock.JavaDouble  `json:"locationLng"`
	LocationAddress         string           `json:"locationAddress"`
	NetworkStatus           string           `json:"networkStatus"`
	ContactPhone            string           `json:"contactPhone"`
	LastUpdateTime          int64            `json:"lastUpdateTime"`
	CreatedDate             int64            `json:"createdDate"`
	StartOperatingTime      int64            `json:"startOperatingTime"`
	Type                    string           `json:"type"`
	GridInterconnectionType string           `json:"gridInterconnectionType"`
	RegionTimezone          string           `json:"regionTimezone"`
	RegionLevel1            *int64           `json:"regionLevel1"`
	RegionLevel2            *int64           `json:"regionLevel2"`
	RegionLevel3            *int64           `json:"regionLevel3"`
	RegionLevel4            *int64           `json:"regionLevel4"`
	RegionLevel5            *int64           `json:"regionLevel5"`
	RegionNationID          *int64           `json:"regionNationId"`
	BatterySoc              *mock.JavaDouble `json:"batterySoc"`
	OwnerName               *string          `json:"ownerName"`
	StationImage            *string          `json:"stationImage"`
}

// realtimeResponse is the success of /station/v1.0/realTime (§3b).
type realtimeResponse struct {
	envelope
	GenerationPower    *mock.JavaDouble `json:"generationPower"`
	UsePower           *mock.JavaDouble `json:"usePower"`
	GridPower          *mock.JavaDouble `json:"gridPower"`
	PurchasePower      *mock.JavaDouble `json:"purchasePower"`
	WirePower          *mock.JavaDouble `json:"wirePower"`
	ChargePower        *mock.JavaDouble `json:"chargePower"`
	DischargePower     *mock.JavaDouble `json:"dischargePower"`
	BatteryPower       *mock.JavaDouble `json:"batteryPower"`
	BatterySoc         *mock.JavaDouble `json:"batterySoc"`
	IrradiateIntensity *mock.JavaDouble `json:"irradiateIntensity"`
	LastUpdateTime     int64            `json:"lastUpdateTime"`
}

// deviceListResponse is the success of /station/v1.0/device (§3c).
type deviceListResponse struct {
	envelope
	Total           int          `json:"total"`
	DeviceListItems []deviceItem `json:"deviceListItems"`
}

type deviceItem struct {
	DeviceSN       string `json:"deviceSn"`
	DeviceID       int64  `json:"deviceId"`
	DeviceType     string `json:"deviceType"`
	ConnectStatus  int    `json:"connectStatus"`
	CollectionTime int64  `json:"collectionTime"`
}

// currentDataResponse is the success of /device/v1.0/currentData (§3d).
type currentDataResponse struct {
	envelope
	DeviceSN       string      `json:"deviceSn"`
	DeviceID       int64       `json:"deviceId"`
	DeviceType     string      `json:"deviceType"`
	DeviceState    int         `json:"deviceState"`
	CollectionTime int64       `json:"collectionTime"`
	DataList       []dataPoint `json:"dataList"`
}

// dataPoint is one reading; its value is a string even for numbers.
type dataPoint struct {
	Key   string  `json:"key"`
	Value string  `json:"value"`
	Unit  *string `json:"unit"`
	Name  string  `json:"name"`
}

// sixDecimals is a BigDecimal of scale 6, as the captured station list
// prints installedCapacity and generationPower (5.000000).
type sixDecimals float64

func (d sixDecimals) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d), 'f', 6, 64), nil
}
