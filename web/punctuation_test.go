package web

import "testing"

func TestSentencef(t *testing.T) {
	for _, tc := range []struct {
		format string
		args   []string
		want   string
	}{
		{"Beoordeling: %s. Collega's: %s.", []string{"Ze wil het terugkijken.", "Team Noord"}, "Beoordeling: Ze wil het terugkijken. Collega's: Team Noord."},
		{"Beoordeling: %s. Collega's: %s.", []string{"Mag het?", "Team Noord."}, "Beoordeling: Mag het? Collega's: Team Noord."},
		{"Reden: %s; en %s", []string{"gevaar.", "100%s zeker"}, "Reden: gevaar; en 100%s zeker"},
	} {
		if got := sentencef(tc.format, tc.args...); got != tc.want {
			t.Errorf("sentencef(%q, %q) = %q, want %q", tc.format, tc.args, got, tc.want)
		}
	}
}
