package centre

import "context"

// Audit returns a page of a site's audit log to its admins (owners for
// the AllSites log). Returns EFORBIDDEN.
func (s *Service) Audit(ctx context.Context, p Principal, q AuditQuery) (AuditPage, error) {
	if q.Site == AllSites {
		if p.Role != RoleOwner {
			return AuditPage{}, Errorf(EFORBIDDEN, "only owner keys may read the owner audit log")
		}
	} else if err := require(p, q.Site, RoleAdmin); err != nil {
		return AuditPage{}, err
	}
	return s.Store.ListAudit(ctx, q)
}
