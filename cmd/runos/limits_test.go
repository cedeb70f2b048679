package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runos-project/runos/kernel/core"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr bool
	}{
		{in: "0", want: 0},
		{in: "4096", want: 4096},
		{in: "64k", want: 64 << 10},
		{in: "256M", want: 256 << 20},
		{in: "256MiB", want: 256 << 20},
		{in: "1G", want: 1 << 30},
		{in: "2gb", want: 2 << 30},
		{in: "1T", want: 1 << 40},
		{in: "", wantErr: true},
		{in: "M", wantErr: true},
		{in: "-1M", wantErr: true},
		{in: "1.5G", wantErr: true},
		{in: "12X", wantErr: true},
		{in: "99999999999999T", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSize(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestParseUser(t *testing.T) {
	tests := []struct {
		in      string
		want    core.Credentials
		wantErr bool
	}{
		{in: "65534:65534", want: core.NewCredentials(65534, 65534, nil)},
		{in: "0:0", want: core.NewCredentials(0, 0, nil)},
		{in: "1000:100", want: core.NewCredentials(1000, 100, nil)},
		{in: "1000", wantErr: true},
		{in: "a:b", wantErr: true},
		{in: "1000:", wantErr: true},
		{in: "-1:0", wantErr: true},
		{in: "4294967295:0", wantErr: true},
		{in: "4294967296:0", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseUser(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseUser(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if err == nil {
				if d := cmp.Diff(tc.want, got); d != "" {
					t.Errorf("parseUser(%q) (-want +got):\n%s", tc.in, d)
				}
			}
		})
	}
}
