import { connect } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';

/**
 * Reads a domain stream from the start and returns every message on `subject` whose
 * decoded payload matches, waiting up to `waitMs` for at least one; used by tests to
 * check that writes really produced their events (and how many times).
 */
export async function eventsMatching<T>(stream: string, subject: string, decode: (data: Uint8Array) => T, match: (event: T) => boolean, waitMs = 5_000): Promise<Array<{ event: T; msgId: string | undefined }>> {
  const nc = await connect({ servers: process.env['SHOP_NATS_URL']! });
  try {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = await scan(nc, stream, subject, decode, match);
      if (found.length > 0 || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await nc.close();
  }
}

async function scan<T>(nc: Awaited<ReturnType<typeof connect>>, stream: string, subject: string, decode: (data: Uint8Array) => T, match: (event: T) => boolean) {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
  const info = await consumer.info(true);
  const found: Array<{ event: T; msgId: string | undefined }> = [];
  let pending = info.num_pending;
  while (pending > 0) {
    const batch = await consumer.fetch({ max_messages: Math.min(pending, 500), expires: 2_000 });
    let got = 0;
    for await (const msg of batch) {
      got++;
      const event = decode(msg.data);
      if (match(event)) found.push({ event, msgId: msg.headers?.get('Nats-Msg-Id') });
    }
    if (got === 0) break;
    pending -= got;
  }
  await consumer.delete().catch(() => undefined);
  return found;
}
