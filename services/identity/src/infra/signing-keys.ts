import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet } from 'jose';
import type { IdentityModels } from './models.js';

export const SIGNING_ALG = 'ES256';

/** The key tokens are signed with now, and its id for the JWT header. */
export interface ActiveKey {
  kid: string;
  key: CryptoKey;
}

/**
 * Identity's signing keys live in its database so every identity process signs with
 * the same key and every verifier sees it in the JWKS. Retired keys leave the JWKS;
 * rotation (a new key, the old one kept until its tokens expire) is a later step.
 */
export class SigningKeys {
  private active: ActiveKey | null = null;

  constructor(private readonly models: IdentityModels) {}

  /** Loads the newest key, creating the first one on a fresh database. */
  async load(): Promise<ActiveKey> {
    let doc = await this.models.signingKeys.findOne({ retiredAt: null }).sort({ createdAt: -1 }).lean();
    if (!doc) {
      const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
      const kid = `${new Date().toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`;
      await this.models.signingKeys.create({
        _id: kid,
        alg: SIGNING_ALG,
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG },
        publicJwk: { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' },
      });
      doc = await this.models.signingKeys.findOne({ retiredAt: null }).sort({ createdAt: -1 }).lean();
    }
    this.active = { kid: doc!._id, key: (await importJWK(doc!.privateJwk, SIGNING_ALG)) as CryptoKey };
    return this.active;
  }

  current(): ActiveKey {
    if (!this.active) throw new Error('signing keys not loaded');
    return this.active;
  }

  /** The public keys of every key not retired, as served at /.well-known/jwks.json. */
  async jwks(): Promise<JSONWebKeySet> {
    const docs = await this.models.signingKeys.find({ retiredAt: null }).sort({ createdAt: -1 }).lean();
    return { keys: docs.map((d) => d.publicJwk) as JSONWebKeySet['keys'] };
  }
}
