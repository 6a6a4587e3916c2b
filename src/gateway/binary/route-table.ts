// Which connection sent each command still waiting to be durable: sequence -> (gateway, connection,
// clientSeq, whether it is a JSON session's, when it was sequenced), in typed arrays indexed by sequence modulo a power of two. Commands are released in sequence
// order and the window of pending ones is bounded by what the journal has in flight, so the table stays
// small; it doubles when a slot it needs is still taken. Commands from other sources (REST, admin) have no
// entry: their sequences fall in the gaps.
export class RouteTable {
  private mask: number;
  private sequences: Float64Array;
  private gateways: Uint8Array;
  private connections: Uint32Array;
  private clientSeqs: Uint32Array;
  private jsonFlags: Uint8Array;
  private sequencedAt: Float64Array;
  /** Filled by take(). */
  gateway = 0;
  connectionId = 0;
  clientSeq = 0;
  /** The command came from a JSON session (answered with the order, not frames). */
  json = false;
  /** When the command was sequenced (epochNowMs), for the durable stage's latency. */
  sequencedAtMs = 0;

  constructor(initialSlots = 1 << 16) {
    this.mask = initialSlots - 1;
    this.sequences = new Float64Array(initialSlots);
    this.gateways = new Uint8Array(initialSlots);
    this.connections = new Uint32Array(initialSlots);
    this.clientSeqs = new Uint32Array(initialSlots);
    this.jsonFlags = new Uint8Array(initialSlots);
    this.sequencedAt = new Float64Array(initialSlots);
  }

  add(sequence: number, gateway: number, connectionId: number, clientSeq: number, json: boolean, sequencedAtMs: number): void {
    let slot = sequence & this.mask;
    while (this.sequences[slot] !== 0) {
      this.grow();
      slot = sequence & this.mask;
    }
    this.sequences[slot] = sequence;
    this.gateways[slot] = gateway;
    this.connections[slot] = connectionId;
    this.clientSeqs[slot] = clientSeq;
    this.jsonFlags[slot] = json ? 1 : 0;
    this.sequencedAt[slot] = sequencedAtMs;
  }

  /** True (and the route in gateway/connectionId/clientSeq) when `sequence` has one; the entry is removed. */
  take(sequence: number): boolean {
    const slot = sequence & this.mask;
    if (this.sequences[slot] !== sequence) return false;
    this.sequences[slot] = 0;
    this.gateway = this.gateways[slot];
    this.connectionId = this.connections[slot];
    this.clientSeq = this.clientSeqs[slot];
    this.json = this.jsonFlags[slot] === 1;
    this.sequencedAtMs = this.sequencedAt[slot];
    return true;
  }

  private grow(): void {
    const old = {
      sequences: this.sequences, gateways: this.gateways, connections: this.connections, clientSeqs: this.clientSeqs, jsonFlags: this.jsonFlags,
      sequencedAt: this.sequencedAt,
    };
    const slots = old.sequences.length * 2;
    this.mask = slots - 1;
    this.sequences = new Float64Array(slots);
    this.gateways = new Uint8Array(slots);
    this.connections = new Uint32Array(slots);
    this.clientSeqs = new Uint32Array(slots);
    this.jsonFlags = new Uint8Array(slots);
    this.sequencedAt = new Float64Array(slots);
    for (let i = 0; i < old.sequences.length; i++) {
      const sequence = old.sequences[i];
      if (sequence === 0) continue;
      const slot = sequence & this.mask;
      this.sequences[slot] = sequence;
      this.gateways[slot] = old.gateways[i];
      this.connections[slot] = old.connections[i];
      this.clientSeqs[slot] = old.clientSeqs[i];
      this.jsonFlags[slot] = old.jsonFlags[i];
      this.sequencedAt[slot] = old.sequencedAt[i];
    }
  }
}
