export { ExchangeNode } from './exchange-node.ts';
export type { NodeOptions } from './exchange-node.ts';
