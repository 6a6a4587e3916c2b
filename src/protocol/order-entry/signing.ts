// The Login signature: the REST signing rule (API.md, "Authentication") applied to `GET /v1/order-entry`
// with an empty body, sent as the 32 raw bytes instead of hex.
import { createHmac } from 'node:crypto';
import { LOGIN_SIGNED_PATH } from './constants.ts';

export function signLogin(apiSecret: string, timestampMs: number): Uint8Array {
  return createHmac('sha256', apiSecret).update(`${timestampMs}GET${LOGIN_SIGNED_PATH}`, 'utf8').digest();
}
