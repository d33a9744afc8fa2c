package filestore_test

import (
	"context"
	"strings"
	"testing"

	"infocentre/internal/centre"
	"infocentre/internal/filestore"
	"infocentre/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunFiles(t, func(t *testing.T) centre.FileStore {
		s, err := filestore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestKeysStayInside: a key cannot name a file outside the directory.
func TestKeysStayInside(t *testing.T) {
	s, err := filestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"../x", "a/../../x", "/etc/passwd", "a/.hidden", "", "a//b"} {
		if err := s.Put(context.Background(), key, strings.NewReader("x"), 1, "text/plain"); err == nil {
			t.Errorf("Put(%q) was accepted", key)
		}
		if _, err := s.Open(context.Background(), key); err == nil {
			t.Errorf("Open(%q) was accepted", key)
		}
	}
}
