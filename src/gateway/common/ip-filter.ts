// IP allow and deny lists. Entries are exact IPv4 or IPv6 addresses or CIDR blocks ("10.0.0.0/8",
// "2001:db8::/32", "::1/128"). A request is refused (403 IP_DENIED) when its address is in the deny list,
// or when the allow list is non-empty and the address is not in it; deny wins over allow.
//
// An IPv4 address and its IPv4-mapped IPv6 form (::ffff:127.0.0.1, as a dual-stack socket reports IPv4
// clients) are the same address: both client addresses and entries in mapped form are turned into IPv4
// first ("::ffff:10.0.0.0/104" is 10.0.0.0/8). Matching uses node:net's BlockList, which also treats an
// IPv4 address as its mapped form against IPv6 blocks, so "::/0" covers every address, IPv4 included.
//
// A CIDR block with host bits set ("10.1.2.3/8") is accepted and means its network (10.0.0.0/8). A zone
// ("fe80::1%eth0") is refused in an entry and ignored in a client address. When any list is configured and
// the client address is not a valid IP (unknown peer), the request is refused: the filter fails closed.

import { BlockList, isIP } from 'node:net';
import { ApiError } from './errors.ts';

type Family = 'ipv4' | 'ipv6';

interface Address {
  address: string;
  family: Family;
}

const MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** The address in canonical form, IPv4-mapped IPv6 turned into IPv4; null when not an IP address. */
export function normalizeIp(text: string): Address | null {
  const s = text.trim();
  const family = isIP(s);
  if (family === 4) return { address: s, family: 'ipv4' };
  if (family !== 6) return null;
  const zone = s.indexOf('%');
  const bare = zone === -1 ? s : s.slice(0, zone);
  let canonical: string;
  try {
    canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const mapped = MAPPED.exec(canonical);
  if (mapped !== null) {
    const high = parseInt(mapped[1], 16);
    const low = parseInt(mapped[2], 16);
    return { address: `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, family: 'ipv4' };
  }
  return { address: canonical, family: 'ipv6' };
}

/** Splits an environment value into entries: separated by commas and/or whitespace; empty → []. */
export function parseIpList(env: string | undefined): string[] {
  if (env === undefined) return [];
  return env.split(/[\s,]+/).filter((entry) => entry !== '');
}

function addEntry(list: BlockList, entry: string, which: string): void {
  const bad = (why: string): Error =>
    new Error(
      `invalid IP ${which} entry ${JSON.stringify(entry)}: ${why}; ` +
        'expected an IPv4 or IPv6 address or CIDR block, like 10.0.0.0/8, 192.168.1.7 or ::1/128',
    );
  const text = entry.trim();
  if (text === '') throw bad('empty');
  if (text.includes('%')) throw bad('zones (%) are not allowed');
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = normalizeIp(addressText);
  if (address === null) throw bad(`${JSON.stringify(addressText)} is not an IP address`);
  if (slash === -1) {
    list.addAddress(address.address, address.family);
    return;
  }
  const prefixText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText)) throw bad('the prefix length must be a number');
  let prefix = Number(prefixText);
  const originalFamily = isIP(addressText.trim()) === 4 ? 'ipv4' : 'ipv6';
  const max = originalFamily === 'ipv4' ? 32 : 128;
  if (prefix > max) throw bad(`the prefix length must be at most ${max}`);
  if (originalFamily === 'ipv6' && address.family === 'ipv4') {
    // An IPv4-mapped block: /96 and longer are IPv4 blocks; shorter ones stay IPv6 (they reach past ::ffff:0:0/96).
    if (prefix >= 96) {
      prefix -= 96;
    } else {
      const canonical = new URL(`http://[${addressText.trim()}]/`).hostname.slice(1, -1);
      list.addSubnet(canonical, prefix, 'ipv6');
      return;
    }
  }
  list.addSubnet(address.address, prefix, address.family);
}

export interface IpFilterOptions {
  /** When non-empty, only these addresses and blocks may connect. */
  allow?: readonly string[];
  /** These addresses and blocks may never connect (checked first). */
  deny?: readonly string[];
}

export class IpFilter {
  private readonly allowList = new BlockList();
  private readonly denyList = new BlockList();
  private readonly hasAllow: boolean;
  private readonly hasDeny: boolean;

  /** Throws an Error naming the entry when one is not a valid address or CIDR block. */
  constructor(options: IpFilterOptions = {}) {
    const allow = options.allow ?? [];
    const deny = options.deny ?? [];
    for (const entry of allow) addEntry(this.allowList, entry, 'allow-list');
    for (const entry of deny) addEntry(this.denyList, entry, 'deny-list');
    this.hasAllow = allow.length > 0;
    this.hasDeny = deny.length > 0;
  }

  /** True when some list is configured (else every address passes). */
  get enabled(): boolean {
    return this.hasAllow || this.hasDeny;
  }

  /** Whether a client at `ip` may proceed. */
  allows(ip: string | undefined): boolean {
    if (!this.enabled) return true;
    const address = ip === undefined ? null : normalizeIp(ip);
    if (address === null) return false;
    if (this.hasDeny && this.denyList.check(address.address, address.family)) return false;
    return !this.hasAllow || this.allowList.check(address.address, address.family);
  }

  /** null when `ip` may proceed, else 403 IP_DENIED. */
  check(ip: string | undefined): ApiError | null {
    if (this.allows(ip)) return null;
    const address = ip === undefined ? null : normalizeIp(ip);
    return new ApiError(
      'IP_DENIED',
      address === null
        ? 'requests from an unknown IP address are not allowed'
        : `requests from IP address ${address.address} are not allowed`,
    );
  }
}
