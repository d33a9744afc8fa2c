package dynamostore

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
)

// StreamChange is what one record of the table's stream (view type
// NEW_AND_OLD_IMAGES, template.yaml) says about public state: the item of
// an entry or of a site before and after one write. An image is nil when
// the item did not exist (created) or no longer exists (deleted).
type StreamChange struct {
	Site               string
	OldEntry, NewEntry *centre.Entry
	OldSite, NewSite   *centre.Site
}

// ChangeOf decodes the images of one stream record. It reports false for
// items that are neither an entry nor a site (list, revision, search,
// host, key, audit … items: they follow an entry's or a site's write in
// the same transaction, or are not public). The error names an image
// that is not a valid item of its kind.
func ChangeOf(oldImage, newImage map[string]types.AttributeValue) (StreamChange, bool, error) {
	var c StreamChange
	keys := newImage
	if keys == nil {
		keys = oldImage
	}
	r := &reader{it: keys}
	pk, sk := r.s(attrPK), r.s(attrSK)
	switch {
	case strings.HasPrefix(pk, "SITE#") && sk == skSite:
		c.Site = strings.TrimPrefix(pk, "SITE#")
		var err error
		if oldImage != nil {
			if c.OldSite, err = siteFromItem(oldImage); err != nil {
				return c, false, err
			}
		}
		if newImage != nil {
			if c.NewSite, err = siteFromItem(newImage); err != nil {
				return c, false, err
			}
		}
		return c, true, nil
	case strings.HasPrefix(pk, "S#") && strings.Count(pk, "#") == 2:
		c.Site, _, _ = strings.Cut(strings.TrimPrefix(pk, "S#"), "#")
		var err error
		if oldImage != nil {
			if c.OldEntry, err = entryFromItem(oldImage); err != nil {
				return c, false, err
			}
		}
		if newImage != nil {
			if c.NewEntry, err = entryFromItem(newImage); err != nil {
				return c, false, err
			}
		}
		return c, true, nil
	}
	return c, false, nil
}
