import type { ProductType } from '../../../../gen/shop/catalog/v1/product_type.js';
import type { Brand, Category } from '../../../../gen/shop/catalog/v1/taxonomy.js';
import { Violations } from '../../../platform/src/errors.js';
import type { AttributeDefinitionFields } from '../domain/attributes.js';
import type { BrandDoc, CategoryDoc, ProductTypeDoc, TaxonomyModels } from '../infra/taxonomy-models.js';
import { isObjectId, toBrandMessage, toCategoryMessage, toProductTypeMessage } from './messages.js';

/** What a product refers to, resolved for validation and for the full-state events. */
export interface ResolvedReferences {
  definitions: AttributeDefinitionFields[] | null;
  /** The type as events carry it (which attributes are filterable and searchable). */
  productType: ProductType | undefined;
  brand: Brand | undefined;
  categories: Category[];
  categoryPath: string[];
}

/** Resolves a product's product type, brand and categories; unknown ones are 400 naming the field. */
export class CatalogReferences {
  constructor(private readonly models: TaxonomyModels) {}

  async resolve(ref: { productTypeId: string; brandId: string; categoryIds: string[] }): Promise<ResolvedReferences> {
    const v = new Violations();
    const [type, brand, categories] = await Promise.all([
      ref.productTypeId && isObjectId(ref.productTypeId) ? this.models.productTypes.findById(ref.productTypeId, { outbox: 0 }).lean<ProductTypeDoc>() : null,
      ref.brandId && isObjectId(ref.brandId) ? this.models.brands.findOne({ _id: ref.brandId, deletedAt: null }, { outbox: 0 }).lean<BrandDoc>() : null,
      this.categoriesWithAncestors(ref.categoryIds),
    ]);
    if (ref.productTypeId && !type) v.add('product_type_id', 'no such product type');
    if (ref.brandId && !brand) v.add('brand_id', 'no such brand');
    const missing = ref.categoryIds.filter((id) => !categories.some((c) => c.id === id));
    if (missing.length > 0) v.add('category_ids', `no such category: ${missing.join(', ')}`);
    v.throwIfAny();
    const path = [...new Set(categories.flatMap((c) => [...c.ancestors.map((a) => a.id), c.id]))];
    return { definitions: type ? type.attributes : null, productType: type ? toProductTypeMessage(type) : undefined, brand: brand ? toBrandMessage(brand) : undefined, categories, categoryPath: path };
  }

  /** Categories as events and breadcrumbs need them: each with its ancestors' names. */
  async categoriesWithAncestors(ids: string[]): Promise<Category[]> {
    const wanted = ids.filter(isObjectId);
    if (wanted.length === 0) return [];
    const docs = await this.models.categories.find({ _id: { $in: wanted }, deletedAt: null }, { outbox: 0 }).lean<CategoryDoc[]>();
    const ancestorIds = [...new Set(docs.flatMap((d) => d.ancestorIds))];
    const ancestors = ancestorIds.length ? await this.models.categories.find({ _id: { $in: ancestorIds } }, { outbox: 0 }).lean<CategoryDoc[]>() : [];
    const byId = new Map(ancestors.map((a) => [a._id.toHexString(), a]));
    const order = new Map(wanted.map((id, i) => [id, i]));
    return docs.map((d) => toCategoryMessage(d, byId)).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }
}
