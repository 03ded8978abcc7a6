package main

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64 // 0: refused
	}{
		{"8589934592", 8 << 30},
		{"16G", 16 << 30}, {"16g", 16 << 30}, {"16GiB", 16 << 30}, {"16 GiB", 16 << 30},
		{"512M", 512 << 20}, {"512MiB", 512 << 20}, {"1T", 1 << 40}, {"64K", 64 << 10},
		{"20GB", 20e9}, {"500MB", 500e6}, {"100B", 100},
		{"", 0}, {"0", 0}, {"-1G", 0}, {"16 gigabytes", 0}, {"1.5G", 0}, {"G", 0},
		{"9999999999T", 0}, {"99999999999999999999", 0},
	} {
		got, ok := parseSize(c.in)
		if ok != (c.want != 0) || got != c.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", c.in, got, ok, c.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration // 0: refused
	}{
		{"72h", 72 * time.Hour}, {"90m", 90 * time.Minute}, {"1h30m", 90 * time.Minute},
		{"3d", 72 * time.Hour}, {"90d", 90 * 24 * time.Hour}, {"1d12h", 36 * time.Hour},
		{"", 0}, {"0", 0}, {"0d", 0}, {"-1h", 0}, {"-3d", 0}, {"3days", 0}, {"daily", 0},
		{"d", 0}, {"1.5d", 0}, {"3d-1h", 0},
	} {
		got, ok := parseDuration(c.in)
		if ok != (c.want != 0) || got != c.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", c.in, got, ok, c.want)
		}
	}
}
