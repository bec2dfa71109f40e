import { Schema, Types, type Connection, type Model } from 'mongoose';
import { outboxSchema, type OutboxEntry } from '../../../platform/src/events/index.js';
import type { AttributeDefinitionFields } from '../domain/attributes.js';

interface Versioned {
  _id: Types.ObjectId;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

export interface CategoryDoc extends Versioned {
  name: string;
  slug: string;
  /** '' at the top level (a string, so the sibling-slug unique index treats the top level as one parent). */
  parentId: string;
  position: number;
  description: string;
  /** Root first, parent last. */
  ancestorIds: string[];
  /** Set while a delete's event is still in the outbox; the doc is gone from every read. */
  deletedAt: Date | null;
  /** Freed slug of a deleted category. */
  deletedSlug?: string;
  /** Set by a move until its descendants and products have their new ancestors (see app/categories.ts). */
  repairPending?: boolean;
}

export interface BrandDoc extends Versioned {
  name: string;
  /** Lower-cased name: names are unique case-insensitively. */
  nameKey?: string;
  slug?: string;
  description: string;
  logoUrl: string;
  deletedAt: Date | null;
}

export interface CollectionDoc extends Versioned {
  name: string;
  slug?: string;
  productIds: string[];
  deletedAt: Date | null;
}

export interface ProductTypeDoc extends Versioned {
  name: string;
  nameKey: string;
  attributes: AttributeDefinitionFields[];
}

const base = { revision: { type: Number, required: true, default: 1 }, outbox: outboxSchema };
const options = { timestamps: true, versionKey: false, minimize: false } as const;

const categorySchema = new Schema<CategoryDoc>(
  {
    name: { type: String, required: true },
    slug: { type: String },
    parentId: { type: String, default: '' },
    position: { type: Number, default: 0 },
    description: { type: String, default: '' },
    ancestorIds: { type: [String], default: [] },
    deletedAt: { type: Date, default: null },
    deletedSlug: { type: String },
    repairPending: { type: Boolean },
    ...base,
  },
  options,
);
categorySchema.index({ parentId: 1, slug: 1 }, { unique: true, sparse: true });
categorySchema.index({ parentId: 1, deletedAt: 1, position: 1, _id: 1 });
categorySchema.index({ ancestorIds: 1 });
categorySchema.index({ repairPending: 1 }, { sparse: true });

const brandSchema = new Schema<BrandDoc>(
  { name: { type: String, required: true }, nameKey: String, slug: String, description: { type: String, default: '' }, logoUrl: { type: String, default: '' }, deletedAt: { type: Date, default: null }, ...base },
  options,
);
brandSchema.index({ nameKey: 1 }, { unique: true, sparse: true });
brandSchema.index({ slug: 1 }, { unique: true, sparse: true });

const collectionSchema = new Schema<CollectionDoc>({ name: { type: String, required: true }, slug: String, productIds: { type: [String], default: [] }, deletedAt: { type: Date, default: null }, ...base }, options);
collectionSchema.index({ slug: 1 }, { unique: true, sparse: true });

const attributeSchema = new Schema(
  { code: String, name: String, type: Number, unit: String, allowedValues: [String], required: Boolean, filterable: Boolean, searchable: Boolean },
  { _id: false },
);
const productTypeSchema = new Schema<ProductTypeDoc>({ name: { type: String, required: true }, nameKey: { type: String, required: true }, attributes: { type: [attributeSchema], default: [] }, ...base }, options);
productTypeSchema.index({ nameKey: 1 }, { unique: true });

/**
 * A lease that serialises category moves across processes: two moves checked against
 * each other's old ancestors could otherwise both pass the cycle check and form a loop.
 */
export interface TreeLeaseDoc {
  _id: string;
  holder: string;
  expiresAt: Date;
}
const treeLeaseSchema = new Schema<TreeLeaseDoc>({ _id: String, holder: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { versionKey: false });

export interface TaxonomyModels {
  categories: Model<CategoryDoc>;
  treeLeases: Model<TreeLeaseDoc>;
  brands: Model<BrandDoc>;
  collections: Model<CollectionDoc>;
  productTypes: Model<ProductTypeDoc>;
}

export function taxonomyModels(db: Connection): TaxonomyModels {
  return {
    categories: db.model<CategoryDoc>('Category', categorySchema, 'categories'),
    treeLeases: db.model<TreeLeaseDoc>('CategoryTreeLease', treeLeaseSchema, 'category_tree_leases'),
    brands: db.model<BrandDoc>('Brand', brandSchema, 'brands'),
    collections: db.model<CollectionDoc>('Collection', collectionSchema, 'collections'),
    productTypes: db.model<ProductTypeDoc>('ProductType', productTypeSchema, 'product_types'),
  };
}
