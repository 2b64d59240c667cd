//go:build !race

package badinput_test

// raceSlowdown stretches time limits under the race detector (race_test.go).
const raceSlowdown = 1
