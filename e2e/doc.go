// Package e2e holds the end-to-end tests that drive the mock's web pages with
// a real headless Chromium through the Chrome DevTools Protocol
// (github.com/chromedp/chromedp). All its code is in its tests; browser_test.go
// has the helpers that every vendor's browser test shares.
//
// Without a browser the tests skip, unless CI=true, where they fail. The
// browser is found as $CHROME_PATH, else chromium, chromium-browser or
// google-chrome on PATH; `apt-get install chromium` provides one.
package e2e
