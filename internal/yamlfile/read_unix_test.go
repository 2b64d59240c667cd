//go:build unix

package yamlfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO, and a link to /dev/zero, named *.yaml on the real file system
// are refused at once: neither blocks nor is read without end.
func TestReadOSFileRefusesPipesAndDevices(t *testing.T) {
	dir := t.TempDir()
	pipe, zero := filepath.Join(dir, "pipe.yaml"), filepath.Join(dir, "zero.yaml")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for f, kind := range map[string]string{pipe: "a named pipe", zero: "a character device"} {
		_, err := ReadOSFile(f)
		want := f + ": cannot read: not a regular file (" + kind + "): want a YAML file"
		if err == nil || ReadProblem(f, err).Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	}
	// A link to a regular file is read.
	real, link := filepath.Join(dir, "real.yaml"), filepath.Join(dir, "link.yaml")
	if err := os.WriteFile(real, []byte("a: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadOSFile(link); err != nil || !strings.HasPrefix(string(data), "a: 1") {
		t.Errorf("link to a regular file: got %q, %v", data, err)
	}
}
