package main

import "runtime/debug"

// buildVersion is set with -ldflags "-X main.buildVersion=v1.2.3": by
// scripts/dist.sh (the release binaries; git describe of the checkout) and
// by the Dockerfile (its VERSION build argument).
var buildVersion = ""

// version is what `mockserver version` and GET /_mock/health report: the
// stamped buildVersion; else the module version Go records, which is the
// release for `go install .../cmd/mockserver@v1.2.3` and, for `go build` in
// a git checkout, one derived from the commit (v1.2.3-0.2026…-abcdef+dirty
// style); else dev.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
