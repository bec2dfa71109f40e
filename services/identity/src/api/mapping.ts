import type { HttpBody } from '../../../../gen/google/api/httpbody.js';
import { UserStatus, type User } from '../../../../gen/shop/identity/v1/identity_service.js';
import type { FieldCrypto } from '../app/deps.js';
import type { UserDoc } from '../infra/users.js';

const STATUS: Record<UserDoc['state'], UserStatus> = {
  active: UserStatus.USER_STATUS_ACTIVE,
  disabled: UserStatus.USER_STATUS_DISABLED,
  deleted: UserStatus.USER_STATUS_DELETED,
};

/** The AAD of an encrypted user field: the value only decrypts on its own record and field. */
export const userFieldAad = (userId: string, field: string) => `user:${userId}:${field}`;

/** The etag of a user revision, as HTTP writes one (a quoted string). */
export const userEtag = (revision: number | undefined) => `"${revision ?? 1}"`;

/** A user document as the API shows it; encrypted fields are decrypted here only. */
export function toUserMessage(doc: UserDoc, crypto: FieldCrypto): User {
  return {
    id: doc._id,
    email: doc.email,
    displayName: doc.displayName,
    roles: doc.roles,
    emailVerified: doc.emailVerified,
    createTime: doc.createdAt,
    updateTime: doc.updatedAt,
    phone: doc.phoneEnc ? crypto.decrypt(doc.phoneEnc, userFieldAad(doc._id, 'phone')) : '',
    locale: doc.locale ?? '',
    marketingConsent: doc.marketingConsent ?? false,
    status: STATUS[doc.state ?? 'active'],
    mfaEnabled: Boolean(doc.mfa?.secretEnc),
    defaultShippingAddressId: doc.defaultShippingAddressId ?? '',
    defaultBillingAddressId: doc.defaultBillingAddressId ?? '',
    etag: userEtag(doc.revision),
    customerGroup: doc.customerGroup ?? '',
  };
}

/** A JSON HttpBody answer (token endpoint, JWKS, discovery). */
export const jsonBody = (value: unknown): HttpBody => ({ contentType: 'application/json', data: Buffer.from(JSON.stringify(value)), extensions: [] });
