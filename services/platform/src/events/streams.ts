import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { DEAD_LETTER_PREFIX, DEAD_LETTER_STREAM, domainStreamName } from './subjects.js';

const HOUR_MS = 60 * 60 * 1000;
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/**
 * The few stream settings services care about. Kept small on purpose: every
 * field here is reconciled on each startup, so adding one means every
 * process will enforce it.
 */
export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long Nats-Msg-Id de-duplication lasts; must outlive an outbox relay retry. Default 1h. */
  duplicateWindowMs?: number;
  /** 0 keeps events until limits are hit; default 0. */
  maxAgeMs?: number;
  /** Only honoured on create; JetStream cannot change storage of an existing stream. Default file. */
  storage?: 'file' | 'memory';
  replicas?: number;
}

/** Spec for a domain's stream (`SHOP_<DOMAIN>` over `shop.<domain>.>`), so names are derived, not typed. */
export function domainStream(domain: string, overrides: Partial<Omit<StreamSpec, 'subjects'>> = {}): StreamSpec {
  return { name: domainStreamName(domain), subjects: [`shop.${domain}.>`], ...overrides };
}

/** Spec for the dead-letter stream that consumers park poison messages in. */
export function deadLetterStream(overrides: Partial<StreamSpec> = {}): StreamSpec {
  return { name: DEAD_LETTER_STREAM, subjects: [`${DEAD_LETTER_PREFIX}.>`], ...overrides };
}

function desiredConfig(spec: StreamSpec): Partial<StreamConfig> & { name: string } {
  const dup = spec.duplicateWindowMs ?? HOUR_MS;
  const maxAge = spec.maxAgeMs ?? 0;
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    storage: spec.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: spec.replicas ?? 1,
    // The server rejects a duplicate window longer than max_age.
    duplicate_window: nanos(maxAge > 0 ? Math.min(dup, maxAge) : dup),
    max_age: nanos(maxAge),
  };
}

function sameSubjects(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = new Set(a ?? []);
  const y = new Set(b ?? []);
  return x.size === y.size && [...x].every((s) => y.has(s));
}

function needsUpdate(current: StreamConfig, want: Partial<StreamConfig>): boolean {
  return (
    !sameSubjects(current.subjects, want.subjects) ||
    current.duplicate_window !== want.duplicate_window ||
    current.max_age !== want.max_age ||
    current.num_replicas !== want.num_replicas ||
    current.discard !== want.discard
  );
}

function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}

async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<StreamInfo> {
  const want = desiredConfig(spec);
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(spec.name);
  } catch (err) {
    if (apiCode(err) !== STREAM_NOT_FOUND) throw err;
    try {
      return await jsm.streams.add(want);
    } catch (addErr) {
      // Another process created it between our info and add: reconcile with theirs.
      if (apiCode(addErr) !== STREAM_NAME_IN_USE) throw addErr;
      info = await jsm.streams.info(spec.name);
    }
  }
  if (!needsUpdate(info.config, want)) return info;
  // Storage and retention are immutable; keep whatever the stream was created with.
  const { storage: _storage, retention: _retention, ...mutable } = want;
  return jsm.streams.update(spec.name, { ...info.config, ...mutable });
}

/**
 * Creates or reconciles streams at startup. Every service calls it for the
 * streams it touches, so it must tolerate many processes racing on the same
 * names: identical creates are accepted by the server, and a lost race
 * falls back to updating the winner's stream.
 */
export async function ensureStreams(jsm: JetStreamManager, specs: readonly StreamSpec[]): Promise<StreamInfo[]> {
  const out: StreamInfo[] = [];
  for (const spec of specs) out.push(await ensureStream(jsm, spec));
  return out;
}
