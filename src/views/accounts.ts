// The gateway's directory of accounts: API keys and secrets (from the journaled CreateAccount commands),
// names and statuses. Rebuilt from the same released stream as everything else.
import { AccountStatus, CommandKind, EventKind } from '../engine/index.ts';
import type { Released } from '../sequencer/index.ts';

export interface AccountEntry {
  accountId: number;
  name: string;
  apiKey: string;
  apiSecret: string;
  status: AccountStatus;
}

export class AccountDirectory {
  private readonly byId = new Map<number, AccountEntry>();
  private readonly byApiKey = new Map<string, AccountEntry>();

  apply({ command, events }: Released): void {
    for (const event of events) {
      if (event.kind === EventKind.AccountCreated && command.kind === CommandKind.CreateAccount) {
        this.add({ accountId: event.accountId, name: event.name, apiKey: command.apiKey, apiSecret: command.apiSecret, status: AccountStatus.Active });
      } else if (event.kind === EventKind.AccountStatusChanged) {
        const entry = this.byId.get(event.accountId);
        if (entry) entry.status = event.status;
      }
    }
  }

  get(accountId: number): AccountEntry | undefined {
    return this.byId.get(accountId);
  }

  byKey(apiKey: string): AccountEntry | undefined {
    return this.byApiKey.get(apiKey);
  }

  get size(): number {
    return this.byId.size;
  }

  dump(): AccountEntry[] {
    return [...this.byId.values()].map((entry) => ({ ...entry }));
  }

  restore(entries: AccountEntry[]): void {
    for (const entry of entries) this.add({ ...entry });
  }

  private add(entry: AccountEntry): void {
    this.byId.set(entry.accountId, entry);
    if (entry.apiKey !== '') this.byApiKey.set(entry.apiKey, entry);
  }
}
