/*
 * fuzz_dnsanswer.c - libFuzzer harness: what maptool dnscheck reads
 * from the DNS (topology/dnsrdata.c, topology/dnscheck.c's record
 * readers, mailauth.c's SPF and MTA-STS readers).
 *
 * The first input byte picks a record type (A, AAAA, MX, CNAME, TXT,
 * TLSA, another), the rest is that record's data as a resolver hands it
 * over. Decoded data must be a string; TXT text is then read as SPF,
 * DMARC and an MTA-STS record would be. The whole input, as a string,
 * is also read as those and as an MTA-STS policy's mx: lines.
 */
#include <stdlib.h>
#include <string.h>
#include "dnscheck.h"
#include "dnsrdata.h"
#include "mailauth.h"
#include "fuzz.h"

/* Read TEXT as each kind of TXT record dnscheck compares. */
static void read_text(const char *text)
{
    DNSCHECK_DMARC d;
    MAILAUTH_SPF spf;
    char    why[256], pattern[256], *id;
    const char *p = text;
    unsigned line = 0;
    size_t  i;

    if (dnscheck_dmarc(text, &d, why, sizeof(why)) == 0) {
	fuzz_touch(d.p);
	if (d.rua)
	    fuzz_touch(d.rua);
    } else {
	fuzz_touch(why);
    }
    free(d.copy);
    if ((id = dnscheck_tag(text, "id")) != 0)
	fuzz_touch(id);
    free(id);
    mailauth_spf_parse(text, &spf);
    (void) mailauth_spf_passes(&spf, "mx.example.test", "192.0.2.1");
    (void) mailauth_spf_passes(&spf, "mx.example.test", "2001:db8::1");
    (void) mailauth_spf_has(&spf, "mx");
    for (i = 0; i < spf.ntargets; i++)
	fuzz_touch(spf.target[i]);
    mailauth_spf_free(&spf);
    while ((p = mailauth_policy_mx(p, pattern, sizeof(pattern), &line)) != 0)
	(void) mailauth_mx_matches(pattern, "mx.example.test");
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ZONE_TYPE types[] = {
	ZONE_A, ZONE_AAAA, ZONE_MX, ZONE_CNAME, ZONE_TXT, ZONE_TLSA, ZONE_OTHER,
    };
    ZONE_RR rr;
    char    why[256], *text;

    if (size == 0)
	return (0);
    memset(&rr, 0, sizeof(rr));
    if (dnsrdata_decode(types[data[0] % (sizeof(types) / sizeof(types[0]))],
			data + 1, size - 1, &rr, why, sizeof(why)) == 0) {
	fuzz_touch(rr.data);
	if (rr.type == ZONE_TXT)
	    read_text(rr.data);
	free(rr.data);
    } else if (rr.data != 0) {
	abort();			/* refused, yet data left behind */
    }
    text = fuzz_string(data, size);
    read_text(text);
    free(text);
    return (0);
}
