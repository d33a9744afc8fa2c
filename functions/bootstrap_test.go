package functions_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// unameOf is what `uname -m` prints on each Lambda architecture the
// template's Architecture parameter allows.
var unameOf = map[string]string{"arm64": "aarch64", "x86_64": "x86_64"}

var elfMachine = map[string]elf.Machine{"aarch64": elf.EM_AARCH64, "x86_64": elf.EM_X86_64}

// TestBuiltBootstrapMatchesEveryArchitecture builds a function exactly as
// `sam build` does (make -f functions/Makefile build-<LogicalId> from the
// project root, with ARTIFACTS_DIR and no LAMBDA_ARCH) and checks that for
// every value of the template's Architecture parameter the package starts
// a binary of that machine: the build can no longer disagree with the
// architecture chosen at deploy time.
func TestBuiltBootstrapMatchesEveryArchitecture(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make not found")
	}
	art := t.TempDir()
	cmd := exec.Command("make", "-s", "-f", "functions/Makefile", "build-AuthorizerFunction", "ARTIFACTS_DIR="+art)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "LAMBDA_ARCH=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-AuthorizerFunction: %v\n%s", err, out)
	}
	allowed := asList(get(t, loadTemplate(t), "Parameters", "Architecture", "AllowedValues"))
	if len(allowed) == 0 {
		t.Fatal("Architecture has no AllowedValues")
	}
	for _, a := range allowed {
		m, ok := unameOf[a.(string)]
		if !ok {
			t.Errorf("Architecture %v: no known machine", a)
			continue
		}
		f, err := elf.Open(filepath.Join(art, "bootstrap."+m))
		if err != nil {
			t.Errorf("Architecture %v: %v", a, err)
			continue
		}
		if f.Machine != elfMachine[m] || f.Class != elf.ELFCLASS64 {
			t.Errorf("Architecture %v: bootstrap.%s is %v %v, want %v", a, m, f.Class, f.Machine, elfMachine[m])
		}
		if f.Section(".interp") != nil {
			t.Errorf("bootstrap.%s is dynamically linked (no static binary for provided.al2023)", m)
		}
		f.Close()
		// The entry point picks exactly that binary on that machine.
		if got := runBootstrap(t, art, m); got != "bootstrap."+m {
			t.Errorf("on %s the bootstrap started %q", m, got)
		}
	}
}

// runBootstrap runs the package's bootstrap script as Lambda would, with a
// uname that reports machine, and returns which binary it executed (the
// binaries are replaced by scripts that print their own name).
func runBootstrap(t *testing.T, art, machine string) string {
	t.Helper()
	dir := t.TempDir()
	script, err := os.ReadFile(filepath.Join(art, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("bootstrap", string(script))
	for m := range elfMachine {
		write("bootstrap."+m, "#!/bin/sh\necho bootstrap."+m+"\n")
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "uname"), []byte("#!/bin/sh\necho "+machine+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "bootstrap"))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bootstrap on %s: %v", machine, err)
	}
	return strings.TrimSpace(string(out))
}

// TestBootstrapRefusesMissingArchitecture: a package built for one
// architecture only (LAMBDA_ARCH) says so instead of failing with an exec
// format error.
func TestBootstrapRefusesMissingArchitecture(t *testing.T) {
	dir := t.TempDir()
	script, err := os.ReadFile("bootstrap.sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "uname"), []byte("#!/bin/sh\necho aarch64\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "bootstrap"))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no binary for aarch64") {
		t.Fatalf("bootstrap without its binary: %v %q", err, out)
	}
}
