package whois_test

import (
	"fmt"
	"net/netip"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/whois"
)

// Parse reads a registry's answer into the network that holds the query.
func ExampleParse() {
	answer := `
NetRange:       198.51.100.0 - 198.51.100.255
CIDR:           198.51.100.0/24
NetName:        EXAMPLE-NET
NetHandle:      NET-198-51-100-0-1
Parent:         NET198 (NET-198-0-0-0-0)
NetType:        Direct Assignment
Organization:   Example Org (EXORG)
RegDate:        2009-09-09
Updated:        2020-02-02

OrgName:        Example Org
OrgId:          EXORG
Country:        US

OrgAbuseHandle: ABUSE1-ARIN
OrgAbuseName:   Abuse Desk
OrgAbuseEmail:  abuse@example.org
`
	n, err := whois.Parse(ipatlas.ARIN, "example", []byte(answer), netip.MustParseAddr("198.51.100.7"))
	if err != nil {
		panic(err)
	}
	fmt.Println(n.Range, n.Handle, n.Name, n.Country, n.ParentHandle)
	org := n.Entities[0]
	fmt.Println(org.Handle, org.Contact.Name, org.Entities[0].Roles, org.Entities[0].Contact.Email)
	fmt.Println(whois.Query(ipatlas.ARIN, netip.MustParseAddr("198.51.100.7")))
	// Output:
	// 198.51.100.0 - 198.51.100.255 NET-198-51-100-0-1 EXAMPLE-NET US NET-198-0-0-0-0
	// EXORG Example Org [abuse] [abuse@example.org]
	// n + 198.51.100.7
}
