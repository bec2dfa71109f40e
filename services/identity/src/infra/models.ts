import type { Connection, Model } from 'mongoose';
import { addressModel, type AddressDoc } from './addresses.js';
import { oneTimeTokenModel, type OneTimeTokenDoc } from './one-time-tokens.js';
import { refreshTokenModel, type RefreshTokenDoc } from './refresh-tokens.js';
import { serviceAccountModel, type ServiceAccountDoc } from './service-accounts.js';
import { signingKeyModel, type SigningKeyDoc } from './signing-keys.js';
import { userModel, type UserDoc } from './users.js';

export type { AddressDoc } from './addresses.js';
export type { OneTimeTokenDoc } from './one-time-tokens.js';
export type { RefreshTokenDoc } from './refresh-tokens.js';
export type { ServiceAccountDoc } from './service-accounts.js';
export type { SigningKeyDoc } from './signing-keys.js';
export type { UserDoc } from './users.js';

/** Every collection identity owns, one model each (one file per aggregate). */
export interface IdentityModels {
  users: Model<UserDoc>;
  refreshTokens: Model<RefreshTokenDoc>;
  signingKeys: Model<SigningKeyDoc>;
  serviceAccounts: Model<ServiceAccountDoc>;
  addresses: Model<AddressDoc>;
  oneTimeTokens: Model<OneTimeTokenDoc>;
}

export function identityModels(db: Connection): IdentityModels {
  return {
    users: userModel(db),
    refreshTokens: refreshTokenModel(db),
    signingKeys: signingKeyModel(db),
    serviceAccounts: serviceAccountModel(db),
    addresses: addressModel(db),
    oneTimeTokens: oneTimeTokenModel(db),
  };
}
