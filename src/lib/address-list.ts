import net from 'node:net';

// Lists of IP addresses and CIDR ranges, as operators write them in METRICS_ALLOW_FROM and
// TRUST_PROXY ("10.0.0.0/8, 192.168.1.7, ::1"). Framework-free: the configuration validates a
// list with `parseAddressList`, the metrics endpoint matches a caller with `addressMatcher`.

export interface AddressEntry {
  address: string;
  family: 'ipv4' | 'ipv6';
  /** Prefix length of a range; undefined for a single address. */
  prefix: number | undefined;
}

/** `::ffff:10.1.2.3` (an IPv4 client on a dual-stack socket) is the IPv4 address `10.1.2.3`. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** One entry, or a message saying what is wrong with it. */
export function parseAddressEntry(text: string): AddressEntry | string {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const version = net.isIP(address);
  if (version === 0 || rest.length > 0) return `"${text.trim()}" is not an IP address or CIDR range`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address: normaliseAddress(address), family, prefix: undefined };
  const prefix = Number(prefixText);
  const max = family === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) return `"${text.trim()}" has a prefix length outside 0–${max}`;
  return { address, family, prefix };
}

/** An entry as written: `10.0.0.0/8` or `192.168.1.7`. */
export const formatAddressEntry = (entry: AddressEntry): string =>
  entry.prefix === undefined ? entry.address : `${entry.address}/${entry.prefix}`;

/** Splits a comma-separated list; returns the entries, or every problem found. */
export function parseAddressList(text: string): { entries: AddressEntry[]; problems: string[] } {
  const parsed = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map(parseAddressEntry);
  return {
    entries: parsed.filter((entry): entry is AddressEntry => typeof entry !== 'string'),
    problems: parsed.filter((entry): entry is string => typeof entry === 'string'),
  };
}

/** Does an address (as Fastify reports `request.ip`) fall in one of the entries? */
export function addressMatcher(entries: readonly AddressEntry[]): (address: string | undefined) => boolean {
  const list = new net.BlockList();
  for (const entry of entries) {
    if (entry.prefix === undefined) list.addAddress(entry.address, entry.family);
    else list.addSubnet(entry.address, entry.prefix, entry.family);
  }
  return (address) => {
    if (!address) return false;
    const normalised = normaliseAddress(address);
    const version = net.isIP(normalised);
    return version !== 0 && list.check(normalised, version === 4 ? 'ipv4' : 'ipv6');
  };
}
