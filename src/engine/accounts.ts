// Accounts and their wallets as typed-array columns indexed by account id: cash in cents and shares per
// symbol, each split into available and held, plus the per-account risk limits and the running totals
// (resting orders, their notional) that the limits are checked against.
import { AccountStatus, CASH_ASSET } from './types.ts';

export class Accounts {
  count = 0;
  private capacity = 0;
  readonly symbolCount: number;
  names: string[] = [];
  status = new Uint8Array(0);
  maxOpenOrders = new Float64Array(0);
  maxOpenNotionalCents = new Float64Array(0);
  /** Resting orders of the account and the sum of price x remaining over them. */
  openOrders = new Float64Array(0);
  openNotionalCents = new Float64Array(0);
  cashAvailable = new Float64Array(0);
  cashHeld = new Float64Array(0);
  /** Indexed by accountId * symbolCount + symbolId. */
  sharesAvailable = new Float64Array(0);
  sharesHeld = new Float64Array(0);

  constructor(symbolCount: number) {
    this.symbolCount = symbolCount;
    this.grow(64);
  }

  create(name: string, status: AccountStatus, maxOpenOrders: number, maxOpenNotionalCents: number): number {
    if (this.count === this.capacity) this.grow(this.capacity * 2);
    const id = this.count++;
    this.names.push(name);
    this.status[id] = status;
    this.maxOpenOrders[id] = maxOpenOrders;
    this.maxOpenNotionalCents[id] = maxOpenNotionalCents;
    return id;
  }

  exists(accountId: number): boolean {
    return Number.isSafeInteger(accountId) && accountId >= 0 && accountId < this.count;
  }

  available(accountId: number, asset: number): number {
    return asset === CASH_ASSET ? this.cashAvailable[accountId] : this.sharesAvailable[accountId * this.symbolCount + asset - 1];
  }

  held(accountId: number, asset: number): number {
    return asset === CASH_ASSET ? this.cashHeld[accountId] : this.sharesHeld[accountId * this.symbolCount + asset - 1];
  }

  addAvailable(accountId: number, asset: number, amount: number): void {
    if (asset === CASH_ASSET) this.cashAvailable[accountId] += amount;
    else this.sharesAvailable[accountId * this.symbolCount + asset - 1] += amount;
  }

  addHeld(accountId: number, asset: number, amount: number): void {
    if (asset === CASH_ASSET) this.cashHeld[accountId] += amount;
    else this.sharesHeld[accountId * this.symbolCount + asset - 1] += amount;
  }

  private grow(newCapacity: number): void {
    const f64 = (array: Float64Array, width: number): Float64Array<ArrayBuffer> => {
      const bigger = new Float64Array(newCapacity * width);
      bigger.set(array);
      return bigger;
    };
    const status = new Uint8Array(newCapacity);
    status.set(this.status);
    this.status = status;
    this.maxOpenOrders = f64(this.maxOpenOrders, 1);
    this.maxOpenNotionalCents = f64(this.maxOpenNotionalCents, 1);
    this.openOrders = f64(this.openOrders, 1);
    this.openNotionalCents = f64(this.openNotionalCents, 1);
    this.cashAvailable = f64(this.cashAvailable, 1);
    this.cashHeld = f64(this.cashHeld, 1);
    this.sharesAvailable = f64(this.sharesAvailable, this.symbolCount);
    this.sharesHeld = f64(this.sharesHeld, this.symbolCount);
    this.capacity = newCapacity;
  }
}
