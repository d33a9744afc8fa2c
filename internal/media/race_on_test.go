//go:build race

package media_test

// raceEnabled: this test binary has the race detector, whose shadow
// memory inflates a process's resident set several times.
const raceEnabled = true
