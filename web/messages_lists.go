package web

import "github.com/opname/opname/policy"

// listMessages are the texts of lists shown a page at a time.
var listMessages = map[string]policy.Text{
	"list.next":              {NL: "Volgende", EN: "Next"},
	"list.next.incidents":    {NL: "Volgende incidenten", EN: "Next incidents"},
	"err.page.cursor":        {NL: "%q hoort niet bij deze lijst. Begin opnieuw bij de eerste pagina.", EN: "%q does not belong to this list. Start again from the first page."},
	"err.page.limit":         {NL: "Gebruik een getal van 1 tot %d (niet %v).", EN: "Use a number from 1 to %d (not %v)."},
	"field.cursor":           {NL: "Vervolg van de lijst", EN: "Continuation of the list"},
	"field.incidents_cursor": {NL: "Vervolg van de incidenten", EN: "Continuation of the incidents"},
}
