// Package filestore is the embedded centre.FileStore: the bytes of files
// in a directory (by default "files" under the data directory), one file
// per key. It passes storetest.RunFiles, like the S3 store.
package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"infocentre/internal/centre"
)

// Store keeps the bytes of files under Dir.
type Store struct{ dir string }

var _ centre.FileStore = (*Store)(nil)

// Open returns a Store on dir, creating it if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return &Store{dir: dir}, nil
}

// path maps a key to a file below the directory. Keys are made by
// centre.FileKey and centre.UploadKey; any other shape is refused.
func (s *Store) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || !fs.ValidPath(key) {
		return "", fmt.Errorf("filestore: invalid key %q", key)
	}
	for _, part := range strings.Split(key, "/") {
		if strings.HasPrefix(part, ".") {
			return "", fmt.Errorf("filestore: invalid key %q", key)
		}
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

// Put writes the bytes to a temporary file beside the target and renames
// it into place once all size bytes are there, so a reader never sees a
// partial file.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, mediaType string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	n, err := io.Copy(tmp, io.LimitReader(ctxReader{ctx, r}, size))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("filestore: write %s: %w", key, err)
	}
	if n != size {
		return fmt.Errorf("filestore: write %s: the body ended after %d of %d bytes", key, n, size)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	return nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

// Open returns the file under key; its Body is an *os.File (it seeks).
func (s *Store) Open(ctx context.Context, key string) (*centre.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, centre.Errorf(centre.ENOTFOUND, "no file %q", key)
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, centre.Errorf(centre.ENOTFOUND, "no file %q", key)
	}
	return &centre.Object{Body: f, Size: fi.Size()}, nil
}

// Delete removes the file under key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("filestore: %w", err)
	}
	return nil
}
