package web

import "github.com/opname/opname/policy"

// accessLogMessages are the texts of paging through the access log and
// through who looked at a client's data.
var accessLogMessages = map[string]policy.Text{
	"log.pages":  {NL: "Pagina's", EN: "Pages"},
	"log.next":   {NL: "Volgende pagina (oudere gegevens)", EN: "Next page (older records)"},
	"log.first":  {NL: "Eerste pagina (nieuwste gegevens)", EN: "First page (newest records)"},
	"seen.next":  {NL: "Volgende pagina (eerder bekeken)", EN: "Next page (looked at earlier)"},
	"seen.first": {NL: "Eerste pagina (laatst bekeken)", EN: "First page (looked at last)"},
}
