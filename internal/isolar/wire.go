package isolar

// Wire types: structs, because key order is part of the wire format and a
// struct encodes in declaration order. Orders are vendors/isolarcloud.md §3–4.

const contentType = "application/json;charset=UTF-8"

// tokenData is result_data of a token answer.
type tokenData struct {
	AccessToken  string   `json:"access_token"`
	TokenType    string   `json:"token_type"`
	RefreshToken string   `json:"refresh_token"`
	ExpiresIn    int64    `json:"expires_in"`
	AuthPsList   []string `json:"auth_ps_list"`
	AuthUser     int64    `json:"auth_user"`
}

// refreshData is result_data of a refresh answer.
type refreshData struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Code         string `json:"code"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

// refreshFailureData is result_data of a failed refresh: only the code.
type refreshFailureData struct {
	Code string `json:"code"`
}

// envelope is Sungrow's documented answer: every gateway failure, and every
// answer of a `documented` app. A nil Data encodes as null.
type envelope struct {
	ReqSerialNum string `json:"req_serial_num"`
	ResultCode   string `json:"result_code"`
	ResultMsg    string `json:"result_msg"`
	ResultData   any    `json:"result_data"`
}

// observedSuccess is a success as captured from the real platform: the
// envelope with the OAuth keys repeated at top level.
type observedSuccess struct {
	ResultMsg    string `json:"result_msg"`
	ResultCode   string `json:"result_code"`
	ResultData   any    `json:"result_data"`
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	ReqSerialNum string `json:"req_serial_num"`
}

// observedOAuthFailure is a token-endpoint OAuth failure as captured.
type observedOAuthFailure struct {
	ResultMsg        string `json:"result_msg"`
	ResultCode       string `json:"result_code"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ReqSerialNum     string `json:"req_serial_num"`
}
