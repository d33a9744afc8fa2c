package console

import "net/http"

// accountPath is the person's own account page.
const accountPath = "/admin/account"

type accountPageData struct {
	pageData
	Notice *notice
}

var accountDone = map[string]string{
	"added":   "The passkey is added: you can sign in with it.",
	"removed": "The passkey is removed: it no longer signs in.",
}

// accountPage shows the signed-in person's account: who they are, their
// passkeys (add, remove), signing out here or everywhere.
func (c *Console) accountPage(w http.ResponseWriter, r *http.Request, who caller) {
	d := accountPageData{pageData: pageData{Title: "Your account", Person: who.person}}
	if msg, ok := accountDone[r.URL.Query().Get("done")]; ok {
		d.Notice = &notice{"ok", msg}
	}
	c.view(w, r, http.StatusOK, "account", d)
}
