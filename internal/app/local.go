//go:build !lambda

package app

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"

	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/filestore"
)

// The embedded store and the files directory: local runs only. Lambda
// functions are built with the tag lambda, which leaves them out
// (lambda.go).

// openBolt opens the embedded store in cfg.DataDir (default .data).
func openBolt(cfg Config) (centre.Store, error) {
	dir := cfg.DataDir
	if dir == "" {
		dir = ".data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return boltstore.Open(filepath.Join(dir, "infocentre.db"))
}

// openFilesDir opens the files directory cfg.FilesDir (default
// DataDir/files).
func openFilesDir(cfg Config) (centre.FileStore, error) {
	dir := cfg.FilesDir
	if dir == "" {
		dir = filepath.Join(cmp.Or(cfg.DataDir, ".data"), "files")
	}
	return filestore.Open(dir)
}
