package centre

// Member organisations: a key or person scoped to an organisation
// (Principal.Organisation) creates and changes only the entries that name
// it. Service checks it wherever an entry is written, after the role.

// checkOrganisation adds a problem for field unless org is a valid
// organisation name: 1-MaxOrgLen visible characters with at least one
// letter or digit.
func checkOrganisation(p *Problems, field, org string) {
	if len([]rune(org)) > MaxOrgLen || OrgKey(org) == "" {
		p.Add(field, "%q must be a name of 1-%d characters with at least one letter or digit", org, MaxOrgLen)
		return
	}
	checkVisible(p, field, org)
}

// names reports whether orgs holds org, compared by OrgKey.
func names(orgs []string, org string) bool {
	key := OrgKey(org)
	for _, o := range orgs {
		if OrgKey(o) == key {
			return true
		}
	}
	return false
}

// inScope returns EFORBIDDEN if p is scoped to an organisation that e does
// not name.
func inScope(p Principal, e *Entry) error {
	if p.Organisation == "" || names(e.Organisations, p.Organisation) {
		return nil
	}
	return Errorf(EFORBIDDEN, "entry %q is not one of %s's: you may change only entries that list %q among their organisations",
		e.ID, p.Organisation, p.Organisation)
}

// addOwnOrganisation adds p's organisation to a new entry's organisations
// if they do not name it already.
func addOwnOrganisation(p Principal, e *Entry) {
	if p.Organisation != "" && !names(e.Organisations, p.Organisation) {
		e.Organisations = append(e.Organisations, p.Organisation)
	}
}

// keepsOwnOrganisation returns EFORBIDDEN if a change by p left the entry
// without p's organisation.
func keepsOwnOrganisation(p Principal, e *Entry) error {
	if p.Organisation == "" || names(e.Organisations, p.Organisation) {
		return nil
	}
	return Errorf(EFORBIDDEN, "you act for %s: this change would remove %q from the entry's organisations", p.Organisation, p.Organisation)
}

// sameOrganisation returns the organisation of a key or person that p
// creates: a scoped p may only create those of its own organisation (org
// empty or the same, by OrgKey), which it returns; an unscoped p any.
// Returns EFORBIDDEN naming what p was doing.
func sameOrganisation(p Principal, org, doing string) (string, error) {
	if p.Organisation == "" {
		return org, nil
	}
	if org == "" || OrgKey(org) == OrgKey(p.Organisation) {
		return p.Organisation, nil
	}
	return "", Errorf(EFORBIDDEN, "you act for %s and may %s only for %s", p.Organisation, doing, p.Organisation)
}
