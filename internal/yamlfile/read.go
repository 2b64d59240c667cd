package yamlfile

import (
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"

	"gopkg.in/yaml.v3"
)

// MaxFileSize is the most a fixture or scenario file may hold. Such files
// are a few kilobytes; the cap keeps a wrong path (a log, a disk image)
// from being read whole into memory.
const MaxFileSize = 8 << 20

// ReadFile reads the file name of fsys when it is a regular file (or a
// symbolic link to one) of at most MaxFileSize bytes. Anything else, a
// named pipe or a device such as /dev/zero, is refused before it is
// opened, so that reading never blocks or runs without end; a file that
// grows while it is read is refused too. A refusal is an *fs.PathError,
// which ReadProblem words.
func ReadFile(fsys fs.FS, name string) ([]byte, error) {
	return read(name, func() (fs.FileInfo, error) { return fs.Stat(fsys, name) }, func() (fs.File, error) { return fsys.Open(name) })
}

// ReadOSFile is ReadFile on the real file system.
func ReadOSFile(name string) ([]byte, error) {
	return read(name, func() (fs.FileInfo, error) { return os.Stat(name) }, func() (fs.File, error) { return os.Open(name) })
}

func read(name string, stat func() (fs.FileInfo, error), open func() (fs.File, error)) ([]byte, error) {
	info, err := stat()
	if err != nil {
		return nil, err
	}
	if err := readable(name, info); err != nil {
		return nil, err
	}
	f, err := open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file may have been replaced between the two looks.
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := readable(name, info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, tooBig(name)
	}
	return data, nil
}

func readable(name string, info fs.FileInfo) error {
	m := info.Mode()
	if !m.IsRegular() {
		return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("not a regular file (%s): want a YAML file", kindOf(m))}
	}
	if info.Size() > MaxFileSize {
		return tooBig(name)
	}
	return nil
}

func tooBig(name string) error {
	return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("larger than the limit of %d MiB per file (MaxFileSize)", MaxFileSize>>20)}
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file"
}

// Expanded is the size of the tree under n with every alias replaced by
// the value it names: the bytes of its scalars (keys included) plus
// NodeCost for each node, aliases counted at each use. A small text that
// names one large value many times thus shows what reading it whole would
// cost. Computing it visits each node of the text once. An alias to a
// value that holds it (a cycle) makes it math.MaxInt64.
func Expanded(n *yaml.Node) int64 {
	return expanded(n, map[*yaml.Node]int64{})
}

// NodeCost is what Expanded counts for a node besides its bytes.
const NodeCost = 16

// inProgress marks a node being measured, to find cycles.
const inProgress = -1

func expanded(n *yaml.Node, memo map[*yaml.Node]int64) int64 {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		return expanded(n.Alias, memo)
	}
	switch v, ok := memo[n]; {
	case ok && v == inProgress:
		return math.MaxInt64
	case ok:
		return v
	}
	memo[n] = inProgress
	size := int64(NodeCost + len(n.Value))
	for _, c := range n.Content {
		size = satAdd(size, expanded(c, memo))
	}
	memo[n] = size
	return size
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
