export { ExchangeNode } from './exchange-node.ts';
export type { NodeOptions } from './exchange-node.ts';
export type { NodeApi, BalancesCheck } from './node-api.ts';
export { ReadModels, readModelsPart } from './read-models.ts';
export type { NodeSnapshot, ReadModelsSnapshot } from './read-models.ts';
