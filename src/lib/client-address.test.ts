import { describe, expect, it } from 'vitest';
import { clientAddressOf } from './client-address';

const request = (ip: string, remoteAddress = '10.0.0.2') => ({ ip, socket: { remoteAddress } });

describe('clientAddressOf', () => {
  it('takes an IPv4 or IPv6 address as it is', () => {
    expect(clientAddressOf(request('203.0.113.9'))).toBe('203.0.113.9');
    expect(clientAddressOf(request('2001:db8::1'))).toBe('2001:db8::1');
  });

  it('falls back to the connection for anything that is not an IP address', () => {
    for (const forged of ['123456782', '<script>', 'not-an-ip', '1'.repeat(300), '203.0.113.9:8080', ' 203.0.113.9', ''])
      expect(clientAddressOf(request(forged)), forged).toBe('10.0.0.2');
  });

  it('has no address when neither is one', () => {
    expect(clientAddressOf(request('x', 'y'))).toBeNull();
  });
});
