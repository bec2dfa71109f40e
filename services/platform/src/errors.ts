import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Status } from '../../../gen/google/rpc/status.js';
import { BadRequest, ErrorInfo } from '../../../gen/google/rpc/error_details.js';

/** The status families domain code may raise; each maps to one gRPC code and HTTP status. */
export type ErrorCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'aborted'
  | 'failed_precondition'
  | 'resource_exhausted'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'internal';

const GRPC_CODES: Record<ErrorCode, GrpcStatus> = {
  invalid_argument: GrpcStatus.INVALID_ARGUMENT,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  permission_denied: GrpcStatus.PERMISSION_DENIED,
  not_found: GrpcStatus.NOT_FOUND,
  already_exists: GrpcStatus.ALREADY_EXISTS,
  aborted: GrpcStatus.ABORTED,
  failed_precondition: GrpcStatus.FAILED_PRECONDITION,
  resource_exhausted: GrpcStatus.RESOURCE_EXHAUSTED,
  unavailable: GrpcStatus.UNAVAILABLE,
  deadline_exceeded: GrpcStatus.DEADLINE_EXCEEDED,
  internal: GrpcStatus.INTERNAL,
};

/** Which request field is wrong and why (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  field: string;
  description: string;
}

/**
 * The one error type domain code throws. The platform maps it to a gRPC status with
 * google.rpc details once, at the edge of the handler; anything else thrown becomes
 * a plain `internal error` for the client while the cause is logged.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    /** Stable UPPER_SNAKE reason clients can switch on (google.rpc.ErrorInfo.reason). */
    readonly reason: string,
    message: string,
    readonly metadata: Record<string, string> = {},
    readonly fieldViolations: FieldViolation[] = [],
    /** ErrorInfo.domain; "shopmesh" unless a protocol needs its own (oauth2). */
    readonly domain = 'shopmesh',
  ) {
    super(message);
  }

  get grpcCode(): GrpcStatus {
    return GRPC_CODES[this.code];
  }
}

/** 400 naming every bad field at once, so a form can show all problems together. */
export function invalidArgument(violations: FieldViolation[], message?: string): DomainError {
  const text = message ?? violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new DomainError('invalid_argument', 'INVALID_ARGUMENT', text, {}, violations);
}

/** Collects field violations while a request is validated, then throws them together. */
export class Violations {
  private readonly list: FieldViolation[] = [];
  /** `prefix` names the enclosing field ("destination."), so nested messages report full paths. */
  constructor(private readonly prefix = '') {}
  add(field: string, description: string): this {
    this.list.push({ field: `${this.prefix}${field}`, description });
    return this;
  }
  get empty(): boolean {
    return this.list.length === 0;
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw invalidArgument(this.list);
  }
}

/** Normalises any thrown value into a DomainError; unknown causes become `internal`. */
export function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  if (isServiceError(err)) {
    // A downstream failure keeps its code, reason and field violations, so a caller
    // can pass a 400 or 404 through faithfully; internal details never travel on.
    const code = (Object.entries(GRPC_CODES).find(([, c]) => c === err.code)?.[0] ?? 'internal') as ErrorCode;
    if (code === 'internal') return new DomainError('internal', 'INTERNAL', 'internal error');
    const { errorInfo, badRequest } = readStatusDetails(err);
    const violations = (badRequest?.fieldViolations ?? []).map((v) => ({ field: v.field, description: v.description }));
    return new DomainError(code, errorInfo?.reason || code.toUpperCase(), err.details, errorInfo?.metadata ?? {}, violations, errorInfo?.domain || 'shopmesh');
  }
  return new DomainError('internal', 'INTERNAL', 'internal error');
}

function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && 'code' in err && 'details' in err && typeof (err as ServiceError).code === 'number';
}

/**
 * Builds the grpc-js error with a google.rpc.Status in `grpc-status-details-bin`,
 * which Envoy's transcoder renders as the JSON body with the right HTTP status.
 */
export function toServiceError(err: DomainError): Partial<ServiceError> {
  // Empty metadata values are left out: an ErrorInfo map entry without a value has
  // crashed Envoy 1.40's transcoder (segfault) while it rendered the JSON error.
  const infoMetadata = Object.fromEntries(Object.entries(err.metadata).filter(([, value]) => value !== ''));
  const details = [
    { typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(ErrorInfo.encode({ reason: err.reason, domain: err.domain, metadata: infoMetadata }).finish()) },
  ];
  if (err.fieldViolations.length > 0) {
    const badRequest = BadRequest.encode({
      fieldViolations: err.fieldViolations.map((v) => ({ field: v.field, description: v.description, reason: '', localizedMessage: undefined })),
    }).finish();
    details.unshift({ typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from(badRequest) });
  }
  const statusBytes = Status.encode({ code: err.grpcCode, message: err.message, details }).finish();
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(statusBytes));
  return { code: err.grpcCode, details: err.message, metadata };
}

/** Reads the google.rpc details back from a failed call (used by clients and tests). */
export function readStatusDetails(err: ServiceError): { errorInfo?: ErrorInfo; badRequest?: BadRequest } {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return {};
  const status = Status.decode(raw);
  const out: { errorInfo?: ErrorInfo; badRequest?: BadRequest } = {};
  for (const any of status.details) {
    if (any.typeUrl.endsWith('google.rpc.ErrorInfo')) out.errorInfo = ErrorInfo.decode(any.value);
    if (any.typeUrl.endsWith('google.rpc.BadRequest')) out.badRequest = BadRequest.decode(any.value);
  }
  return out;
}
