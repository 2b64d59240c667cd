package solarman

// Wire types: structs, since key order is part of the wire format
// (vendors/solarman.md §3, §5.1). Pointers without omitempty encode as null.

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
