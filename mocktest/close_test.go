package mocktest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Close ends a request hanging under a scenario at once, instead of
// waiting out the hang (10 minutes): the client gets an error.
func TestCloseUnderHang(t *testing.T) {
	entered := make(chan struct{})
	var once sync.Once
	inMock := func(o *options) {
		o.wrap = func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/openapi/apiManage/token") {
					once.Do(func() { close(entered) })
				}
				h.ServeHTTP(w, r)
			})
		}
	}
	mock := Start(t, inMock)
	s := mock.Session(t)
	s.UseScenarioYAML("rules:\n  - when: {endpoint: isolar.token}\n    do: {fault: hang}\n")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // should Close not cut it
	defer cancel()
	body := `{"appkey":"` + IsolarAppKey + `","grant_type":"authorization_code","code":"` + IsolarStaticCode + `"}`
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/openapi/apiManage/token", strings.NewReader(body))
	req.Header.Set("x-access-key", IsolarSecretKey)
	errc := make(chan error, 1)
	go func() {
		resp, err := mock.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-entered // the request is in the mock's handler: Close must wait for it, or end it
	closed := make(chan struct{})
	go func() { mock.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		cancel() // the client leaves, which ends the hang, so that Close can end
		t.Fatal("Close did not return within 10 s of a hanging request")
	}
	if err := <-errc; err == nil || ctx.Err() != nil {
		t.Errorf("got %v (context %v), want the connection cut by Close", err, ctx.Err())
	}
}
