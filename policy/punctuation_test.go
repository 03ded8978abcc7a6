package policy

import "testing"

func TestFill(t *testing.T) {
	for _, tc := range []struct{ t, value, want string }{
		{"Reden: {r}. Daarom niet.", "er is gevaar", "Reden: er is gevaar. Daarom niet."},
		{"Reden: {r}. Daarom niet.", "Er is gevaar.", "Reden: Er is gevaar. Daarom niet."},
		{"Reden: {r}. Daarom niet.", "Is het veilig?", "Reden: Is het veilig? Daarom niet."},
		{"Reden: {r}. Daarom niet.", "Wacht maar...", "Reden: Wacht maar... Daarom niet."},
		{"Reden: {r}; daarom niet.", "Er is gevaar.", "Reden: Er is gevaar; daarom niet."},
		{"{r}, {r}.", "a.", "a, a."},
		{"Reden: {r}", "Er is gevaar.", "Reden: Er is gevaar."},
		{"Niets.", "x", "Niets."},
	} {
		if got := Fill(tc.t, "{r}", tc.value); got != tc.want {
			t.Errorf("Fill(%q, %q) = %q, want %q", tc.t, tc.value, got, tc.want)
		}
	}
}

func TestClause(t *testing.T) {
	for in, want := range map[string]string{"Er is gevaar.": "Er is gevaar", "gevaar": "gevaar", "Wacht... ": "Wacht...", "Echt?": "Echt?"} {
		if got := Clause(in); got != want {
			t.Errorf("Clause(%q) = %q, want %q", in, got, want)
		}
	}
}
