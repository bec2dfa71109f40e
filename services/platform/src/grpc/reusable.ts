/**
 * Responses a handler hands out again unchanged (a cached answer): the host encodes
 * such an object once and sends the same bytes every time. Encoding is a good part of
 * a cheap call (a page of search hits costs more to encode than to find), so a cache
 * of response objects should not pay it on every hit. A reusable response must not be
 * changed after it was first returned.
 */
const encodings = new WeakMap<object, Buffer | null>();

/** Marks a response as reusable and returns it (anything but an object is returned as it is). */
export function reusableResponse<T>(response: T): T {
  if (typeof response === 'object' && response !== null && !encodings.has(response)) encodings.set(response, null);
  return response;
}

/** Wraps a method's serializer so reusable responses are encoded once. */
export function encodingOnce<T>(serialize: (value: T) => Buffer): (value: T) => Buffer {
  return (value) => {
    if (typeof value !== 'object' || value === null) return serialize(value);
    const known = encodings.get(value);
    if (known) return known;
    const bytes = serialize(value);
    if (known === null) encodings.set(value, bytes);
    return bytes;
  };
}
