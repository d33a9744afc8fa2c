// Package archtest holds the test that keeps the package map of
// ARCHITECTURE.md true: which internal package may import which.
package archtest
