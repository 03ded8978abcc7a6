package main

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/smtpmail"
)

// settings reads OPNAME_* variables and remembers the first one that
// cannot be used: opname refuses to start on it rather than fall back to a
// default that nobody chose.
type settings struct {
	getenv func(string) string
	err    error
}

// invalidSetting is the error for a setting that cannot be used. shown is
// the value as it may be printed (without a password).
func invalidSetting(name, shown, problem string) error {
	return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s=%q: %s", name, shown, problem)}
}

func (s *settings) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// read stores the variable name in dst when it is set, after valid (if
// any) accepts it.
func (s *settings) read(name string, dst *string, valid func(name, value string) error) {
	v := s.getenv(name)
	if v == "" {
		return
	}
	if valid != nil {
		if err := valid(name, v); err != nil {
			s.fail(err)
			return
		}
	}
	*dst = v
}

// file reads the variable name, a file's path, into dst: the file holds
// the value of the variable plain (what it names, trimmed of spaces and
// line ends), so that a secret in that value need not be in the
// environment (a systemd credential, a container secret). Both set is an
// error; the file's content is never shown.
func (s *settings) file(name, plain string, dst *string, valid func(name, value string) error) {
	path := s.getenv(name)
	if path == "" {
		return
	}
	if s.getenv(plain) != "" {
		s.fail(&opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("%s and %s are both set; set one", name, plain)})
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		s.fail(invalidSetting(name, path, "cannot read the file"))
		return
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		s.fail(invalidSetting(name, path, "the file is empty"))
		return
	}
	if valid != nil {
		if err := valid(name, v); err != nil {
			s.fail(invalidSetting(name, path, "the file does not hold a usable value"))
			return
		}
	}
	*dst = v
}

// parsed stores the variable name in dst when it is set and parse reads
// it; problem says what is accepted instead.
func parsed[T any](s *settings, name string, dst *T, parse func(string) (T, bool), problem string) {
	if v := s.getenv(name); v != "" {
		x, ok := parse(v)
		if !ok {
			s.fail(invalidSetting(name, v, problem))
			return
		}
		*dst = x
	}
}

func (s *settings) size(name string, dst *int64) {
	parsed(s, name, dst, parseSize, "not a size; use e.g. 16G, 512M or a number of bytes")
}

func (s *settings) duration(name string, dst *time.Duration) {
	parsed(s, name, dst, parseDuration, "not a duration; use e.g. 72h, 90m or 3d")
}

func (s *settings) boolean(name string, dst *bool) {
	parsed(s, name, dst, parseBool, "not true or false; use true, false, 1 or 0")
}

func (s *settings) prefixes(name string, dst *[]netip.Prefix) {
	if v := s.getenv(name); v != "" {
		p, err := parsePrefixes(v)
		if err != nil {
			s.fail(invalidSetting(name, v, err.Error()))
			return
		}
		*dst = p
	}
}

// units are the suffixes of a size: K, M, G and T (with or without "iB")
// count in powers of 1024; KB, MB, GB and TB in powers of 1000.
var units = []struct {
	suffix string
	factor int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// parseSize reads a positive number of bytes with an optional unit: 16G,
// 16GiB, 512M, 20GB, 8589934592.
func parseSize(v string) (int64, bool) {
	s := strings.ToLower(strings.TrimSpace(v))
	factor := int64(1)
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, factor = strings.TrimSpace(num), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/factor {
		return 0, false
	}
	return n * factor, true
}

// parseDuration reads a positive Go duration (72h, 1h30m) or a whole
// number of days, alone or before one (3d, 1d12h).
func parseDuration(v string) (time.Duration, bool) {
	s := strings.TrimSpace(v)
	var days time.Duration
	if num, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || n > 100*365 || strings.HasPrefix(rest, "-") {
			return 0, false
		}
		days, s = time.Duration(n)*24*time.Hour, rest
		if s == "" {
			return days, days > 0
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || days+d <= 0 {
		return 0, false
	}
	return days + d, true
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	return false, false
}

// parsePrefixes reads a comma-separated list of networks (10.0.0.0/8) or
// single addresses (127.0.0.1).
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a network or an address; use e.g. 127.0.0.1/32,10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// checkAddr accepts host:port with a port of 0 to 65535 (an empty host
// listens on every interface).
func checkAddr(name, v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return invalidSetting(name, v, "not an address; use host:port, e.g. 127.0.0.1:8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return invalidSetting(name, v, "the port is not a number from 0 to 65535")
	}
	return nil
}

// checkPublicURL accepts http:// or https:// with a host and nothing
// after it: opname's pages and cookies live at the root.
func checkPublicURL(name, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return invalidSetting(name, v, "not a web address; use e.g. https://opname.example.nl")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return invalidSetting(name, v, "opname must be at the root of its host; remove the path")
	}
	return nil
}

// checkDatabaseURL accepts a postgres:// URL; it is not printed, since it
// may carry a password.
func checkDatabaseURL(name, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return invalidSetting(name, redactURL(v), "not a PostgreSQL URL; use postgres://user@host:5432/database")
	}
	return nil
}

func checkBlobURL(name, v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return invalidSetting(name, redactURL(v), "not an S3 location; use s3://bucket/prefix")
	}
	return nil
}

func checkSMTPURL(_, v string) error {
	_, err := smtpmail.Open(v)
	return err
}

// redactURL is a URL as it may be printed: without its password, or
// nothing of it when it does not parse.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return "…"
	}
	return u.Redacted()
}
