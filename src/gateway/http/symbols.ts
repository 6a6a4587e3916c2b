// Symbol names at the edge, instrument ids inside.
import type { InstrumentConfig } from '../../engine/index.ts';
import { ApiError } from '../common/index.ts';

export class SymbolTable {
  private readonly ids = new Map<string, number>();

  constructor(readonly instruments: readonly InstrumentConfig[]) {
    instruments.forEach((instrument, id) => this.ids.set(instrument.symbol, id));
  }

  /** The instrument id, or 422 UNKNOWN_SYMBOL. */
  id(symbol: string): number {
    const id = this.ids.get(symbol);
    if (id === undefined) throw new ApiError('UNKNOWN_SYMBOL', `unknown symbol: ${JSON.stringify(symbol)} is not listed (see GET /v1/symbols)`);
    return id;
  }

  /** The id for a query filter: unknown symbols are 404 there (nothing to list), so report them clearly. */
  find(symbol: string): number | undefined {
    return this.ids.get(symbol);
  }

  name(id: number): string {
    return this.instruments[id].symbol;
  }

  /** Asset names of the API: "USD" for cash (asset 0), the symbol for shares (asset id + 1). */
  assetName(asset: number): string {
    return asset === 0 ? 'USD' : this.name(asset - 1);
  }

  assetId(name: string): number {
    if (name === 'USD') return 0;
    return this.id(name) + 1;
  }
}
