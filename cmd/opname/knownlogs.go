package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/opname/opname"
	"github.com/opname/opname/translog"
)

// knownLogs is the file of logs' verifier keys that `opname verify`
// remembers after a --log check, one key per line, like ssh's known_hosts:
// the first check of a log remembers its key, later checks compare, and
// offline checks trust it.
type knownLogs struct {
	path string // "" when there is no configuration directory
	keys []translog.VerifierKey
	// newline is whether the file must get a line break before the next key.
	newline bool
}

// knownLogsPath is $XDG_CONFIG_HOME/opname/known_logs, or
// ~/.config/opname/known_logs; "" when neither is set.
func knownLogsPath(getenv func(string) string) string {
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "opname", "known_logs")
	}
	if home := getenv("HOME"); filepath.IsAbs(home) {
		return filepath.Join(home, ".config", "opname", "known_logs")
	}
	return ""
}

// loadKnownLogs reads the file at path; a file that is not there yet holds
// no keys.
func loadKnownLogs(path string) (*knownLogs, error) {
	k := &knownLogs{path: path}
	if path == "" {
		return k, nil
	}
	data, err := readSmall(path)
	if errors.Is(err, fs.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, readError("known logs", path, err)
	}
	if k.keys, err = translog.ParseVerifierKeys(string(data)); err != nil {
		return nil, opname.Errorf(opname.Invalid, "known logs %s: %v", path, err)
	}
	k.newline = len(data) > 0 && data[len(data)-1] != '\n'
	return k, nil
}

// remember adds a key to the file, making the file and its directory,
// readable only by their owner, when they are not there yet.
func (k *knownLogs) remember(key translog.VerifierKey) error {
	if k.path == "" {
		return errors.New("there is nowhere to remember it: set XDG_CONFIG_HOME or HOME")
	}
	if err := os.MkdirAll(filepath.Dir(k.path), 0o700); err != nil {
		return fmt.Errorf("cannot remember it in %s: %w", k.path, err)
	}
	f, err := os.OpenFile(k.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cannot remember it in %s: %w", k.path, err)
	}
	line := key.Text + "\n"
	if k.newline {
		line = "\n" + line
	}
	_, err = f.WriteString(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot remember it in %s: %w", k.path, err)
	}
	k.keys = append(k.keys, key)
	k.newline = false
	return nil
}
