// Wallets as of the last released command: balances arrive with each released command (captured right
// after the engine applied it), so a query never sees the effect of a command that is not yet durable.
import { BALANCE_FIELDS, type Released } from '../sequencer/index.ts';

export interface BalanceView {
  asset: number;
  available: number;
  held: number;
}

export class WalletView {
  private readonly byAccount = new Map<number, Map<number, BalanceView>>();

  apply({ balances, balanceCount }: Released): void {
    for (let i = 0; i < balanceCount * BALANCE_FIELDS; i += BALANCE_FIELDS) this.set(balances[i], balances[i + 1], balances[i + 2], balances[i + 3]);
  }

  /** Non-zero balances, ascending asset (cash first). */
  balances(accountId: number): BalanceView[] {
    const assets = this.byAccount.get(accountId);
    if (!assets) return [];
    // Copies: the stored objects change in place with later commands.
    return [...assets.values()].filter((b) => b.available !== 0 || b.held !== 0).sort((a, b) => a.asset - b.asset).map((b) => ({ ...b }));
  }

  /** From an engine dump's accounts (snapshot recovery). */
  restore(accounts: Array<{ accountId: number; balances: BalanceView[] }>): void {
    for (const account of accounts) {
      for (const balance of account.balances) this.set(account.accountId, balance.asset, balance.available, balance.held);
    }
  }

  private set(accountId: number, asset: number, available: number, held: number): void {
    let assets = this.byAccount.get(accountId);
    if (!assets) this.byAccount.set(accountId, (assets = new Map()));
    // In place: one object per (account, asset) for good, not one per command.
    const balance = assets.get(asset);
    if (balance) {
      balance.available = available;
      balance.held = held;
    } else assets.set(asset, { asset, available, held });
  }
}
