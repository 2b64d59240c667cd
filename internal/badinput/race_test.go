//go:build race

package badinput_test

// raceSlowdown stretches time limits: the race detector slows the server
// down several times over.
const raceSlowdown = 10
