/* ethsend - send a raw Ethernet frame, as a container with only CAP_NET_RAW can: the attack
 * tests forge source MACs, ARP senders and IPv4 sources with it.
 *
 * Usage: ethsend [-n COUNT] [-i MSECS] IFACE HEX
 *   HEX       the whole frame: destination MAC, source MAC, ethertype, payload, in hex digits
 *             (':', '.', '-' and spaces between them are ignored); 14 to 1514 bytes
 *   -n COUNT  send it COUNT times (default 1)
 *   -i MSECS  wait MSECS milliseconds between two sends (default 0)
 * For an IPv4 frame (ethertype 0800) the IPv4 header checksum is filled in, and for ICMP
 * (protocol 1) the ICMP checksum too: a test writes zeros there.
 * Output: nothing. Exit: 0 every frame was sent; 1 a send failed; 125 usage or setup error
 * (no such interface, no CAP_NET_RAW).
 */
#define PROG "ethsend"
#define USAGE "usage: ethsend [-n COUNT] [-i MSECS] IFACE HEX"
#include "prog.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#define FRAME_MAX 1514

/* parse_hex: the frame of HEX into buf; its length. */
static size_t parse_hex(const char *hex, unsigned char *buf)
{
	size_t n = 0;
	int half = -1;
	for (const char *p = hex; *p; p++) {
		int v;
		if (*p == ':' || *p == '.' || *p == '-' || *p == ' ')
			continue;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v = *p - 'A' + 10;
		else
			die("%s: not a hex digit: '%c'\n%s", hex, *p, USAGE);
		if (half < 0) {
			half = v;
			continue;
		}
		if (n == FRAME_MAX)
			die("HEX: more than %d bytes", FRAME_MAX);
		buf[n++] = (unsigned char)(half << 4 | v);
		half = -1;
	}
	if (half >= 0)
		die("HEX: an odd number of digits");
	if (n < ETH_HLEN)
		die("HEX: %zu bytes, less than an Ethernet header (%d)", n, ETH_HLEN);
	return n;
}

/* csum: the Internet checksum of len bytes at p (RFC 1071). */
static uint16_t csum(const unsigned char *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* fill_checksums: the IPv4 header checksum, and the ICMP one, of an IPv4 frame. */
static void fill_checksums(unsigned char *f, size_t len)
{
	if (len < ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00)
		return;
	unsigned char *ip = f + ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || ETH_HLEN + ihl > len)
		return;
	ip[10] = ip[11] = 0;
	uint16_t c = csum(ip, ihl);
	ip[10] = (unsigned char)(c >> 8);
	ip[11] = (unsigned char)c;
	if (ip[9] != 1 || ETH_HLEN + ihl + 4 > len)
		return;
	unsigned char *icmp = ip + ihl;
	size_t ilen = len - ETH_HLEN - ihl;
	icmp[2] = icmp[3] = 0;
	c = csum(icmp, ilen);
	icmp[2] = (unsigned char)(c >> 8);
	icmp[3] = (unsigned char)c;
}

int main(int argc, char **argv)
{
	long count = 1, msecs = 0;
	int opt;
	while ((opt = getopt(argc, argv, "+n:i:")) != -1) {
		if (opt == 'n')
			count = parse_num(optarg, 1, 1000000, "count");
		else if (opt == 'i')
			msecs = parse_num(optarg, 0, 60000, "interval");
		else
			die("%s", USAGE);
	}
	if (argc - optind != 2)
		die("%s", USAGE);
	static unsigned char frame[FRAME_MAX];
	size_t len = parse_hex(argv[optind + 1], frame);
	fill_checksums(frame, len);

	unsigned idx = if_nametoindex(argv[optind]);
	if (idx == 0)
		die_errno("interface %s", argv[optind]);
	int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only, receive nothing */
	if (fd < 0)
		die_errno("socket(AF_PACKET)");
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = (int)idx, .sll_halen = ETH_ALEN};
	memcpy(to.sll_addr, frame, ETH_ALEN);
	struct timespec gap = {.tv_sec = msecs / 1000, .tv_nsec = msecs % 1000 * 1000000L};
	for (long i = 0; i < count; i++) {
		if (i > 0 && msecs > 0 && nanosleep(&gap, NULL) < 0)
			die_errno("nanosleep");
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
			fprintf(stderr, "%s: send: %s\n", PROG, strerror(errno));
			return 1;
		}
	}
	return 0;
}
