// Package conformance holds the one test suite that every vendor's
// endpoint table must pass: its tests run over every row of every table
// (wrong methods, malformed bodies, every catalogue failure through a
// scenario, every scenario action, session isolation, the session clock),
// so an endpoint added to a table is covered by adding its case to
// endpoints_test.go. The package has no code of its own.
package conformance
