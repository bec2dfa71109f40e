/**
 * A service definition whose chosen methods encode each response object once: the read
 * caches serve the same (never mutated) Product and page objects again and again, and
 * re-encoding them was most of a cached list page's cost. Keyed weakly by the object,
 * so an encoding lives exactly as long as the cached message. Belongs in platform if
 * another service caches whole responses.
 */
export function encodingOnce<D extends Record<string, { responseSerialize: (value: any) => Buffer }>>(definition: D, methods: Array<keyof D>): D {
  const out = { ...definition };
  for (const name of methods) {
    const method = definition[name]!;
    const encoded = new WeakMap<object, Buffer>();
    out[name] = {
      ...method,
      responseSerialize: (value: object) => {
        let bytes = encoded.get(value);
        if (!bytes) {
          bytes = method.responseSerialize(value);
          encoded.set(value, bytes);
        }
        return bytes;
      },
    };
  }
  return out;
}
