package web

import "github.com/opname/opname/policy"

// keyMessages are the words for key rotation in the access log.
var keyMessages = map[string]policy.Text{
	"object.key":      {NL: "sleutel van de organisatie", EN: "organisation's key"},
	"seen.object.key": {NL: "de sleutel waarmee uw opnames versleuteld zijn", EN: "the key your recordings are encrypted with"},
}
