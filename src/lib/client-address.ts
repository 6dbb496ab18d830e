import { isIP } from 'node:net';

// The client's address as the registry records it (audit trail) and counts it (rate limits,
// failed-login lockout). With TRUST_PROXY, Fastify takes it from X-Forwarded-For as written,
// which a client can fill with anything: a BSN, markup, 300 characters, or a new value per try.
// Only an IP address is believed; anything else falls back to the connection's own address.

interface RequestAddresses {
  ip: string;
  socket: { remoteAddress?: string | undefined };
}

/** The forwarded or connection address when it is an IP address; otherwise the connection's. */
export function clientAddressOf(request: RequestAddresses): string | null {
  if (isIP(request.ip) !== 0) return request.ip;
  const own = request.socket.remoteAddress;
  return own && isIP(own) !== 0 ? own : null;
}
