import { describe, expect, it } from 'vitest';
import { addressMatcher, normaliseAddress, parseAddressList } from './address-list';

describe('address lists', () => {
  it('reads addresses and ranges of both families', () => {
    const { entries, problems } = parseAddressList(' 10.0.0.0/8, 192.168.1.7 ,::1, fd00::/8');
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { address: '10.0.0.0', family: 'ipv4', prefix: 8 },
      { address: '192.168.1.7', family: 'ipv4', prefix: undefined },
      { address: '::1', family: 'ipv6', prefix: undefined },
      { address: 'fd00::', family: 'ipv6', prefix: 8 },
    ]);
  });

  it('names every entry that is not an address or range', () => {
    const { problems } = parseAddressList('10.0.0.0/33, example.org, *, 10.0.0.1/8/2, ::1/129');
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/"10\.0\.0\.0\/33" has a prefix length outside 0–32/);
    expect(problems[1]).toMatch(/"example\.org" is not an IP address/);
    expect(problems[4]).toMatch(/outside 0–128/);
  });

  it('matches addresses inside the ranges only, IPv4 clients on dual-stack sockets included', () => {
    const allowed = addressMatcher(parseAddressList('10.0.0.0/8, 127.0.0.1, fd00::/8').entries);
    expect(allowed('10.20.30.40')).toBe(true);
    expect(allowed('::ffff:10.20.30.40')).toBe(true);
    expect(allowed('127.0.0.1')).toBe(true);
    expect(allowed('fd12::1')).toBe(true);
    expect(allowed('11.0.0.1')).toBe(false);
    expect(allowed('127.0.0.2')).toBe(false);
    expect(allowed('::1')).toBe(false);
    expect(allowed(undefined)).toBe(false);
    expect(allowed('not an address')).toBe(false);
  });

  it('leaves other addresses as they are', () => {
    expect(normaliseAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseAddress('2001:db8::1')).toBe('2001:db8::1');
  });
});
