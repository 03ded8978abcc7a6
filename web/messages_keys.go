package web

import "github.com/opname/opname/policy"

// keyMessages are the words for what the operator's commands do to all of
// an organisation's data at once, in the access log: key rotation and
// backups.
var keyMessages = map[string]policy.Text{
	"object.key":         {NL: "sleutel van de organisatie", EN: "organisation's key"},
	"seen.object.key":    {NL: "de sleutel waarmee uw opnames versleuteld zijn", EN: "the key your recordings are encrypted with"},
	"object.backup":      {NL: "reservekopie", EN: "backup"},
	"seen.object.backup": {NL: "een reservekopie van alle gegevens, ook die van u", EN: "a backup of all data, yours included"},
}
