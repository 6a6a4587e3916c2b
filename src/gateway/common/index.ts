// Gateway building blocks shared by the REST, WebSocket and other gateways: the error catalogue, exact
// decimal conversions, request signing, rate limiting and IP filtering. Pure and framework-free.
export {
  ERROR_CATALOGUE,
  ERROR_CODES,
  ApiError,
  apiErrorFromReject,
  httpStatusOf,
  invalidArgument,
  isApiError,
  isErrorCode,
  rateLimited,
  toApiError,
} from './errors.ts';
export type { ApiErrorBody, ApiErrorOptions, ErrorCode } from './errors.ts';
export { formatCents, parseAmount, parseDecimalCents, parsePriceCents, parseQuantity } from './decimal.ts';
export type { AmountAsset } from './decimal.ts';
export { DEFAULT_SIGNATURE_WINDOW_MS, signRequest, verifyAdminToken, verifySignature } from './signing.ts';
export type { HeaderValue, SignatureFieldNames, VerifySignatureInput, VerifySignatureResult } from './signing.ts';
export { TokenBucketLimiter } from './rate-limit.ts';
export type { TakeResult, TokenBucketOptions } from './rate-limit.ts';
export { IpFilter, normalizeIp, parseIpList } from './ip-filter.ts';
export type { IpFilterOptions } from './ip-filter.ts';
