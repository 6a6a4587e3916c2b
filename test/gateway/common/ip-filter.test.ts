import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IpFilter, normalizeIp, parseIpList } from '../../../src/gateway/common/index.ts';

function denied(filter: IpFilter, ip: string | undefined): boolean {
  const error = filter.check(ip);
  if (error === null) return false;
  assert.equal(error.code, 'IP_DENIED');
  assert.equal(error.status, 403);
  return true;
}

describe('parseIpList', () => {
  it('splits on commas and whitespace, dropping empties', () => {
    assert.deepEqual(parseIpList(undefined), []);
    assert.deepEqual(parseIpList(''), []);
    assert.deepEqual(parseIpList(' , '), []);
    assert.deepEqual(parseIpList('10.0.0.0/8, ::1/128,,192.168.1.7\n2001:db8::/32'), ['10.0.0.0/8', '::1/128', '192.168.1.7', '2001:db8::/32']);
  });
});

describe('normalizeIp', () => {
  it('turns IPv4-mapped IPv6 into IPv4 and canonicalizes IPv6', () => {
    assert.deepEqual(normalizeIp('::ffff:127.0.0.1'), { address: '127.0.0.1', family: 'ipv4' });
    assert.deepEqual(normalizeIp('::FFFF:7f00:1'), { address: '127.0.0.1', family: 'ipv4' });
    assert.deepEqual(normalizeIp('0:0:0:0:0:ffff:a00:102'), { address: '10.0.1.2', family: 'ipv4' });
    assert.deepEqual(normalizeIp('2001:DB8:0:0:0:0:0:1'), { address: '2001:db8::1', family: 'ipv6' });
    assert.deepEqual(normalizeIp('fe80::1%eth0'), { address: 'fe80::1', family: 'ipv6' });
    assert.equal(normalizeIp('not an ip'), null);
    assert.equal(normalizeIp('010.0.0.1'), null);
    assert.equal(normalizeIp('1.2.3.256'), null);
  });
});

describe('IpFilter', () => {
  it('lets everything through when no list is set', () => {
    const filter = new IpFilter();
    assert.equal(filter.enabled, false);
    assert.equal(filter.check('1.2.3.4'), null);
    assert.equal(filter.check('garbage'), null);
  });

  it('deny list: IPv4 exact and CIDR', () => {
    const filter = new IpFilter({ deny: ['10.0.0.0/8', '192.168.1.7'] });
    assert.equal(denied(filter, '10.1.2.3'), true);
    assert.equal(denied(filter, '10.255.255.255'), true);
    assert.equal(denied(filter, '11.0.0.0'), false);
    assert.equal(denied(filter, '192.168.1.7'), true);
    assert.equal(denied(filter, '192.168.1.8'), false);
    assert.equal(denied(filter, '2001:db8::1'), false);
    assert.match(filter.check('10.1.2.3')!.message, /10\.1\.2\.3/);
  });

  it('allow list: IPv6 exact and CIDR', () => {
    const filter = new IpFilter({ allow: ['::1/128', '2001:db8::/32', 'fd00::7'] });
    assert.equal(denied(filter, '::1'), false);
    assert.equal(denied(filter, '0:0:0:0:0:0:0:1'), false);
    assert.equal(denied(filter, '2001:db8:ffff::42'), false);
    assert.equal(denied(filter, '2001:db9::1'), true);
    assert.equal(denied(filter, 'FD00:0::7'), false);
    assert.equal(denied(filter, 'fd00::8'), true);
    assert.equal(denied(filter, '127.0.0.1'), true);
  });

  it('treats IPv4-mapped client addresses as IPv4', () => {
    const filter = new IpFilter({ allow: ['127.0.0.1', '10.0.0.0/8'] });
    assert.equal(denied(filter, '::ffff:127.0.0.1'), false);
    assert.equal(denied(filter, '::ffff:10.9.8.7'), false);
    assert.equal(denied(filter, '::ffff:11.0.0.1'), true);
    assert.match(filter.check('::ffff:11.0.0.1')!.message, /IP address 11\.0\.0\.1 /);
  });

  it('treats IPv4-mapped entries as IPv4', () => {
    const filter = new IpFilter({ deny: ['::ffff:10.0.0.0/104', '::ffff:192.168.0.1'] });
    assert.equal(denied(filter, '10.20.30.40'), true);
    assert.equal(denied(filter, '::ffff:10.20.30.40'), true);
    assert.equal(denied(filter, '11.0.0.1'), false);
    assert.equal(denied(filter, '192.168.0.1'), true);
  });

  it('::/0 covers everything, IPv4 included; 0.0.0.0/0 covers IPv4 only', () => {
    const all = new IpFilter({ deny: ['::/0'] });
    assert.equal(denied(all, '1.2.3.4'), true);
    assert.equal(denied(all, '2001:db8::1'), true);
    const v4 = new IpFilter({ deny: ['0.0.0.0/0'] });
    assert.equal(denied(v4, '1.2.3.4'), true);
    assert.equal(denied(v4, '::ffff:1.2.3.4'), true);
    assert.equal(denied(v4, '2001:db8::1'), false);
  });

  it('deny wins over allow', () => {
    const filter = new IpFilter({ allow: ['10.0.0.0/8'], deny: ['10.0.0.66'] });
    assert.equal(denied(filter, '10.0.0.65'), false);
    assert.equal(denied(filter, '10.0.0.66'), true);
    assert.equal(denied(filter, '::ffff:10.0.0.66'), true);
    assert.equal(denied(filter, '172.16.0.1'), true);
  });

  it('fails closed on an unknown client address when a list is set', () => {
    assert.equal(denied(new IpFilter({ deny: ['10.0.0.1'] }), undefined), true);
    assert.equal(denied(new IpFilter({ deny: ['10.0.0.1'] }), 'unknown'), true);
    assert.equal(denied(new IpFilter({ allow: ['10.0.0.1'] }), ''), true);
  });

  it('accepts a block with host bits set as its network', () => {
    const filter = new IpFilter({ allow: ['10.1.2.3/8'] });
    assert.equal(denied(filter, '10.200.0.1'), false);
  });

  it('refuses invalid entries at construction, naming them', () => {
    const bad = ['10.0.0.0/33', '::/129', '10.0.0.256', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/-1', 'localhost', '', ' ', 'fe80::1%eth0', '1.2.3.4/8/8', '010.0.0.1'];
    for (const entry of bad) {
      assert.throws(() => new IpFilter({ allow: [entry] }), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.ok(error.message.includes(`invalid IP allow-list entry ${JSON.stringify(entry)}`), error.message);
        return true;
      }, entry);
    }
    assert.throws(() => new IpFilter({ deny: ['nope'] }), /invalid IP deny-list entry "nope"/);
  });
});
