package demo

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/netwarden/netwarden/anomaly/bundle"
)

// KeyEnv is the environment variable that may hold the pseudonymisation key
// of a bundle whose pipeline has features.Pseudonymize steps (its bytes as
// they are).
const KeyEnv = "NETWARDEN_PSEUDONYM_KEY"

// ApplyKey gives b the pseudonymisation key its pipeline needs, read from
// keyFile (the file's bytes, one trailing line end removed) or, when
// keyFile is "", from the environment variable KeyEnv. The key never comes
// from a flag's value, which any user of the machine can read in ps. It
// returns a sentence for the log: where the key came from, or that a key
// given to a bundle that needs none was ignored, or that the key file can
// be read by other users. A bundle that needs a key and gets none, both a
// file and the variable, and a key the pipeline does not recognise are
// errors.
func ApplyKey(b *bundle.Bundle, keyFile string) (string, error) {
	env, inEnv := os.LookupEnv(KeyEnv)
	if keyFile != "" && inEnv {
		return "", fmt.Errorf("the key is given twice: -key-file and %s; unset one", KeyEnv)
	}
	var key []byte
	var from, note string
	switch {
	case keyFile != "":
		fi, err := os.Stat(keyFile)
		if err != nil {
			return "", fmt.Errorf("-key-file: %w", err)
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("-key-file %s: not a regular file", keyFile)
		}
		if fi.Size() > 1<<16 {
			return "", fmt.Errorf("-key-file %s: %d bytes; a key is at most 64 KiB", keyFile, fi.Size())
		}
		if key, err = os.ReadFile(keyFile); err != nil {
			return "", fmt.Errorf("-key-file: %w", err)
		}
		key = bytes.TrimSuffix(key, []byte("\n"))
		key = bytes.TrimSuffix(key, []byte("\r"))
		from = "key file " + keyFile
		if fi.Mode().Perm()&0o077 != 0 {
			note = fmt.Sprintf("; the key file can be read by other users (mode %v): chmod 600 it", fi.Mode().Perm())
		}
	case inEnv:
		key, from = []byte(env), "environment variable "+KeyEnv
	}
	if !b.Pipeline().NeedsKey() {
		if key != nil {
			return "the bundle pseudonymises nothing: the " + from + " is ignored", nil
		}
		return "", nil
	}
	if key == nil {
		return "", fmt.Errorf("the bundle's pipeline pseudonymises identifiers and needs its key: give it with -key-file FILE or in the environment variable %s (never as a flag value, which shows in ps)", KeyEnv)
	}
	if len(key) == 0 {
		return "", errors.New("the pseudonymisation key from the " + from + " is empty")
	}
	if err := b.SetKey(key); err != nil {
		return "", fmt.Errorf("the pseudonymisation key from the %s: %w", from, err)
	}
	return "pseudonymisation key from the " + from + note, nil
}
