package archtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeLayout keeps the README's "Layout" section true: every package
// directory directly under internal/ is listed, and every path the section
// lists exists.
func TestReadmeLayout(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	i := strings.Index(text, "\n## Layout\n")
	if i < 0 {
		t.Fatal(`README.md has no "## Layout" section`)
	}
	section := text[i+1:]
	if j := strings.Index(section[3:], "\n## "); j >= 0 {
		section = section[:j+3]
	}
	start := strings.Index(section, "```\n")
	end := strings.LastIndex(section, "\n```")
	if start < 0 || end <= start {
		t.Fatal("the Layout section has no code block")
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(section[start+4:end], "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		p := strings.TrimSuffix(f[0], "/")
		listed[p] = true
		if _, err := os.Stat(filepath.Join("../..", p)); err != nil {
			t.Errorf("README layout lists %s, which does not exist", f[0])
		}
	}
	dirs, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		goFiles, _ := filepath.Glob(filepath.Join("..", d.Name(), "*.go"))
		if len(goFiles) == 0 {
			continue
		}
		if !listed["internal/"+d.Name()] {
			t.Errorf("README layout does not list internal/%s/", d.Name())
		}
	}
}
