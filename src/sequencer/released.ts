// What the sequencer hands to listeners once a command is durable.
import type { Command, EngineEvent } from '../engine/index.ts';

export interface Released {
  command: Command;
  events: EngineEvent[];
  /**
   * Balances the command left behind for every (account, asset) its events touched, captured right after
   * it was applied: read models take wallets from here so they never show a state that is not durable.
   * Flat, BALANCE_FIELDS numbers per pair (accountId, asset, available, held), `balanceCount` pairs: the
   * array may be longer (the sequencer reuses it for later commands, and an emptied JS array would give up
   * its storage and allocate again at the next push).
   */
  balances: Float64Array;
  balanceCount: number;
}

/** Numbers per (account, asset) in Released.balances: accountId, asset, available, held. */
export const BALANCE_FIELDS = 4;

/**
 * A copy a listener may keep. The Released a listener is called with, its events and its balances are
 * reused for later commands once the listeners return (unless a submit() caller holds it), so a listener
 * that keeps any of them past the call keeps a copy.
 */
export function copyReleased(released: Released): Released {
  return {
    command: { ...released.command },
    events: released.events.map((event) => ({ ...event })),
    balances: released.balances.slice(0, released.balanceCount * BALANCE_FIELDS),
    balanceCount: released.balanceCount,
  };
}

/** An empty Released to fill (the sequencer's own, and decoders'). */
export function emptyReleased(command: Command, balanceCapacity = 4): Released {
  return { command, events: [], balances: new Float64Array(balanceCapacity * BALANCE_FIELDS), balanceCount: 0 };
}
