/** What the planner needs to know about one stock level. */
export interface LevelSnapshot {
  warehouseId: string;
  available: number;
  backorderLimit: number;
}

/** Units to take from one warehouse. */
export interface Take {
  warehouseId: string;
  qty: number;
}

/**
 * Splits `qty` over warehouses, given in priority order: first what is physically
 * available, warehouse by warehouse, and only then back-order headroom, so a
 * back-order is never promised while another warehouse has the goods. Returns null
 * when even back-orders cannot cover it.
 */
export function planAllocation(levels: readonly LevelSnapshot[], qty: number): Take[] | null {
  const taken = new Map<string, number>();
  let remaining = qty;
  for (const l of levels) {
    if (remaining === 0) break;
    const q = Math.min(Math.max(0, l.available), remaining);
    if (q > 0) {
      taken.set(l.warehouseId, q);
      remaining -= q;
    }
  }
  for (const l of levels) {
    if (remaining === 0) break;
    const already = taken.get(l.warehouseId) ?? 0;
    const headroom = l.available - already + l.backorderLimit;
    const q = Math.min(Math.max(0, headroom), remaining);
    if (q > 0) {
      taken.set(l.warehouseId, already + q);
      remaining -= q;
    }
  }
  if (remaining > 0) return null;
  return levels.filter((l) => taken.has(l.warehouseId)).map((l) => ({ warehouseId: l.warehouseId, qty: taken.get(l.warehouseId)! }));
}

/** Everything that could still be reserved (stock plus back-order headroom). */
export function reservable(levels: readonly LevelSnapshot[]): number {
  return levels.reduce((sum, l) => sum + Math.max(0, l.available + l.backorderLimit), 0);
}

/** A SKU's published availability: available never negative, per warehouse. */
export function skuTotals(levels: ReadonlyArray<LevelSnapshot>): { available: number; inStock: boolean; reservable: number; backorder: boolean } {
  const available = levels.reduce((sum, l) => sum + Math.max(0, l.available), 0);
  const canReserve = reservable(levels);
  return { available, inStock: canReserve > 0, reservable: canReserve, backorder: available === 0 && canReserve > 0 };
}
