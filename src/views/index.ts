// Read models: what the gateways answer queries from, rebuilt from the released command stream.
export { AccountDirectory } from './accounts.ts';
export type { AccountEntry } from './accounts.ts';
export { OrderStore, statusOf, isOpen } from './orders.ts';
export { emptyOrderRecord } from './order-columns.ts';
export type { OrderRecord, ExecutionRecord, OrderStatus, OrdersDump, OrdersRecordsDump } from './orders.ts';
export * from './market/index.ts';
export { WalletView } from './wallets.ts';
export type { BalanceView } from './wallets.ts';
