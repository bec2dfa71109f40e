import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Status } from '../../../gen/google/rpc/status.js';
import { DomainError, Violations, invalidArgument, readStatusDetails, toDomainError, toServiceError, type ErrorCode } from './errors.js';
import { domainErrorOf } from '../../../tools/testing/domain.js';

/** What a client sees: grpc-js hands the server's status back as a ServiceError. */
function asReceived(err: DomainError): ServiceError {
  const sent = toServiceError(err);
  return Object.assign(new Error(`${sent.code} ${sent.details}`), { code: sent.code!, details: sent.details!, metadata: sent.metadata! });
}

function serviceError(code: GrpcStatus, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
}


describe('DomainError', () => {
  test('maps every code to its gRPC status', () => {
    const expected: Record<ErrorCode, GrpcStatus> = {
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
    for (const [code, grpc] of Object.entries(expected)) assert.equal(new DomainError(code as ErrorCode, 'R', 'm').grpcCode, grpc, code);
  });

  test('defaults its ErrorInfo domain to shopmesh', () => {
    assert.equal(new DomainError('not_found', 'PRODUCT_NOT_FOUND', 'x').domain, 'shopmesh');
  });
});

describe('toServiceError and readStatusDetails', () => {
  test('round-trip code, message and ErrorInfo reason, domain and metadata', () => {
    const err = new DomainError('failed_precondition', 'INSUFFICIENT_STOCK', 'only 2 of MUG-1 left', { sku: 'MUG-1', available: '2' }, [], 'inventory.shopmesh');
    const received = asReceived(err);
    assert.equal(received.code, GrpcStatus.FAILED_PRECONDITION);
    assert.equal(received.details, 'only 2 of MUG-1 left');
    const { errorInfo, badRequest } = readStatusDetails(received);
    assert.equal(errorInfo?.reason, 'INSUFFICIENT_STOCK');
    assert.equal(errorInfo?.domain, 'inventory.shopmesh');
    assert.deepEqual(errorInfo?.metadata, { sku: 'MUG-1', available: '2' });
    assert.equal(badRequest, undefined);
  });

  test('round-trip every field violation as google.rpc.BadRequest', () => {
    const err = invalidArgument([
      { field: 'name', description: 'must not be empty' },
      { field: 'price.amount_minor', description: 'must not be negative' },
    ]);
    const { errorInfo, badRequest } = readStatusDetails(asReceived(err));
    assert.equal(errorInfo?.reason, 'INVALID_ARGUMENT');
    assert.deepEqual(badRequest?.fieldViolations.map((v) => [v.field, v.description]), [
      ['name', 'must not be empty'],
      ['price.amount_minor', 'must not be negative'],
    ]);
  });

  test('put a google.rpc.Status with the same code and message in grpc-status-details-bin', () => {
    const sent = toServiceError(new DomainError('not_found', 'PRODUCT_NOT_FOUND', 'no product p1'));
    const raw = sent.metadata?.get('grpc-status-details-bin')[0];
    assert.ok(Buffer.isBuffer(raw));
    const status = Status.decode(raw);
    assert.equal(status.code, GrpcStatus.NOT_FOUND);
    assert.equal(status.message, 'no product p1');
    assert.deepEqual(status.details.map((d) => d.typeUrl), ['type.googleapis.com/google.rpc.ErrorInfo']);
  });

  test('leave empty metadata values out (an ErrorInfo map entry without a value crashed Envoy)', () => {
    const err = new DomainError('already_exists', 'TAX_RULE_EXISTS', 'NL already has a rule', { country_code: 'NL', region: '' });
    assert.deepEqual(readStatusDetails(asReceived(err)).errorInfo?.metadata, { country_code: 'NL' });
  });

  test('readStatusDetails returns nothing for a status without details', () => {
    assert.deepEqual(readStatusDetails(serviceError(GrpcStatus.UNAVAILABLE, 'connection refused')), {});
  });
});

describe('Violations', () => {
  test('does nothing when no field is wrong', () => {
    const v = new Violations();
    assert.equal(v.empty, true);
    v.throwIfAny();
  });

  test('throws invalid_argument naming every collected field', () => {
    const v = new Violations().add('name', 'must not be empty').add('sku', 'must match [A-Z0-9-]+');
    assert.equal(v.empty, false);
    const err = domainErrorOf(() => v.throwIfAny());
    assert.equal(err.code, 'invalid_argument');
    assert.equal(err.grpcCode, GrpcStatus.INVALID_ARGUMENT);
    assert.deepEqual(err.fieldViolations, [
      { field: 'name', description: 'must not be empty' },
      { field: 'sku', description: 'must match [A-Z0-9-]+' },
    ]);
    assert.equal(err.message, 'name: must not be empty; sku: must match [A-Z0-9-]+');
  });
});

describe('toDomainError', () => {
  test('returns a DomainError unchanged', () => {
    const err = new DomainError('aborted', 'ETAG_MISMATCH', 'stale');
    assert.equal(toDomainError(err), err);
  });

  test('turns an unknown error into internal without leaking its message', () => {
    for (const thrown of [new Error('connect ECONNREFUSED 10.0.0.7:27017 user=admin'), new TypeError('x is undefined'), 'a string', 42, null, undefined, { message: 'secret' }]) {
      const err = toDomainError(thrown);
      assert.equal(err.code, 'internal');
      assert.equal(err.message, 'internal error');
      assert.equal(err.grpcCode, GrpcStatus.INTERNAL);
    }
  });

  test('never sends the cause of an unknown error to the client', () => {
    const received = asReceived(toDomainError(new Error('password=hunter2')));
    assert.equal(received.details, 'internal error');
    assert.doesNotMatch(JSON.stringify(readStatusDetails(received)), /hunter2/);
  });

  test('keeps the code and message of a downstream gRPC error', () => {
    const err = toDomainError(serviceError(GrpcStatus.NOT_FOUND, 'no product p1'));
    assert.equal(err.code, 'not_found');
    assert.equal(err.grpcCode, GrpcStatus.NOT_FOUND);
    assert.equal(err.message, 'no product p1');
    assert.equal(toDomainError(serviceError(GrpcStatus.UNAVAILABLE, 'down')).code, 'unavailable');
  });

  test('hides the message of a downstream internal or unmapped gRPC error', () => {
    const internal = toDomainError(serviceError(GrpcStatus.INTERNAL, 'stack trace from downstream'));
    assert.equal(internal.code, 'internal');
    assert.equal(internal.message, 'internal error');
    const unknown = toDomainError(serviceError(GrpcStatus.UNKNOWN, 'TypeError at foo.js:1'));
    assert.equal(unknown.code, 'internal');
    assert.equal(unknown.message, 'internal error');
  });
});
