import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIPv4, isIPv6, parseCidr } from '../src/model/net.js';

test('isIPv4: dotted quads 0-255 without leading zeros', () => {
  for (const a of ['1.2.3.4', '0.0.0.0', '255.255.255.255', '10.0.0.1']) assert.ok(isIPv4(a), a);
  for (const a of ['256.1.1.1', '01.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', 'a.b.c.d', '', '1.2.3.4.', '1000.1.1.1']) assert.ok(!isIPv4(a), a);
});

test('isIPv6: eight groups, or fewer around one "::"', () => {
  for (const a of ['::1', '2001:db8::1', '1:2:3:4:5:6:7:8', '::', '1:2:3:4:5:6:7::']) assert.ok(isIPv6(a), a);
  for (const a of ['1:2:3:4:5:6:7:8:9', ':::', '1::2::3', '12345::', 'g::', '1:2:3']) assert.ok(!isIPv6(a), a);
});

test('parseCidr: a bare address is a host, host bits set is an error with the network to use', () => {
  assert.deepEqual(parseCidr('127.0.0.1'), { address: '127.0.0.1', prefix: 32, family: 4 });
  assert.deepEqual(parseCidr('2001:db8::/32'), { address: '2001:db8::', prefix: 32, family: 6 });
  assert.equal(parseCidr('10.0.0.1/8'), 'host bits are set: 10.0.0.1/8 is not a network address (did you mean 10.0.0.0/8?)');
  assert.equal(parseCidr('2001:db8::1/32'), 'host bits are set: 2001:db8::1/32 is not a network address (did you mean 2001:db8::/32?)');
  assert.equal(parseCidr('10.0.0.0/33'), 'prefix length must be 0-32 for IPv4 (got 33)');
  assert.equal(parseCidr('300.0.0.0/8'), '"300.0.0.0" is not an IPv4 or IPv6 address');
});
