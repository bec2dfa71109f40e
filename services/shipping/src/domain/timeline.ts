import { createHash } from 'node:crypto';
import type { ShipmentStatus } from '../../../../gen/shop/shipping/v1/shipping.js';
import { assertTransition, canTransition } from './shipment-status.js';

/** One tracking event as stored. */
export interface TimelineEvent {
  id: string;
  status: ShipmentStatus;
  occurTime: Date;
  location: string;
  description: string;
  source: string;
}

/** What the timeline logic needs of a shipment. */
export interface TrackedState {
  id: string;
  status: ShipmentStatus;
  /** occur time of the event that set the current status (creation time at first). */
  statusTime: Date;
  events: TimelineEvent[];
}

/** The outcome of applying a batch of events. */
export interface TimelineChange {
  state: TrackedState;
  applied: number;
  duplicates: number;
  ignored: number;
}

/** The most events one shipment keeps; carriers that scan more lose the oldest scans. */
export const MAX_TIMELINE = 200;

/**
 * An event id for updates that carry none: a hash of what the event says, so the same
 * update sent twice is recognised as one.
 */
export function derivedEventId(e: Omit<TimelineEvent, 'id' | 'source'>): string {
  return `h-${createHash('sha256').update(JSON.stringify([e.status, e.occurTime.toISOString(), e.location, e.description])).digest('hex').slice(0, 24)}`;
}

const byTime = (a: TimelineEvent, b: TimelineEvent) => a.occurTime.getTime() - b.occurTime.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Applies tracking events to a shipment, idempotently and in any arrival order:
 * an event id already in the timeline is a duplicate and changes nothing; an event
 * older than the one that set the current status joins the timeline as history but
 * cannot move the status back; a newer event moves the status if the state machine
 * allows it. A newer event the machine forbids (in_transit after delivered) is
 * refused: `strict` (staff input) throws ILLEGAL_STATUS_TRANSITION, otherwise
 * (carriers) it is counted as ignored and not recorded.
 */
export function applyEvents(current: TrackedState, incoming: readonly TimelineEvent[], strict: boolean): TimelineChange {
  const state: TrackedState = { ...current, events: [...current.events] };
  const known = new Set(state.events.map((e) => e.id));
  let applied = 0;
  let duplicates = 0;
  let ignored = 0;
  for (const event of [...incoming].sort(byTime)) {
    if (known.has(event.id)) {
      duplicates++;
      continue;
    }
    const newer = event.occurTime.getTime() >= state.statusTime.getTime();
    if (newer && event.status !== state.status) {
      if (strict) assertTransition(state.id, state.status, event.status);
      if (!canTransition(state.status, event.status)) {
        ignored++;
        continue;
      }
      state.status = event.status;
    }
    if (newer) state.statusTime = event.occurTime;
    known.add(event.id);
    state.events.push(event);
    applied++;
  }
  state.events.sort(byTime);
  if (state.events.length > MAX_TIMELINE) state.events = state.events.slice(state.events.length - MAX_TIMELINE);
  return { state, applied, duplicates, ignored };
}
