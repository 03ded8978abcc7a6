package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/translog"
)

// What `opname verify` says, in Dutch or English: a client checks a copy
// of a recording with it, following the receipt page in their language.
// The English is the words scripts and the contract rely on: "match", "no
// match", "NOT VERIFIED". --lang chooses; without it the language of the
// environment (LC_ALL, LC_MESSAGES, LANG) does when it is Dutch.

// verifyText are verify's sentences; their verbs take the same arguments
// in both languages.
var verifyText = map[string]policy.Text{
	"match":                {NL: "klopt", EN: "match"},
	"no match":             {NL: "klopt niet", EN: "no match"},
	"error":                {NL: "fout", EN: "error"},
	"hint":                 {NL: "tip", EN: "hint"},
	"warning":              {NL: "waarschuwing", EN: "warning"},
	"facts.edit":           {NL: "%s: bewerkte versie, gemeld, gemaakt van %s", EN: "%s: edited, declared, derived from %s"},
	"facts.agreements":     {NL: "%s: afspraken, zoals vastgelegd", EN: "%s: agreements, as recorded"},
	"facts.kind":           {NL: "%s: %s %s", EN: "%s: %s %s"},
	"facts.sha":            {NL: "sha256 %s, %d bytes, vastgelegd op %s", EN: "sha256 %s, %d bytes, registered %s"},
	"facts.entry":          {NL: "regel %d van logboek %s, in de ondertekende stand van %d regels", EN: "entry %d of log %s, in its checkpoint of %d entries"},
	"kind.recording":       {NL: "opname", EN: "recording"},
	"kind.copy":            {NL: "kopie", EN: "copy"},
	"kind.erasure":         {NL: "wissing", EN: "erasure"},
	"signed":               {NL: "ondertekend met de sleutel van logboek %s, vingerafdruk %s, %s", EN: "signed by the key of log %s, fingerprint %s, %s"},
	"source.key":           {NL: "gegeven met --key", EN: "given with --key"},
	"source.known":         {NL: "onthouden in %s", EN: "remembered in %s"},
	"source.log":           {NL: "gepubliceerd door het logboek op %s", EN: "published by the log at %s"},
	"source.log.known":     {NL: "gepubliceerd door het logboek op %s, onthouden in %s", EN: "published by the log at %s, remembered in %s"},
	"untrusted":            {NL: "NIET GECONTROLEERD: wie dit bewijs ondertekende. De sleutel, vingerafdruk %s, is geen sleutel die u vertrouwt voor logboek %s.", EN: "NOT VERIFIED: who signed this receipt. Its key, fingerprint %s, is not a key you trust for log %s."},
	"untrusted.fits":       {NL: "het bestand past bij het bewijs", EN: "the file matches the receipt"},
	"untrusted.proved":     {NL: "bewezen: het bestand is precies het bestand dat het bewijs beschrijft, en het bewijs past bij zijn eigen sleutel.", EN: "proved: the file is exactly the file the receipt describes, and the receipt's proof fits its own key."},
	"untrusted.not":        {NL: "niet bewezen: dat logboek %s deze regel bevat. Iedereen kan zo'n bewijs maken met een eigen sleutel.", EN: "not proved: that log %s holds this entry. Anyone can make a receipt like this with a key of their own."},
	"untrusted.others":     {NL: "de sleutels die u vertrouwt zijn van andere logboeken: %s", EN: "the keys you trust are for other logs: %s"},
	"untrusted.get":        {NL: "zo bewijst u het: haal de sleutel van de organisatie op bij haar opname-server op %s (de pagina van het bewijs toont de vingerafdruk ook).", EN: "to prove it: get the organisation's key from its opname server at %s (its receipt page shows the fingerprint too)."},
	"untrusted.again":      {NL: "Is de vingerafdruk %s? Voer de opdracht dan opnieuw uit met --key en die sleutel (of een bestand met de sleutel),", EN: "If its fingerprint is %s, run again with --key and that key (or a file holding it),"},
	"untrusted.log":        {NL: "of met --log https://SERVER%s; dan onthoudt opname de sleutel ook voor latere controles.", EN: "or with --log https://SERVER%s, which also remembers the key for later checks."},
	"remembered":           {NL: "de sleutel van logboek %s, vingerafdruk %s, is onthouden in %s", EN: "remembered the key of log %s, fingerprint %s, in %s"},
	"shares.none":          {NL: "gedeeld: niet via een link voor een ontvanger", EN: "shared: not through a link for a recipient"},
	"shares.share":         {NL: "gedeeld met: %s, op %s (regel %d van het logboek)", EN: "shared with: %s, on %s (log entry %d)"},
	"shares.share_revoked": {NL: "link gestopt van: %s, op %s (regel %d van het logboek)", EN: "link stopped of: %s, on %s (log entry %d)"},
	"shares.share_expired": {NL: "link verlopen van: %s, op %s (regel %d van het logboek)", EN: "link expired of: %s, on %s (log entry %d)"},
	"share.bad":            {NL: "het logboek noemt een deling (regel %d) die niet klopt: %s", EN: "the log names a share (entry %d) that does not hold: %s"},
	"share.other":          {NL: "de deling gaat over een andere opname", EN: "the share is of another recording"},
	"log.shares":           {NL: "het logboek gaf geen leesbare lijst van delingen", EN: "the log did not answer a readable list of shares"},
	"consistent":           {NL: "de huidige stand van het logboek (%d regels) past bij die van het bewijs (%d)", EN: "the log's current checkpoint (%d entries) is consistent with the receipt's (%d)"},
	"mismatch":             {NL: "het bestand past niet bij het bewijs: het heeft SHA-256 %s en %d bytes, het bewijs %s en %d bytes", EN: "the file does not match the receipt: it has SHA-256 %s and %d bytes, the receipt %s and %d bytes"},
	"other signer":         {NL: "het bewijs is niet ondertekend met de sleutel die u vertrouwt voor dit logboek (in het Engels: %v)", EN: "%v"},
	"english":              {NL: "%s (in het Engels)", EN: "%s"},
	"hint.other":           {NL: "u vertrouwt %s voor logboek %s; een bewijs dat met een andere sleutel is ondertekend, komt niet van dat logboek", EN: "you trust %s for log %s; a receipt signed with another key was not made by that log"},
	"log.other":            {NL: "het bewijs komt van logboek %s, maar %s is logboek %s", EN: "the receipt is from log %s, but %s is log %s"},
	"hint.log":             {NL: "geef bij --log het adres van het logboek dat het bewijs maakte, https://SERVER/api/v1/logs/SLUG", EN: "give --log the address of the log that made the receipt, https://SERVER/api/v1/logs/SLUG"},
	"log.key changed":      {NL: "het logboek op %s publiceert sleutel %s voor %s, maar u vertrouwt %s", EN: "the log at %s publishes key %s for %s, but you trust %s"},
	"hint.key changed":     {NL: "de sleutel van een logboek verandert niet. Bevestigt de organisatie dat ze een nieuwe sleutel heeft? Haal dan de oude sleutel weg uit %s (of uit --key) en probeer het opnieuw", EN: "a log's key does not change. If the organisation confirms that it changed its key, remove the old key from %s (or from --key) and run again"},
	"known.where":          {NL: "het bestand met bekende logboeken", EN: "the known logs file"},
	"known.once":           {NL: "de sleutel van het logboek geldt alleen voor deze controle: %v", EN: "the log's key is trusted for this check only: %v"},
	"hint.known":           {NL: "elke regel van dat bestand is de sleutel van één logboek; verbeter of verwijder de regel", EN: "each line of that file is one log's verifier key; correct or remove the line"},
	"checkpoint":           {NL: "de huidige stand van het logboek: %v", EN: "the log's current checkpoint: %v"},
	"usage":                {NL: "geef --receipt BEWIJS en één BESTAND", EN: "give --receipt RECEIPT and one FILE"},
	"hint.usage":           {NL: "gebruik: opname verify --receipt BEWIJS [--key SLEUTEL]... [--log URL] [--lang nl|en] BESTAND", EN: "usage: opname verify --receipt RECEIPT [--key KEY]... [--log URL] [--lang nl|en] FILE"},
	"what.receipt":         {NL: "bewijs", EN: "receipt"},
	"what.file":            {NL: "bestand", EN: "file"},
	"no such file":         {NL: "%s %s: dit bestand bestaat niet", EN: "%s %s: no such file"},
	"permission":           {NL: "%s %s: geen toegang tot dit bestand", EN: "%s %s: permission denied"},
	"unreadable":           {NL: "%s %s: dit bestand kan niet worden gelezen", EN: "%s %s: cannot read it"},
	"not a receipt":        {NL: "bewijs %s: dit is geen bruikbaar bewijs (in het Engels: %v)", EN: "receipt %s: %v"},
	"key.not":              {NL: "--key %q: geen sleutel van een logboek (in het Engels: %v)", EN: "--key %q: %v"},
	"key.neither":          {NL: "--key %q: geen sleutel van een logboek (LOGBOEK+HASH+SLEUTEL) en geen bestand", EN: "--key %q: neither a verifier key (ORIGIN+HASH+KEY) nor a file"},
	"key.file":             {NL: "--key %s: het bestand bevat iets anders dan sleutels (in het Engels: %v)", EN: "--key %s: %v"},
	"key.none":             {NL: "--key %s: het bestand bevat geen sleutel van een logboek", EN: "--key %s: the file holds no verifier key"},
	"log.not url":          {NL: "--log %s: dit is geen adres", EN: "--log %s: not a URL"},
	"log.silent":           {NL: "--log %s: het logboek antwoordt niet", EN: "--log %s: the log does not answer"},
	"log.status":           {NL: "--log %s%s: het logboek antwoordt %s", EN: "--log %s%s: %s"},
	"log.key":              {NL: "--log %s/key: geen sleutel van een logboek (in het Engels: %v)", EN: "--log %s/key: %v"},
	"log.proof":            {NL: "--log: het bewijs van samenhang is niet leesbaar", EN: "--log: the consistency proof is not readable"},
	"lang":                 {NL: "--lang %q: kies nl of en", EN: "--lang %q: use nl or en"},
	"what.bag":             {NL: "bewijsmap", EN: "bundle"},
	// An evidence bundle (verify --bag): each problem names the file.
	"bag.not a bag":     {NL: "bewijsmap %s: dit is geen zip-bestand (in het Engels: %v)", EN: "bundle %s: not a zip file: %v"},
	"bag.declaration":   {NL: "%s: ontbreekt, of noemt geen BagIt 1.0%.0s", EN: "%s: missing, or does not declare BagIt 1.0%.0s"},
	"bag.no_manifest":   {NL: "%s: ontbreekt%.0s", EN: "%s: missing%.0s"},
	"bag.bad_line":      {NL: "%s: een regel is niet te lezen: %s", EN: "%s: a line cannot be read: %s"},
	"bag.missing":       {NL: "%s: ontbreekt, maar staat in het manifest (%s)", EN: "%s: missing, but listed (%s)"},
	"bag.changed":       {NL: "%s: veranderd, de SHA-256 past niet bij het manifest: %s", EN: "%s: changed, its SHA-256 does not match the manifest: %s"},
	"bag.not_listed":    {NL: "%s: staat in geen manifest%.0s", EN: "%s: not listed in any manifest%.0s"},
	"bag.unsafe_path":   {NL: "%s: onveilige naam (absoluut, met .. of \\), niet gelezen%.0s", EN: "%s: unsafe name (absolute, with .. or \\), not read%.0s"},
	"bag.twice":         {NL: "%s: staat er twee keer in %s", EN: "%s: there twice %s"},
	"bag.unreadable":    {NL: "%s: niet te lezen (in het Engels: %v)", EN: "%s: cannot be read: %v"},
	"bag.payload_oxum":  {NL: "%s: de Payload-Oxum past niet bij de bestanden in data/: %s", EN: "%s: the Payload-Oxum does not match the files in data/: %s"},
	"bag.bad_info":      {NL: "%s: een regel is niet te lezen: %s", EN: "%s: a line cannot be read: %s"},
	"bag.no key":        {NL: "%s: ontbreekt", EN: "%s: missing"},
	"bag.bad key":       {NL: "%s: geen sleutel van een logboek (in het Engels: %v)", EN: "%s: not a verifier key: %v"},
	"bag.bad receipt":   {NL: "%s: geen bruikbaar bewijs (in het Engels: %v)", EN: "%s: not a usable receipt: %v"},
	"bag.other log":     {NL: "%s: bewijs van logboek %s, de bewijsmap is van %s", EN: "%s: a receipt of log %s, the bundle is of %s"},
	"bag.receipt for":   {NL: "%s: bewijs van %s, dat niet in de bewijsmap zit", EN: "%s: a receipt of %s, which the bundle does not hold"},
	"bag.receipt":       {NL: "%s: past niet bij bewijs %s: %s", EN: "%s: does not match receipt %s: %s"},
	"bag.no receipt":    {NL: "%s: heeft geen bewijs in %s", EN: "%s: has no receipt in %s"},
	"bag.no checkpoint": {NL: "%s: ontbreekt", EN: "%s: missing"},
	"bag.checkpoint":    {NL: "%s: de handtekening klopt niet (in het Engels: %v)", EN: "%s: the signature does not verify: %v"},
	"bag.ok":            {NL: "klopt: %s past bij zijn bewijs", EN: "match: %s matches its receipt"},
	"bag.summary.ok":    {NL: "de bewijsmap klopt: %d bestanden, %d bewijzen, stand van logboek %s met %d regels", EN: "the bundle matches: %d files, %d receipts, checkpoint of log %s with %d entries"},
	"bag.summary.bad":   {NL: "de bewijsmap klopt niet: %d problemen (hierboven)", EN: "the bundle does not match: %d problems (above)"},
	"bag.untrusted":     {NL: "NIET GECONTROLEERD: wie de bewijsmap ondertekende. Alles past bij elkaar en bij de sleutel in de map, vingerafdruk %s, maar dat is geen sleutel die u vertrouwt voor logboek %s.", EN: "NOT VERIFIED: who signed this bundle. Everything fits together and fits the key in the bundle, fingerprint %s, but that is not a key you trust for log %s."},
	"facts.transcript":  {NL: "%s: transcript %s van de opname met sha256 %s", EN: "%s: transcript %s of the recording with sha256 %s"},
	"kind.transcript":   {NL: "transcript", EN: "transcript"},
}

// verifyWords says verify's sentences in one language.
type verifyWords struct{ lang string }

// verifyLang is the language verify speaks: flag (nl or en) when given,
// else Dutch when the environment's language is, else English.
func verifyLang(flag string, getenv func(string) string) (verifyWords, error) {
	switch flag {
	case "nl", "en":
		return verifyWords{flag}, nil
	case "":
	default:
		return verifyWords{"en"}, usageError{fmt.Sprintf(verifyText["lang"].EN, flag)}
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if strings.HasPrefix(v, "nl") {
				return verifyWords{"nl"}, nil
			}
			break
		}
	}
	return verifyWords{"en"}, nil
}

// t is the sentence key with args.
func (w verifyWords) t(key string, args ...any) string {
	text, ok := verifyText[key]
	if !ok {
		panic("verify: no text " + key)
	}
	return fmt.Sprintf(text.In(w.lang), args...)
}

// errorf, hintf and warnf write a line on stderr, as Main's do.
func (w verifyWords) errorf(m *Main, msg string) {
	fmt.Fprintf(m.Stderr, "opname: %s: %s\n", w.t("error"), oneLine(msg))
}

func (w verifyWords) hintf(m *Main, msg string) {
	fmt.Fprintf(m.Stderr, "opname: %s: %s\n", w.t("hint"), oneLine(msg))
}

func (w verifyWords) warnf(m *Main, msg string) {
	fmt.Fprintf(m.Stderr, "opname: %s: %s\n", w.t("warning"), oneLine(msg))
}

// invalid is an Invalid error whose message is the sentence key.
func (w verifyWords) invalid(key string, args ...any) error {
	return &opname.Error{Kind: opname.Invalid, Msg: w.t(key, args...)}
}

// readError is a file that cannot be read, as readError says it.
func (w verifyWords) readError(what, path string, err error) error {
	key := "unreadable"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		key = "no such file"
	case errors.Is(err, fs.ErrPermission):
		key = "permission"
	}
	return &opname.Error{Kind: opname.Invalid, Msg: w.t(key, w.t("what."+what), path), Err: err}
}

// failure is why a receipt does not match, in w's language.
func (w verifyWords) failure(err error) string {
	var mm *translog.MismatchError
	switch {
	case errors.As(err, &mm):
		return w.t("mismatch", mm.SHA256, mm.Size, mm.ReceiptSHA256, mm.ReceiptSize)
	case errors.Is(err, translog.ErrOtherSigner):
		return w.t("other signer", err)
	}
	return w.t("english", err.Error())
}

// source says where a trusted key came from.
func (w verifyWords) source(s trustSource) string {
	switch {
	case s.log != "" && s.known != "":
		return w.t("source.log.known", s.log, s.known)
	case s.log != "":
		return w.t("source.log", s.log)
	case s.known != "":
		return w.t("source.known", s.known)
	}
	return w.t("source.key")
}

// kind is a receipt's kind of entry in words; a kind verify does not know
// is shown as the receipt has it.
func (w verifyWords) kind(k string) string {
	if t, ok := verifyText["kind."+k]; ok {
		return t.In(w.lang)
	}
	return shown(k)
}

// finish ends verify with err: in English as every command does, in
// Dutch with the words said here.
func (w verifyWords) finish(m *Main, err error) error {
	var code exitCode
	var usage usageError
	switch {
	case w.lang == "en", err == nil, errors.As(err, &code):
		return err
	case errors.As(err, &usage):
		w.errorf(m, usage.msg)
		w.hintf(m, w.t("hint.usage"))
		return exitCode(exitInvalid)
	}
	switch opname.KindOf(err) {
	case opname.Invalid, opname.NotFound:
		w.errorf(m, opname.Message(err))
		return exitCode(exitInvalid)
	case opname.Internal:
		w.errorf(m, w.t("english", err.Error()))
		return exitCode(exitInternal)
	}
	w.errorf(m, opname.Message(err))
	return exitCode(exitFailure)
}
