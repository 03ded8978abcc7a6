package public_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/opname/opname/policy"
	"github.com/opname/opname/public"
)

func shipped(t *testing.T) (*policy.Library, []*policy.Policy) {
	t.Helper()
	lib, err := policy.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	var ps []*policy.Policy
	for _, name := range lib.Names() {
		p, err := lib.Policy(name)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return lib, ps
}

// TestEveryRuleIsPublished checks that the publication of every shipped
// policy, in both languages, holds each rule and each guidance point once,
// in its own words and with a titled source, and that nothing else is in
// it but what the rules ask of the client.
func TestEveryRuleIsPublished(t *testing.T) {
	t.Parallel()
	lib, ps := shipped(t)
	for _, p := range ps {
		for _, lang := range []string{"nl", "en"} {
			pub := public.New(p, "Voorbeeld", lang, lib.Source)
			seen := map[string]int{}
			for _, s := range pub.Sections {
				if s.Heading == "" || len(s.Points) == 0 {
					t.Errorf("%s %s: section %q has no heading or no points", p.Name, lang, s.Key)
				}
				for _, pt := range s.Points {
					seen[pt.ID]++
					if strings.ContainsAny(pt.Text, "{}") {
						t.Errorf("%s %s: point %s has a placeholder: %s", p.Name, lang, pt.ID, pt.Text)
					}
					if pt.Text == "" || len(pt.Sources) == 0 || pt.Sources[0].Title == "" || pt.Sources[0].Ref == "" {
						t.Errorf("%s %s: point %s has no text or no source: %+v", p.Name, lang, pt.ID, pt)
					}
					if s.Key == public.SectionAsks != strings.HasPrefix(pt.ID, "asks-") {
						t.Errorf("%s %s: point %s in section %s", p.Name, lang, pt.ID, s.Key)
					}
				}
			}
			want := map[string]string{}
			for _, r := range p.Rules {
				want[r.ID] = r.Explain.In(lang)
			}
			for i, g := range p.Guidance {
				want[fmt.Sprintf("guidance-%d", i+1)] = g.Explain.In(lang)
			}
			for id := range want {
				if seen[id] != 1 {
					t.Errorf("%s %s: %s is published %d times", p.Name, lang, id, seen[id])
				}
			}
			for id := range seen {
				if _, ok := want[id]; !ok && !strings.HasPrefix(id, "asks-") {
					t.Errorf("%s %s: %s is published but is no rule or guidance point", p.Name, lang, id)
				}
			}
			for _, s := range pub.Sections {
				for _, pt := range s.Points {
					if w, ok := want[pt.ID]; ok && w != "" && !strings.Contains(w, "{") && pt.Text != w {
						t.Errorf("%s %s: %s says %q, its rule %q", p.Name, lang, pt.ID, pt.Text, w)
					}
				}
			}
		}
	}
}

// TestSections puts rules where a reader looks for them.
func TestSections(t *testing.T) {
	t.Parallel()
	lib, _ := shipped(t)
	for _, c := range []struct{ policy, rule, section string }{
		{"ombudsman", "omb-1", public.SectionClient},
		{"ombudsman", "omb-4", public.SectionCopies},
		{"ombudsman", "omb-5", public.SectionEditing},
		{"ombudsman", "omb-6", public.SectionSharing},
		{"ombudsman", "omb-4-organisation", public.SectionOrganisation},
		{"ombudsman", "omb-scope-video", public.SectionVideo},
		{"veilig-thuis-utrecht", "vtu-2-covert", public.SectionSecret},
		{"ombudsman", "omb-tip-procedures", public.SectionOther},
		{"blijf-groep", "bg-a2", public.SectionOrganisation},
	} {
		p, err := lib.Policy(c.policy)
		if err != nil {
			t.Fatal(err)
		}
		pub := public.New(p, "X", "nl", lib.Source)
		i := slices.IndexFunc(pub.Sections, func(s public.Section) bool {
			return slices.ContainsFunc(s.Points, func(pt public.Point) bool { return pt.ID == c.rule })
		})
		if i < 0 || pub.Sections[i].Key != c.section {
			t.Errorf("%s %s is not in section %s: %+v", c.policy, c.rule, c.section, pub.Sections)
		}
	}
}

// TestCard decides the pocket card's situations under every shipped
// policy: four items, and Veilig Thuis has staff speak the agreements.
func TestCard(t *testing.T) {
	t.Parallel()
	lib, ps := shipped(t)
	for _, p := range ps {
		for _, lang := range []string{"nl", "en"} {
			c := public.New(p, "X", lang, lib.Source).Card
			var keys []string
			for _, it := range c.Items {
				keys = append(keys, it.Key)
				if it.Heading == "" || it.Outcome == "" || strings.Contains(it.Outcome, "%") {
					t.Errorf("%s %s: card item %+v", p.Name, lang, it)
				}
			}
			if !slices.Equal(keys, []string{"client", "organisation", "video", "secret"}) {
				t.Errorf("%s %s: card items %v", p.Name, lang, keys)
			}
		}
	}
	p, err := lib.Policy("veilig-thuis-utrecht")
	if err != nil {
		t.Fatal(err)
	}
	it := public.New(p, "Veilig Thuis", "nl", lib.Source).Card.Items[0]
	if !it.Speak || !slices.Contains(it.Agreements, policy.Agreements.Label("copy_on_request", "nl")) {
		t.Errorf("Veilig Thuis: the client's recording %+v", it)
	}
}
