// The binary order-entry protocol: frame layouts shared by the server's gateway and the client library.
export * from './constants.ts';
export * from './frames.ts';
export * from './frame-reader.ts';
export * from './frame-writer.ts';
export * from './signing.ts';
