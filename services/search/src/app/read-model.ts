import type { Product } from '../../../../gen/shop/catalog/v1/catalog_service.js';
import {
  BrandChanged, BrandDeleted, CategoryChanged, CategoryDeleted, ProductCreated, ProductDeleted, ProductTypeChanged, ProductUpdated,
} from '../../../../gen/shop/catalog/v1/events.js';
import type { ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import type { Brand, Category } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import { StockStatus, categoryPath, isActive, revisionOf, skusOf, toDocument, withProductType, type Ref } from '../domain/document.js';
import { ProductIndex } from '../domain/product-index.js';

/** A catalog event as the read model takes it: the protobuf type name and the payload. */
export interface CatalogEvent {
  type: string;
  data: Uint8Array;
}

/** One product with the brand, categories and product type it names, as events and the rebuild deliver it. */
export interface CatalogProduct {
  product: Product;
  brand: Brand | undefined;
  categories: Category[];
  /** Absent for products without a type, and in events written before events carried it. */
  productType?: ProductType | undefined;
}

/** Inventory's in-stock flag for each of these SKUs. */
export type StockSource = (skus: string[]) => Promise<Map<string, boolean>>;

/** Reads every active product from the catalog, a page at a time. */
export type CatalogSource = () => AsyncIterable<CatalogProduct[]>;

/**
 * An index plus what it needs to apply events safely: the last revision seen per
 * product (indexed or not, so a late event for an archived product cannot bring it
 * back) and the ids of deleted products (their events carry no revision).
 */
class IndexState {
  readonly index = new ProductIndex();

  constructor(private readonly stock: StockStatus) {}
  readonly revisions = new Map<string, number>();
  readonly deleted = new Set<string>();
  /** The newest definition seen of each product type (by its revision), from product and type events. */
  readonly productTypes = new Map<string, ProductType>();

  /** Remembers a type if it is newer than what we have; true when it changed what we hold. */
  private learnType(type: ProductType | undefined): boolean {
    if (!type?.id) return false;
    const known = this.productTypes.get(type.id);
    if (known && revisionOf(known.etag) >= revisionOf(type.etag)) return false;
    this.productTypes.set(type.id, type);
    return true;
  }

  applyProduct(p: CatalogProduct): void {
    const { product } = p;
    this.learnType(p.productType);
    if (!product.id || this.deleted.has(product.id)) return;
    const revision = revisionOf(product.etag);
    if (revision < (this.revisions.get(product.id) ?? 0)) return;
    this.revisions.set(product.id, revision);
    // Non-staff must never find a draft or archived product: anything not active leaves the index.
    if (isActive(product)) this.index.put(toDocument(product, p.brand, p.categories, this.productTypes.get(product.productTypeId), this.stock));
    else this.index.remove(product.id);
  }

  /** A type's filterable/searchable flags changed: its products' facets and full text follow. */
  changeProductType(type: ProductType): void {
    if (!this.learnType(type)) return;
    for (const doc of [...this.index.all()]) if (doc.productTypeId === type.id) this.index.put(withProductType(doc, type));
  }

  deleteProduct(id: string): void {
    this.deleted.add(id);
    this.revisions.delete(id);
    this.index.remove(id);
  }

  /** A renamed or moved category: every path through it gets its new name and ancestors. */
  changeCategory(category: Category): void {
    const newPath = categoryPath(category);
    for (const doc of [...this.index.all()]) {
      if (!doc.categoryPaths.some((path) => path.some((c) => c.id === category.id))) continue;
      const categoryPaths = doc.categoryPaths.map((path) => {
        const at = path.findIndex((c) => c.id === category.id);
        return at < 0 ? path : [...newPath, ...path.slice(at + 1)];
      });
      this.index.put({ ...doc, categoryPaths });
    }
  }

  /** A SKU's stock changed: the products with it follow (their in-stock flag). */
  refreshStock(sku: string): void {
    for (const doc of [...this.index.all()]) {
      if (!doc.skus.includes(sku)) continue;
      const inStock = this.stock.anyInStock(doc.skus);
      if (inStock !== doc.inStock) this.index.put({ ...doc, inStock });
    }
  }

  changeBrand(brand: Brand): void {
    for (const doc of [...this.index.all()]) {
      if (doc.brand?.id === brand.id && doc.brand.name !== brand.name) this.index.put({ ...doc, brand: { id: brand.id, name: brand.name } satisfies Ref });
    }
  }

  apply(event: CatalogEvent): void {
    switch (event.type) {
      case 'shop.catalog.v1.ProductCreated': {
        const e = ProductCreated.decode(event.data);
        if (e.product) this.applyProduct({ product: e.product, brand: e.brand, categories: e.categories, productType: e.productType });
        return;
      }
      case 'shop.catalog.v1.ProductUpdated': {
        const e = ProductUpdated.decode(event.data);
        if (e.product) this.applyProduct({ product: e.product, brand: e.brand, categories: e.categories, productType: e.productType });
        return;
      }
      case 'shop.catalog.v1.ProductDeleted':
        this.deleteProduct(ProductDeleted.decode(event.data).productId);
        return;
      case 'shop.catalog.v1.CategoryChanged': {
        const e = CategoryChanged.decode(event.data);
        if (e.category) this.changeCategory(e.category);
        return;
      }
      case 'shop.catalog.v1.BrandChanged': {
        const e = BrandChanged.decode(event.data);
        if (e.brand) this.changeBrand(e.brand);
        return;
      }
      case 'shop.catalog.v1.ProductTypeChanged': {
        const e = ProductTypeChanged.decode(event.data);
        if (e.productType) this.changeProductType(e.productType);
        return;
      }
      // Only unused categories and brands can be deleted: no product changes.
      case 'shop.catalog.v1.CategoryDeleted':
        CategoryDeleted.decode(event.data);
        return;
      case 'shop.catalog.v1.BrandDeleted':
        BrandDeleted.decode(event.data);
        return;
      default:
        // Other catalog events (price lists, collections) do not change search results.
        return;
    }
  }
}

export interface RebuildResult {
  productCount: number;
  durationMs: number;
  eventsReplayed: number;
}

/**
 * The search read model of one process: the index queries use, kept fresh by catalog
 * events, and rebuilt from the catalog into a fresh index that replaces the old one
 * in a single assignment. While a rebuild reads the catalog, events keep updating the
 * serving index and are also recorded; once the catalog is read they are replayed onto
 * the new index and the swap happens in the same synchronous step, so no event that
 * arrived during the rebuild is lost and queries never wait.
 */
export class SearchReadModel {
  /** Stock outlives rebuilds: it comes from inventory, not from the catalog. */
  private readonly stock = new StockStatus();
  private state = new IndexState(this.stock);
  private pending: CatalogEvent[] | null = null;
  private running: Promise<RebuildResult> | null = null;

  constructor(
    private readonly source: CatalogSource,
    /** Inventory's in-stock flags for SKUs (a rebuild asks for each page's); none: stock unknown. */
    private readonly stockSource: StockSource = async () => new Map(),
  ) {}

  /** Inventory says a SKU is (not) in stock now. */
  applyAvailability(sku: string, inStock: boolean): void {
    if (!this.stock.set(sku, inStock)) return;
    this.state.refreshStock(sku);
  }

  /** The index queries run against; replaced whole by a rebuild. */
  get index(): ProductIndex {
    return this.state.index;
  }

  apply(event: CatalogEvent): void {
    this.state.apply(event);
    this.pending?.push(event);
  }

  /** Rebuilds from the catalog; a rebuild already running is joined rather than doubled. */
  rebuild(): Promise<RebuildResult> {
    this.running ??= this.runRebuild().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runRebuild(): Promise<RebuildResult> {
    const started = performance.now();
    const fresh = new IndexState(this.stock);
    this.pending = [];
    try {
      for await (const page of this.source()) {
        for (const [sku, inStock] of await this.stockSource(page.flatMap((p) => skusOf(p.product)))) this.stock.set(sku, inStock);
        for (const p of page) fresh.applyProduct(p);
      }
      // From here to the swap nothing awaits, so no event can slip in between.
      const replay = this.pending;
      for (const event of replay) fresh.apply(event);
      this.state = fresh;
      return { productCount: fresh.index.size, durationMs: Math.round(performance.now() - started), eventsReplayed: replay.length };
    } finally {
      this.pending = null;
    }
  }
}
