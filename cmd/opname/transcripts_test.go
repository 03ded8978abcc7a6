package main

import (
	"bytes"
	"mime/multipart"
	"testing"
)

// transcriptForm is a transcript form as a browser sends it: the file
// text in field bestand. It returns the body and its content type.
func transcriptForm(t testing.TB, text string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("bestand", "transcript.txt")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(text))
	mw.Close()
	return b.String(), mw.FormDataContentType()
}
